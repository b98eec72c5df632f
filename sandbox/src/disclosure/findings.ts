import type { TTable } from '../types.ts';
import { isPlainObject, markerId } from './scan-result.ts';
import type { THostAggregate } from './types.ts';

/** Something a reviewer should look at in a held result, with where it is. */
export type TFinding = { path: string; finding: string };

const MAX_FINDINGS = 50;

/**
 * The automatic checks a reviewer sees beside a held run: numbers and strings in the result that
 * equal a value of a column the run read (a row's value leaving as it is), and aggregate cells built
 * from fewer than `minCellCount` rows. Looks at every column of the tables the run touched.
 */
export function findFindings(
  result: unknown,
  hostAggregates: ReadonlyMap<number, THostAggregate>,
  tables: readonly TTable[],
  minCellCount: number,
): TFinding[] {
  const out: TFinding[] = [];
  const add = (path: string, finding: string) => {
    if (out.length < MAX_FINDINGS) out.push({ path, finding });
  };
  const numbers = new Map<string, Map<number, number>>();
  const strings = new Map<string, Map<string, number>>();
  const numberIndex = (t: TTable, c: string) => {
    const key = `${t.name}.${c}`;
    let index = numbers.get(key);
    if (!index) {
      index = new Map();
      const col = t.columns[c]!;
      if (!('codes' in col) && col.type !== 'boolean') {
        for (let i = 0; i < t.rowCount; i++) {
          if (col.nulls !== null && col.nulls[i] !== 0) continue;
          const v = col.values[i]!;
          if (!Number.isNaN(v)) index.set(v, (index.get(v) ?? 0) + 1);
        }
      }
      numbers.set(key, index);
    }
    return index;
  };
  const stringIndex = (t: TTable, c: string) => {
    const key = `${t.name}.${c}`;
    let index = strings.get(key);
    if (!index) {
      index = new Map();
      const col = t.columns[c]!;
      if ('codes' in col) {
        const counts = new Float64Array(col.dictionary.length);
        for (let i = 0; i < t.rowCount; i++) if (col.codes[i]! >= 0) counts[col.codes[i]!]!++;
        for (const [k, s] of col.dictionary.entries()) index.set(s, counts[k]!);
      }
      strings.set(key, index);
    }
    return index;
  };
  const matches = (value: number | string) => {
    const hits: string[] = [];
    for (const t of tables) {
      for (const c of Object.keys(t.columns)) {
        const rows = typeof value === 'number' ? numberIndex(t, c).get(value) : stringIndex(t, c).get(value);
        if (rows) hits.push(`${t.name}.${c} (${rows} row${rows === 1 ? '' : 's'})`);
      }
    }
    return hits;
  };
  const walk = (v: unknown, path: string, depth: number) => {
    if (out.length >= MAX_FINDINGS || depth > 64) return;
    if (typeof v === 'number' || (typeof v === 'string' && v.length > 0)) {
      const hits = matches(v);
      if (hits.length > 0) add(path, `${JSON.stringify(v)} equals a value of ${hits.join(', ')}`);
    } else if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, `${path}[${i}]`, depth + 1);
    } else if (isPlainObject(v)) {
      const id = Object.hasOwn(v, '$aggregate') ? markerId(v) : null;
      if (id !== null) return cellFindings(path, id);
      for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`, depth + 1);
    }
  };
  const cellFindings = (path: string, id: number) => {
    const agg = hostAggregates.get(id);
    if (!agg) return;
    const sizes = 'n' in agg && Array.isArray(agg.n) ? agg.n : 'counts' in agg ? agg.counts : null;
    if (sizes) {
      const small = sizes.filter((n) => n < minCellCount);
      if (small.length > 0) {
        add(
          path,
          `aggregate #${id}: ${small.length} cell${small.length === 1 ? '' : 's'} with fewer than ${minCellCount} rows (smallest ${Math.min(...small)})`,
        );
      }
    } else if ('coefficients' in agg && agg.n < minCellCount) {
      add(path, `aggregate #${id}: a regression over ${agg.n} rows, fewer than ${minCellCount}`);
    }
  };
  walk(result, 'result', 0);
  return out;
}
