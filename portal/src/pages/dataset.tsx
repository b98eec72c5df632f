import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { PageTitle } from '../components/layout.tsx';
import { QueryBuilder } from '../components/query-builder.tsx';
import { SchemaTable } from '../components/schema-table.tsx';
import {
  Badge,
  Button,
  DataTable,
  ErrorNote,
  Field,
  Form,
  Loading,
  useAction,
  useLoad,
} from '../components/ui.tsx';
import { api } from '../lib/api.ts';
import { fmtDate, fmtDateTime, fmtNumber, pick, t, useLang } from '../lib/i18n.ts';
import type { TDataset } from '../lib/types.ts';

type TVersion = {
  version: number;
  mode: string;
  format: string;
  rowCount: number;
  addedRows: number;
  committedAt: string | null;
};
type TRuleResult = {
  column: string;
  rule: number;
  kind: string;
  severity: string;
  checked: number;
  failing: number;
};
type TQuality = { version: number; score: number; checked: number; failing: number; results: TRuleResult[] };
type TFeedback = {
  id: string;
  kind: string;
  body: string;
  status: string;
  answer: string | null;
  createdAt: string;
};
type TRows = { version: number | null; items: Record<string, unknown>[] };

const TABS = ['overview', 'schema', 'preview', 'query', 'versions', 'quality', 'feedback'] as const;

export function DatasetPage() {
  useLang();
  const { params } = useRoute();
  const id = params.id!;
  const [tab, setTab] = useState<(typeof TABS)[number]>('overview');
  const { data: d, error } = useLoad(
    (signal) => api<TDataset>('GET', `/v1/datasets/${encodeURIComponent(id)}`, undefined, { signal }),
    [id],
  );
  if (error) return <ErrorNote error={error} />;
  if (!d) return <Loading />;
  const isOpen = d.openness === 'open' && d.status === 'published';
  const tabs = TABS.filter((x) => isOpen || (x !== 'preview' && x !== 'query'));
  return (
    <article class="dataset">
      <PageTitle
        sub={
          <p>
            <Badge kind={d.openness}>{t(`openness.${d.openness}`)}</Badge>{' '}
            <Badge>{t(`sharing.${d.sharing}`)}</Badge>{' '}
            <Badge>{t('classification.level', { n: d.classification })}</Badge>{' '}
            <span class="muted">
              {pick(d.providerName, d.providerNameEn)} · {t(`theme.${d.theme}`)}
            </span>
          </p>
        }
      >
        {pick(d.title, d.titleEn)}
      </PageTitle>
      <div role="tablist" aria-label={t('dataset.sections')} class="tabs">
        {tabs.map((x) => (
          <button
            type="button"
            role="tab"
            key={x}
            id={`tab-${x}`}
            aria-selected={tab === x ? 'true' : 'false'}
            aria-controls={`panel-${x}`}
            onClick={() => setTab(x)}
          >
            {t(`dataset.tab.${x}`)}
          </button>
        ))}
      </div>
      <section role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'overview' && <Overview d={d} isOpen={isOpen} />}
        {tab === 'schema' && <Schema d={d} />}
        {tab === 'preview' && <Preview d={d} />}
        {tab === 'query' && <QueryBuilder d={d} />}
        {tab === 'versions' && <Versions d={d} />}
        {tab === 'quality' && <Quality d={d} />}
        {tab === 'feedback' && <Feedback d={d} />}
      </section>
    </article>
  );
}

function Overview({ d, isOpen }: { d: TDataset; isOpen: boolean }) {
  return (
    <>
      <p class="prose">{pick(d.description, d.descriptionEn)}</p>
      <dl class="facts">
        <dt>{t('dataset.provider')}</dt>
        <dd>{pick(d.providerName, d.providerNameEn)}</dd>
        <dt>{t('dataset.frequency')}</dt>
        <dd>{t(`frequency.${d.updateFrequency}`)}</dd>
        <dt>{t('dataset.license')}</dt>
        <dd>{d.license}</dd>
        <dt>{t('dataset.rows')}</dt>
        <dd>{fmtNumber(d.rowCount)}</dd>
        <dt>{t('dataset.published')}</dt>
        <dd>{fmtDate(d.publishedAt)}</dd>
        <dt>{t('dataset.lastData')}</dt>
        <dd>{fmtDateTime(d.timeliness.lastDataAt)}</dd>
        {d.sharingBasis && (
          <>
            <dt>{t('dataset.sharingBasis')}</dt>
            <dd>{d.sharingBasis}</dd>
          </>
        )}
        {d.tags.length > 0 && (
          <>
            <dt>{t('dataset.tags')}</dt>
            <dd>{d.tags.join('、')}</dd>
          </>
        )}
      </dl>
      {isOpen && d.currentVersion !== null ? (
        <p class="downloads">
          <a class="button" href={`/v1/open/${d.id}/download?format=csv`} download>
            {t('dataset.downloadCsv')}
          </a>{' '}
          <a class="button secondary" href={`/v1/open/${d.id}/download?format=ndjson`} download>
            {t('dataset.downloadNdjson')}
          </a>
        </p>
      ) : (
        <p class="note">{isOpen ? t('dataset.noDataYet') : t(`dataset.howToUse.${d.openness}`)}</p>
      )}
    </>
  );
}

