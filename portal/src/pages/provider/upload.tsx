import { useState } from 'preact/hooks';
import { Button, DataTable, ErrorNote, Field, Form } from '../../components/ui.tsx';
import { ApiError, getCsrfToken } from '../../lib/api.ts';
import { fmtBytes, fmtNumber, t } from '../../lib/i18n.ts';

type TIngestResult = {
  version: number;
  mode: 'append' | 'replace';
  format: 'csv' | 'ndjson';
  rowCount: number;
  addedRows: number;
  digest: string;
  quality: { score: number; checked: number; failing: number };
};
type TLineError = { line: number; column?: string; reason: string };

/** An upload the API refused: its problem, and the bad rows it named. */
class UploadRefused extends Error {
  readonly problem: ApiError;
  readonly lines: TLineError[];
  constructor(problem: ApiError, lines: TLineError[]) {
    super(problem.message);
    this.problem = problem;
    this.lines = lines;
  }
}

/** The media type the API expects for a file, by its name first (browsers know little of NDJSON). */
export function mediaTypeOf(file: { name: string; type: string }): string {
  if (/\.(ndjson|jsonl)$/i.test(file.name)) return 'application/x-ndjson';
  if (/\.csv$/i.test(file.name)) return 'text/csv';
  return file.type || 'text/csv';
}

/**
 * POST /v1/datasets/{id}/data through XMLHttpRequest, whose upload events report the bytes sent
 * (fetch has none): the session cookie and the CSRF header, as `apiFetch` sends them.
 */
function sendFile(
  datasetId: string,
  file: File,
  mode: 'append' | 'replace',
  onProgress: (sent: number, total: number) => void,
): Promise<TIngestResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/v1/datasets/${encodeURIComponent(datasetId)}/data?mode=${mode}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('content-type', mediaTypeOf(file));
    xhr.setRequestHeader('accept', 'application/json');
    const csrf = getCsrfToken();
    if (csrf) xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'network error', null));
    xhr.onload = () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON (a proxy's page): the status says what happened
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body as TIngestResult);
      const errors = Array.isArray(body.errors) ? (body.errors as Record<string, unknown>[]) : [];
      // Row errors have a line, not a path: they go to the table, not to the note's field list.
      const lines = errors.filter((e): e is TLineError => typeof e.line === 'number');
      const fields = errors.filter((e): e is { path: string; message: string } => typeof e.path === 'string');
      const problem = new ApiError(
        xhr.status,
        typeof body.code === 'string' ? body.code : `HTTP_${xhr.status}`,
        // The table below says what the detail would, line by line and in the reader's language.
        lines.length > 0 ? '' : typeof body.detail === 'string' ? body.detail : xhr.statusText,
        typeof body.requestId === 'string' ? body.requestId : xhr.getResponseHeader('x-request-id'),
        fields,
      );
      reject(new UploadRefused(problem, lines));
    };
    xhr.send(file);
  });
}

/** Uploading a CSV or NDJSON file as a new version, with its progress and its outcome. */
export function Upload({ datasetId, onDone }: { datasetId: string; onDone: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState<'append' | 'replace'>('append');
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<TIngestResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [lines, setLines] = useState<TLineError[]>([]);

  const go = async () => {
    if (!file) return;
    setPending(true);
    setResult(null);
    setError(null);
    setLines([]);
    setProgress({ sent: 0, total: file.size });
    try {
      setResult(await sendFile(datasetId, file, mode, (sent, total) => setProgress({ sent, total })));
      onDone();
    } catch (e) {
      if (e instanceof UploadRefused) {
        setError(e.problem);
        setLines(e.lines);
      } else setError(e);
    } finally {
      setPending(false);
    }
  };

  const pct = progress && progress.total > 0 ? Math.round((progress.sent / progress.total) * 100) : 0;
  return (
    <Form onSubmit={go}>
      <div class="row">
        <Field label={t('provider.upload.file')} hint={t('provider.upload.fileHint')} id="upload-file">
          {(id) => (
            <input
              id={id}
              type="file"
              accept=".csv,.ndjson,.jsonl,text/csv,application/x-ndjson"
              required
              onChange={(e) => {
                setFile(e.currentTarget.files?.[0] ?? null);
                setResult(null);
                setError(null);
                setLines([]);
                setProgress(null);
              }}
            />
          )}
        </Field>
        <fieldset>
          <legend>{t('provider.upload.mode')}</legend>
          {(['append', 'replace'] as const).map((m) => (
            <label key={m} class="inline">
              <input
                type="radio"
                name="upload-mode"
                value={m}
                checked={mode === m}
                onChange={() => setMode(m)}
              />{' '}
              {t(`provider.upload.${m}`)}
            </label>
          ))}
        </fieldset>
      </div>
      {progress && (
        <div>
          <label for="upload-progress">
            {t('provider.upload.progress', {
              sent: fmtBytes(progress.sent),
              total: fmtBytes(progress.total),
              pct: fmtNumber(pct),
            })}
            {!pending && result && ` · ${t('provider.upload.done')}`}
          </label>
          <progress id="upload-progress" max={100} value={pct} data-testid="upload-progress" />
        </div>
      )}
      <Button type="submit" pending={pending} disabled={!file}>
        {t('provider.upload.send')}
      </Button>
      <ErrorNote error={error} />
      {lines.length > 0 && (
        <DataTable
          caption={t('provider.upload.badLines', { n: lines.length })}
          columns={[t('provider.upload.line'), t('provider.upload.column'), t('provider.upload.reason')]}
          numeric={[true, false, false]}
          rows={lines.map((l) => [fmtNumber(l.line), l.column ?? '—', l.reason])}
        />
      )}
      {result && (
        <div class="note ok" role="status">
          <p>
            {t('provider.upload.accepted', {
              version: result.version,
              added: fmtNumber(result.addedRows),
              rows: fmtNumber(result.rowCount),
            })}
          </p>
          <p>
            {t('provider.upload.quality', {
              score: fmtNumber(result.quality.score, 2),
              failing: fmtNumber(result.quality.failing),
              checked: fmtNumber(result.quality.checked),
            })}
          </p>
        </div>
      )}
    </Form>
  );
}
