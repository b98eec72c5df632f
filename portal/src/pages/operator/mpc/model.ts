import type { TStatistic } from './types.ts';

/** One feature of the operator's model: a protected statistic of a column and its weight. */
export type TFeatureRow = { column: string; statistic: TStatistic; weight: string; min: string; max: string };

export type TModelError = { line: number; reason: 'columns' | 'statistic' | 'weight' | 'bounds' | 'empty' };

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
export const isNumber = (s: string) => NUMBER.test(s.trim()) && Number.isFinite(Number(s.trim()));

/**
 * The features of a model kept as CSV (`column,statistic,weight[,min,max]`, a header line allowed):
 * the operator's own values, loaded into the form. The first bad line is reported by number.
 *
 * @example
 * parseModel('column,statistic,weight\nwage,mean,0.5\n') // { rows: [{ column: 'wage', statistic: 'mean', weight: '0.5', min: '', max: '' }] }
 */
export function parseModel(text: string): { rows: TFeatureRow[] } | { error: TModelError } {
  const rows: TFeatureRow[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    if (raw.trim() === '') continue;
    const cells = raw.split(',').map((c) => c.trim());
    if (i === 0 && cells[0]?.toLowerCase() === 'column') continue;
    if (cells.length !== 3 && cells.length !== 5) return { error: { line, reason: 'columns' } };
    const [column, statistic, weight, min = '', max = ''] = cells as [
      string,
      string,
      string,
      string?,
      string?,
    ];
    if (statistic !== 'mean' && statistic !== 'sum') return { error: { line, reason: 'statistic' } };
    if (!column || !isNumber(weight)) return { error: { line, reason: 'weight' } };
    if ((min || max) && !(isNumber(min) && isNumber(max) && Number(min) < Number(max)))
      return { error: { line, reason: 'bounds' } };
    rows.push({ column, statistic, weight, min, max });
  }
  if (rows.length === 0) return { error: { line: 1, reason: 'empty' } };
  return { rows };
}

/** `0.5, 0.197, 0, -0.004`: the coefficients c0…cd of a polynomial of degree 1–3, or an error. */
export function parsePolynomial(text: string): number[] | null | 'invalid' {
  if (text.trim() === '') return null;
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length < 2 || parts.length > 4 || !parts.every(isNumber)) return 'invalid';
  return parts.map(Number);
}
