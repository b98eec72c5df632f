import type { TChartSpec } from '../components/chart.tsx';
import type { TColumn } from './types.ts';

export type TFilterDraft = {
  column: string;
  op: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'like';
  value: string;
};
export type TAggregateDraft = { fn: 'count' | 'sum' | 'avg' | 'min' | 'max'; column: string };
export type TQueryDraft = { filters: TFilterDraft[]; groupBy: string[]; aggregates: TAggregateDraft[] };
export type TQueryResult = {
  version: number | null;
  columns: { name: string; type: string }[];
  rows: (string | number | boolean | null)[][];
  limit: number;
  truncated: boolean;
};

/** A typed value from what was typed into a filter: numbers for number columns, else the text. */
export function typedValue(raw: string, type: TColumn['type'] | undefined): string | number | boolean | null {
  const s = raw.trim();
  if (s === '') return null;
  if (type === 'integer' || type === 'number') {
    const n = Number(s);
    return Number.isFinite(n) ? n : s;
  }
  if (type === 'boolean') return s === 'true' ? true : s === 'false' ? false : s;
  return s;
}

/** The open-data query body (`POST /v1/open/{id}/query`) for a draft. */
export function buildQuery(draft: TQueryDraft, columns: TColumn[]) {
  const typeOf = new Map(columns.map((c) => [c.name, c.type]));
  const aggregates = draft.aggregates.map((a, i) => ({
    fn: a.fn,
    ...(a.fn === 'count' ? {} : { column: a.column }),
    as: a.fn === 'count' ? (i === 0 ? 'n' : `n_${i}`) : `${a.fn}_${a.column}`.toLowerCase().slice(0, 63),
  }));
  const where = draft.filters.map((f) => ({
    column: f.column,
    op: f.op,
    value:
      f.op === 'in'
        ? f.value
            .split(',')
            .map((v) => typedValue(v, typeOf.get(f.column)))
            .filter((v) => v !== null)
        : typedValue(f.value, typeOf.get(f.column)),
  }));
  return {
    ...(draft.groupBy.length ? { groupBy: draft.groupBy, select: draft.groupBy } : {}),
    ...(aggregates.length ? { aggregates } : {}),
    ...(where.length ? { where } : {}),
    ...(draft.groupBy.length ? { orderBy: draft.groupBy.map((key) => ({ key, dir: 'asc' as const })) } : {}),
  };
}

/**
 * A chart for a result when one helps: the first columns that are not numbers name the categories,
 * the numeric ones are the series. Nothing to chart without both, or with more than 200 bars.
 */
export function chartOf(result: TQueryResult, title: string): TChartSpec | null {
  const isNum = (i: number) =>
    result.columns[i]!.type === 'integer' ||
    result.columns[i]!.type === 'number' ||
    result.rows.every((r) => typeof r[i] === 'number' || r[i] === null);
  const idx = result.columns.map((_, i) => i);
  const numeric = idx.filter(isNum);
  const labels = idx.filter((i) => !numeric.includes(i));
  if (numeric.length === 0 || labels.length === 0 || result.rows.length < 2 || result.rows.length > 200)
    return null;
  const isTime = labels.length === 1 && /^(date|timestamp)$/.test(result.columns[labels[0]!]!.type);
  return {
    kind: isTime ? 'line' : 'bar',
    title,
    categories: result.rows.map((r) => labels.map((i) => String(r[i] ?? '∅')).join(' · ')),
    series: numeric.map((i) => ({
      name: result.columns[i]!.name,
      values: result.rows.map((r) => (typeof r[i] === 'number' ? (r[i] as number) : null)),
    })),
  };
}
