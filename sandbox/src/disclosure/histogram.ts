import type { TTable } from '../types.ts';
import { DisclosureError } from './errors.ts';
import { numericColumn } from './table-access.ts';

export const MAX_BINS = 10_000;

export function checkEdges(edges: unknown): number[] {
  const ok =
    Array.isArray(edges) &&
    edges.length >= 2 &&
    edges.length <= MAX_BINS + 1 &&
    edges.every((e, i) => typeof e === 'number' && Number.isFinite(e) && (i === 0 || e > edges[i - 1]));
  if (!ok) {
    throw new DisclosureError(
      'DISCLOSURE_INVALID_REQUEST',
      `histogram edges must be 2 to ${MAX_BINS + 1} finite numbers in strictly ascending order`,
    );
  }
  return edges as number[];
}

/**
 * Rows per bin: the selected rows' non-null values (clamped to the schema bounds) per bin
 * [e0,e1), …, [e(n-1), en]; values outside [e0, en] fall in no bin.
 */
export function histogramCells(
  table: TTable,
  selection: Uint8Array | null,
  columnName: string,
  edges: number[],
): Float64Array {
  const column = numericColumn(table, columnName, 'a histogram');
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  const { values, nulls, min: lo, max: hi } = column;
  const first = edges[0]!;
  const last = edges[bins]!;
  for (let i = 0; i < table.rowCount; i++) {
    if ((selection !== null && selection[i] === 0) || (nulls !== null && nulls[i] !== 0)) continue;
    let v = values[i]!;
    if (Number.isNaN(v)) continue;
    if (v < lo) v = lo;
    else if (v > hi) v = hi;
    if (v < first || v > last) continue;
    // Largest b with edges[b] <= v, capped at the last bin (whose upper edge is inclusive).
    let a = 0;
    let b = bins;
    while (b - a > 1) {
      const m = (a + b) >>> 1;
      if (edges[m]! <= v) a = m;
      else b = m;
    }
    counts[a]!++;
  }
  return counts;
}