function Schema({ d }: { d: TDataset }) {
  return <SchemaTable columns={d.columns} caption={t('dataset.tab.schema')} />;
}

function Preview({ d }: { d: TDataset }) {
  const { data, error } = useLoad(
    (signal) => api<TRows>('GET', `/v1/open/${d.id}/rows?limit=20`, undefined, { signal }),
    [d.id],
  );
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  const cols = d.columns.map((c) => c.name);
  return (
    <DataTable
      caption={t('dataset.previewCaption', { n: data.items.length, version: data.version ?? '—' })}
      columns={cols}
      rows={data.items.map((r) => cols.map((c) => r[c]))}
    />
  );
}

function Versions({ d }: { d: TDataset }) {
  const { data, error } = useLoad(
    (signal) => api<{ items: TVersion[] }>('GET', `/v1/datasets/${d.id}/versions`, undefined, { signal }),
    [d.id],
  );
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  if (data.items.length === 0) return <p class="muted">{t('dataset.noDataYet')}</p>;
  return (
    <DataTable
      caption={t('dataset.tab.versions')}
      columns={[
        t('versions.version'),
        t('versions.mode'),
        t('versions.rows'),
        t('versions.added'),
        t('versions.at'),
      ]}
      rows={data.items.map((v) => [
        v.version,
        t(`versions.${v.mode}`),
        fmtNumber(v.rowCount),
        fmtNumber(v.addedRows),
        fmtDateTime(v.committedAt),
      ])}
    />
  );
}

function Quality({ d }: { d: TDataset }) {
  const { data, error } = useLoad(
    (signal) => api<TQuality>('GET', `/v1/datasets/${d.id}/quality`, undefined, { signal }),
    [d.id],
  );
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  return (
    <>
      <p class="score">
        {t('quality.score')}: <strong>{fmtNumber(data.score, 2)}</strong>{' '}
        <span class="muted">{t('quality.ofVersion', { version: data.version })}</span>
      </p>
      {data.results.length === 0 ? (
        <p class="muted">{t('quality.noRules')}</p>
      ) : (
        <DataTable
          caption={t('dataset.tab.quality')}
          columns={[
            t('schema.name'),
            t('quality.rule'),
            t('quality.severity'),
            t('quality.checked'),
            t('quality.failing'),
          ]}
          rows={data.results.map((r) => [
            r.column,
            r.kind,
            t(`quality.${r.severity}`),
            fmtNumber(r.checked),
            fmtNumber(r.failing),
          ])}
        />
      )}
    </>
  );
}

function Feedback({ d }: { d: TDataset }) {
  const list = useLoad(
    (signal) => api<{ items: TFeedback[] }>('GET', `/v1/datasets/${d.id}/feedback`, undefined, { signal }),
    [d.id],
  );
  const [kind, setKind] = useState('error');
  const [body, setBody] = useState('');
  const [contact, setContact] = useState('');
  const [sent, setSent] = useState(false);
  const send = useAction(async () => {
    await api('POST', `/v1/datasets/${d.id}/feedback`, { kind, body, ...(contact ? { contact } : {}) });
    setBody('');
    setSent(true);
    list.reload();
  });
  return (
    <>
      <Form onSubmit={send.go}>
        <h2>{t('feedback.give')}</h2>
        <Field label={t('feedback.kind')}>
          {(id) => (
            <select id={id} value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
              {['error', 'objection', 'request', 'other'].map((k) => (
                <option key={k} value={k}>
                  {t(`feedback.kinds.${k}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('feedback.body')}>
          {(id) => (
            <textarea
              id={id}
              required
              rows={4}
              value={body}
              onInput={(e) => setBody(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field label={t('feedback.contact')} hint={t('feedback.contactHint')}>
          {(id) => <input id={id} value={contact} onInput={(e) => setContact(e.currentTarget.value)} />}
        </Field>
        <ErrorNote error={send.error} />
        {sent && (
          <p class="note ok" role="status">
            {t('feedback.thanks')}
          </p>
        )}
        <Button type="submit" pending={send.pending}>
          {t('feedback.send')}
        </Button>
      </Form>
      <h2>{t('feedback.list')}</h2>
      <ErrorNote error={list.error} />
      <ul class="plain">
        {list.data?.items.map((f) => (
          <li key={f.id} class="card">
            <p>
              <Badge>{t(`feedback.kinds.${f.kind}`)}</Badge>{' '}
              <span class="muted small">{fmtDateTime(f.createdAt)}</span>
            </p>
            <p>{f.body}</p>
            {f.answer && (
              <p class="answer">
                <strong>{t('feedback.answer')}:</strong> {f.answer}
              </p>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
