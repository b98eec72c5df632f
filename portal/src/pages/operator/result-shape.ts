/**
 * A run's released result as tables a person can read: a script returns plain data whose handles
 * the host replaced by released aggregates — a group-by `{ columns, rows, suppressed }`, a histogram
 * `{ edges, counts, suppressed }`, a regression `{ coefficients, standardErrors, r2, n }` — anywhere
 * in it. Pure, tested beside it.
 */
import type { TChartSpec } from '../../components/chart.tsx';

export type TTablePart = {
  kind: 'table';
  name: string;
  columns: string[];
  rows: unknown[][];
  /** Row indexes whose values are (partly) withheld. */
  suppressed: number[];
  chart: TChartSpec | null;
};
export type TValuePart = { kind: 'value'; name: string; value: unknown };
export type TPart = TTablePart | TValuePart;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown) => typeof v === 'number' || v === null;

function groupBy(name: string, v: Record<string, unknown>): TTablePart | null {
  const { columns, rows } = v;
  if (!Array.isArray(columns) || !Array.isArray(rows) || !rows.every(Array.isArray)) return null;
  const cols = columns.map(String);
  const table = rows as unknown[][];
  // Measures are the trailing columns that hold numbers only; the grouping labels come first.
  let first = cols.length;
  while (first > 0 && table.every((r) => isNum(r[first - 1]))) first--;
  if (first === 0 && cols.length > 1) first = 1;
  const measure = cols.length - 1;
  const chart: TChartSpec | null =
    first < cols.length && first > 0 && table.length > 1 && table.length <= 60
      ? {
          kind: 'bar',
          title: `${name}: ${cols[measure]}`,
          categories: table.map((r) =>
            r
              .slice(0, first)
              .map((x) => (x === null ? '∅' : String(x)))
              .join(' · '),
          ),
          series: [{ name: cols[measure]!, values: table.map((r) => r[measure] as number | null) }],
        }
      : null;
  return {
    kind: 'table',
    name,
    columns: cols,
    rows: table,
    suppressed: Array.isArray(v.suppressed) ? (v.suppressed as number[]) : [],
    chart,
  };
}

function histogram(name: string, v: Record<string, unknown>): TTablePart | null {
  const { edges, counts } = v;
  if (!Array.isArray(edges) || !Array.isArray(counts) || edges.length !== counts.length + 1) return null;
  const labels = counts.map((_, i) => `[${edges[i]}, ${edges[i + 1]}${i === counts.length - 1 ? ']' : ')'}`);
  return {
    kind: 'table',
    name,
    columns: ['bin', 'count'],
    rows: counts.map((c, i) => [labels[i], c]),
    suppressed: Array.isArray(v.suppressed) ? (v.suppressed as number[]) : [],
    chart: {
      kind: 'bar',
      title: name,
      categories: labels,
      series: [{ name: 'count', values: counts as (number | null)[] }],
    },
  };
}

function regression(name: string, v: Record<string, unknown>): TTablePart | null {
  if (!('coefficients' in v) || !('r2' in v)) return null;
  const coef = isObject(v.coefficients) ? v.coefficients : {};
  const se = isObject(v.standardErrors) ? v.standardErrors : {};
  const rows: unknown[][] = Object.keys(coef).map((k) => [k, coef[k], se[k] ?? null]);
  rows.push(['r²', v.r2, null], ['n', v.n, null]);
  return {
    kind: 'table',
    name,
    columns: ['term', 'coefficient', 'standardError'],
    rows,
    suppressed: v.coefficients === null ? rows.map((_, i) => i) : [],
    chart: null,
  };
}

/** The parts of a result, depth first, named by their path (`byDistrict`, `models.0`). */
export function resultParts(result: unknown, name = 'result', depth = 0): TPart[] {
  if (isObject(result)) {
    const shaped = groupBy(name, result) ?? histogram(name, result) ?? regression(name, result);
    if (shaped) return [shaped];
    if (depth < 3) {
      const parts = Object.entries(result).flatMap(([k, v]) =>
        resultParts(v, depth === 0 ? k : `${name}.${k}`, depth + 1),
      );
      return parts;
    }
  }
  if (Array.isArray(result) && depth < 3 && result.some(isObject))
    return result.flatMap((v, i) => resultParts(v, `${name}.${i}`, depth + 1));
  return [{ kind: 'value', name, value: result }];
}
