import { useState } from 'preact/hooks';
import { Button, Field, Form, Input } from '../../../components/ui.tsx';
import { t } from '../../../lib/i18n.ts';
import type { TColumn } from '../../../lib/types.ts';
import { isNumber, parseModel, parsePolynomial, type TFeatureRow } from './model.ts';
import type { THeInput, TLicensed, TMeasure, TPsiInput, TStatistic } from './types.ts';

/** Columns a group may be formed on: public values from a code list, or booleans (the API checks again). */
const groupable = (cols: TColumn[]) =>
  cols.filter((c) => c.sensitivity !== 'identifier' && (c.type === 'boolean' || (c.codes?.length ?? 0) > 0));
const numeric = (cols: TColumn[]) =>
  cols.filter((c) => c.sensitivity !== 'identifier' && (c.type === 'integer' || c.type === 'number'));
const identifiers = (cols: TColumn[]) => {
  const ids = cols.filter((c) => c.sensitivity === 'identifier');
  return ids.length > 0 ? ids : cols.filter((c) => c.type === 'string');
};

const columnLabel = (c: TColumn) => (c.description ? `${c.name} — ${c.description.slice(0, 30)}` : c.name);

function ColumnSelect(props: {
  label: string;
  columns: TColumn[];
  value: string;
  onValue: (v: string) => void;
  none?: string;
}) {
  return (
    <Field label={props.label}>
      {(id) => (
        <select id={id} value={props.value} onChange={(e) => props.onValue(e.currentTarget.value)}>
          {props.none !== undefined && <option value="">{props.none}</option>}
          {props.columns.map((c) => (
            <option key={c.name} value={c.name}>
              {columnLabel(c)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** Statistics of numeric columns, one a row; with a weight each when they are a model's features. */
function MeasureRows(props: {
  rows: TFeatureRow[];
  columns: TColumn[];
  withWeight: boolean;
  legend: string;
  onRows: (rows: TFeatureRow[]) => void;
}) {
  const set = (i: number, patch: Partial<TFeatureRow>) =>
    props.onRows(props.rows.map((r, j) => (i === j ? { ...r, ...patch } : r)));
  return (
    <div class="stack">
      {props.rows.map((r, i) => (
        <fieldset key={i} class="measure-row">
          <legend>{t(props.legend, { n: i + 1 })}</legend>
          <ColumnSelect
            label={t('mpc.column')}
            columns={props.columns}
            value={r.column}
            onValue={(column) => set(i, { column })}
          />
          <Field label={t('mpc.statistic')}>
            {(id) => (
              <select
                id={id}
                value={r.statistic}
                onChange={(e) => set(i, { statistic: e.currentTarget.value as TStatistic })}
              >
                <option value="mean">{t('mpc.stat.mean')}</option>
                <option value="sum">{t('mpc.stat.sum')}</option>
              </select>
            )}
          </Field>
          {props.withWeight && (
            <Input
              id={`mpc-weight-${i}`}
              label={t('mpc.he.weight')}
              value={r.weight}
              onValue={(weight) => set(i, { weight })}
            />
          )}
          <Input
            id={`mpc-min-${props.legend}-${i}`}
            label={t('mpc.boundMin')}
            value={r.min}
            onValue={(min) => set(i, { min })}
          />
          <Input
            id={`mpc-max-${props.legend}-${i}`}
            label={t('mpc.boundMax')}
            value={r.max}
            onValue={(max) => set(i, { max })}
          />
          <Button class="link" onClick={() => props.onRows(props.rows.filter((_, j) => j !== i))}>
            {t('mpc.remove', { n: i + 1 })}
          </Button>
        </fieldset>
      ))}
      <p>
        <Button
          onClick={() =>
            props.onRows([
              ...props.rows,
              { column: props.columns[0]?.name ?? '', statistic: 'mean', weight: '1', min: '', max: '' },
            ])
          }
          disabled={props.columns.length === 0}
        >
          {t(props.withWeight ? 'mpc.he.addFeature' : 'mpc.psi.addMeasure')}
        </Button>
      </p>
    </div>
  );
}

/** The rows as the API takes them, or the translated reason the first bad one is refused. */
function measuresOf(rows: TFeatureRow[], withWeight: boolean): (TMeasure & { weight: number })[] | string {
  const out: (TMeasure & { weight: number })[] = [];
  for (const [i, r] of rows.entries()) {
    if (withWeight && !isNumber(r.weight)) return t('mpc.invalid.weight', { n: i + 1 });
    const hasBounds = r.min.trim() !== '' || r.max.trim() !== '';
    if (hasBounds && !(isNumber(r.min) && isNumber(r.max) && Number(r.min) < Number(r.max)))
      return t('mpc.invalid.bounds', { n: i + 1 });
    out.push({
      statistic: r.statistic,
      column: r.column,
      weight: withWeight ? Number(r.weight) : 0,
      ...(hasBounds ? { bounds: { min: Number(r.min), max: Number(r.max) } } : {}),
    });
  }
  return out;
}

function InputError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <div class="note error" role="alert">
      <p>{message}</p>
    </div>
  );
}

/** Reads a file the person picked, as text (it stays in the page). */
const readText = (input: HTMLInputElement) => input.files?.[0]?.text() ?? Promise.resolve(null);

/** The model to score: features with weights (typed, or loaded from a CSV), a bias, an optional polynomial. */
export function HeForm(props: {
  licensed: TLicensed;
  busy: boolean;
  onRun: (input: Omit<THeInput, 'userId' | 'contractId'>) => void;
}) {
  const groups = groupable(props.licensed.columns);
  const nums = numeric(props.licensed.columns);
  const [groupBy, setGroupBy] = useState(groups[0]?.name ?? '');
  const [rows, setRows] = useState<TFeatureRow[]>(
    nums.slice(0, 2).map((c) => ({ column: c.name, statistic: 'mean', weight: '1', min: '', max: '' })),
  );
  const [bias, setBias] = useState('0');
  const [polynomial, setPolynomial] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  if (groups.length === 0 || nums.length === 0) return <p class="note">{t('mpc.he.noColumns')}</p>;
  const submit = () => {
    const features = measuresOf(rows, true);
    if (typeof features === 'string') return setProblem(features);
    if (features.length === 0) return setProblem(t('mpc.invalid.noFeature'));
    if (!isNumber(bias)) return setProblem(t('mpc.invalid.bias'));
    const poly = parsePolynomial(polynomial);
    if (poly === 'invalid') return setProblem(t('mpc.invalid.polynomial'));
    setProblem(null);
    props.onRun({
      dataset: props.licensed.dataset.id,
      groupBy,
      features,
      bias: Number(bias),
      polynomial: poly,
    });
  };
  return (
    <Form onSubmit={submit}>
      <h2>{t('mpc.he.title')}</h2>
      <p class="muted">{t('mpc.he.lead')}</p>
      <ColumnSelect label={t('mpc.groupBy')} columns={groups} value={groupBy} onValue={setGroupBy} />
      <Field label={t('mpc.he.modelFile')} hint={t('mpc.he.modelFileHint')}>
        {(id) => (
          <input
            id={id}
            type="file"
            accept=".csv,text/csv,text/plain"
            onChange={async (e) => {
              const text = await readText(e.currentTarget);
              if (text === null) return;
              const parsed = parseModel(text);
              if ('error' in parsed)
                return setProblem(t(`mpc.invalid.model.${parsed.error.reason}`, { line: parsed.error.line }));
              setProblem(null);
              setRows(parsed.rows);
            }}
          />
        )}
      </Field>
      <MeasureRows rows={rows} columns={nums} withWeight legend="mpc.he.feature" onRows={setRows} />
      <Input id="mpc-bias" label={t('mpc.he.bias')} value={bias} onValue={setBias} />
      <Input
        id="mpc-polynomial"
        label={t('mpc.he.polynomial')}
        hint={t('mpc.he.polynomialHint')}
        value={polynomial}
        onValue={setPolynomial}
      />
      <InputError message={problem} />
      <p>
        <Button type="submit" pending={props.busy}>
          {t('mpc.he.run')}
        </Button>
      </p>
    </Form>
  );
}

/** The join: which column holds identifiers, what to compute over the intersection, the operator's list. */
export function PsiForm(props: {
  licensed: TLicensed;
  busy: boolean;
  onRun: (input: Omit<TPsiInput, 'contractId'>) => void;
}) {
  const ids = identifiers(props.licensed.columns);
  const groups = groupable(props.licensed.columns);
  const nums = numeric(props.licensed.columns);
  const [idColumn, setIdColumn] = useState(ids[0]?.name ?? '');
  const [groupBy, setGroupBy] = useState('');
  const [rows, setRows] = useState<TFeatureRow[]>([]);
  const [text, setText] = useState('');
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [idsColumn, setIdsColumn] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  if (ids.length === 0) return <p class="note">{t('mpc.psi.noColumns')}</p>;
  const submit = () => {
    const measures = measuresOf(rows, false);
    if (typeof measures === 'string') return setProblem(measures);
    const identifiers = file?.text ?? text;
    if (identifiers.trim() === '') return setProblem(t('mpc.invalid.noIds'));
    setProblem(null);
    props.onRun({
      dataset: props.licensed.dataset.id,
      identifierColumn: idColumn,
      groupBy: groupBy || null,
      measures: measures.map(({ weight: _, ...m }) => m),
      identifiers,
      idsColumn: idsColumn.trim() || null,
    });
  };
  return (
    <Form onSubmit={submit}>
      <h2>{t('mpc.psi.title')}</h2>
      <p class="muted">{t('mpc.psi.lead')}</p>
      <ColumnSelect label={t('mpc.psi.idColumn')} columns={ids} value={idColumn} onValue={setIdColumn} />
      <ColumnSelect
        label={t('mpc.groupBy')}
        columns={groups}
        value={groupBy}
        onValue={setGroupBy}
        none={t('mpc.psi.noGroup')}
      />
      <MeasureRows rows={rows} columns={nums} withWeight={false} legend="mpc.psi.measure" onRows={setRows} />
      <Field label={t('mpc.psi.idsFile')} hint={t('mpc.psi.idsFileHint')}>
        {(id) => (
          <input
            id={id}
            type="file"
            accept=".csv,.txt,text/csv,text/plain"
            onChange={async (e) => {
              const name = e.currentTarget.files?.[0]?.name ?? '';
              const content = await readText(e.currentTarget);
              setFile(content === null ? null : { name, text: content });
            }}
          />
        )}
      </Field>
      {file ? (
        <p class="muted small">
          {t('mpc.psi.fileLoaded', { name: file.name, lines: file.text.split('\n').length })}{' '}
          <Button class="link" onClick={() => setFile(null)}>
            {t('mpc.psi.useText')}
          </Button>
        </p>
      ) : (
        <Field label={t('mpc.psi.idsText')} hint={t('mpc.psi.idsTextHint')}>
          {(id) => (
            <textarea
              id={id}
              rows={8}
              spellcheck={false}
              autocomplete="off"
              value={text}
              onInput={(e) => setText(e.currentTarget.value)}
            />
          )}
        </Field>
      )}
      <Input
        id="mpc-ids-column"
        label={t('mpc.psi.idsColumn')}
        hint={t('mpc.psi.idsColumnHint')}
        value={idsColumn}
        onValue={setIdsColumn}
      />
      <InputError message={problem} />
      <p>
        <Button type="submit" pending={props.busy}>
          {t('mpc.psi.run')}
        </Button>
      </p>
    </Form>
  );
}
