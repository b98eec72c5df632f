import type { TColumnData, TTable } from '../types.ts';
import { DisclosureError } from './errors.ts';
import { getColumn, isNullAt, numericColumn, type TNumericColumn } from './table-access.ts';
import type { TLabel } from './types.ts';

/** What to accumulate for one measured column of a frame. */
export type TColumnNeeds = {
  isNumeric: boolean;
  sum: boolean;
  /** Sum of squared deviations from the group mean (two passes). */
  m2: boolean;
  /** min and max. */
  extremes: boolean;
  median: boolean;
};

export function emptyNeeds(isNumeric: boolean): TColumnNeeds {
  return { isNumeric, sum: false, m2: false, extremes: false, median: false };
}

/** Per-group statistics of one column over its non-null (clamped) values. */
export type TColumnStats = {
  numeric: TNumericColumn | null;
  n: Float64Array;
  sum: Float64Array | null;
  m2: Float64Array | null;
  min: Float64Array | null;
  max: Float64Array | null;
  median: Float64Array | null;
};

/**
 * One grouping of one table's selected rows, with exact statistics: what the host computes for a
 * script's previews and for the providers' review, never released as such. Groups are the label
 * combinations that occur in the selected rows.
 */
export type TFrame = {
  table: TTable;
  /** Grouping columns, sorted. */
  columns: string[];
  groupCount: number;
  /** Group of each row; −1 for rows not selected. Read only: it may be a column's own codes. */
  gid: Int32Array;
  /** Labels of each group, in `columns` order. */
  labels: TLabel[][];
  /** Groups in label order (nulls first, then ascending). */
  order: Int32Array;
  /** Rows per group. */
  n: Float64Array;
  stats: Map<string, TColumnStats>;
};

const MIN_DENSE = 1 << 16;

/**
 * Groups the selected rows of a table and accumulates the requested statistics in typed arrays.
 * Group keys are small integers built column by column (dictionary codes for strings, a value map
 * for numbers), compacted after each column so they stay dense.
 */
export function buildFrame(
  table: TTable,
  selection: Uint8Array | null,
  columns: string[],
  needs: Map<string, TColumnNeeds>,
): TFrame {
  const { gid, labels } = groupRows(table, selection, columns);
  const groupCount = labels.length;
  const n = new Float64Array(groupCount);
  for (let i = 0; i < table.rowCount; i++) {
    const g = gid[i]!;
    if (g >= 0) n[g]!++;
  }
  const stats = new Map<string, TColumnStats>();
  for (const [name, need] of needs) stats.set(name, columnStats(table, name, need, gid, groupCount));
  return { table, columns, groupCount, gid, labels, order: labelOrder(labels), n, stats };
}

function columnStats(
  table: TTable,
  name: string,
  need: TColumnNeeds,
  gid: Int32Array,
  groupCount: number,
): TColumnStats {
  const rows = table.rowCount;
  const n = new Float64Array(groupCount);
  const out: TColumnStats = { numeric: null, n, sum: null, m2: null, min: null, max: null, median: null };
  if (!need.isNumeric) {
    const col = getColumn(table, name);
    for (let i = 0; i < rows; i++) {
      const g = gid[i]!;
      if (g >= 0 && !isNullAt(col, i)) n[g]!++;
    }
    return out;
  }
  const c = numericColumn(table, name, 'this measure');
  out.numeric = c;
  const { values, nulls, min: lo, max: hi } = c;
  /** Row i's value clamped to the schema bounds; NaN when it has none (Math.min and max keep NaN). */
  const clamped = (i: number): number => {
    if (nulls !== null && nulls[i] !== 0) return Number.NaN;
    return Math.max(lo, Math.min(values[i]!, hi));
  };
  const sum = new Float64Array(groupCount);
  for (let i = 0; i < rows; i++) {
    const g = gid[i]!;
    const v = clamped(i);
    if (g < 0 || Number.isNaN(v)) continue;
    n[g]!++;
    sum[g]! += v;
  }
  out.sum = sum;
  if (need.m2) {
    const mean = new Float64Array(groupCount);
    for (let g = 0; g < groupCount; g++) mean[g] = n[g]! > 0 ? sum[g]! / n[g]! : 0;
    const m2 = new Float64Array(groupCount);
    for (let i = 0; i < rows; i++) {
      const g = gid[i]!;
      const v = clamped(i);
      if (g < 0 || Number.isNaN(v)) continue;
      const d = v - mean[g]!;
      m2[g]! += d * d;
    }
    out.m2 = m2;
  }
  if (need.extremes || need.median) {
    // Values bucketed by group (counting sort), then each bucket sorted.
    const start = new Float64Array(groupCount + 1);
    for (let g = 0; g < groupCount; g++) start[g + 1] = start[g]! + n[g]!;
    const fill = start.slice(0, groupCount);
    const sorted = new Float64Array(start[groupCount]!);
    for (let i = 0; i < rows; i++) {
      const g = gid[i]!;
      const v = clamped(i);
      if (g >= 0 && !Number.isNaN(v)) sorted[fill[g]!++] = v;
    }
    const mins = new Float64Array(groupCount).fill(Number.NaN);
    const maxs = new Float64Array(groupCount).fill(Number.NaN);
    const medians = new Float64Array(groupCount).fill(Number.NaN);
    for (let g = 0; g < groupCount; g++) {
      const k = n[g]!;
      if (k === 0) continue;
      const bucket = sorted.subarray(start[g]!, start[g + 1]!).sort();
      mins[g] = bucket[0]!;
      maxs[g] = bucket[k - 1]!;
      medians[g] = k % 2 === 1 ? bucket[(k - 1) / 2]! : (bucket[k / 2 - 1]! + bucket[k / 2]!) / 2;
    }
    out.min = mins;
    out.max = maxs;
    out.median = medians;
  }
  return out;
}

/** Per-row codes of one grouping column (0 = null) with the label of each code. */
type TCodes = { codes: Int32Array; offset: number; card: number; label: (code: number) => TLabel };

function columnCodes(col: TColumnData): TCodes {
  if ('codes' in col) {
    const dict = col.dictionary;
    return {
      codes: col.codes,
      offset: 1,
      card: dict.length + 1,
      label: (k) => (k === 0 ? null : dict[k - 1]!),
    };
  }
  const rows = col.values.length;
  const codes = new Int32Array(rows);
  if (col.type === 'boolean') {
    for (let i = 0; i < rows; i++)
      codes[i] = col.nulls !== null && col.nulls[i] !== 0 ? 0 : col.values[i] ? 2 : 1;
    return { codes, offset: 0, card: 3, label: (k) => (k === 0 ? null : k === 2) };
  }
  const { values, nulls } = col;
  const seen = new Map<number, number>();
  const distinct: number[] = [];
  for (let i = 0; i < rows; i++) {
    const v = values[i]!;
    if ((nulls !== null && nulls[i] !== 0) || Number.isNaN(v)) continue;
    let k = seen.get(v);
    if (k === undefined) {
      distinct.push(v === 0 ? 0 : v);
      k = distinct.length;
      seen.set(v, k);
    }
    codes[i] = k;
  }
  return { codes, offset: 0, card: distinct.length + 1, label: (k) => (k === 0 ? null : distinct[k - 1]!) };
}

function groupRows(
  table: TTable,
  selection: Uint8Array | null,
  columns: string[],
): { gid: Int32Array; labels: TLabel[][] } {
  const rows = table.rowCount;
  const gid = new Int32Array(rows);
  let any = selection === null ? rows > 0 : false;
  if (selection !== null) {
    for (let i = 0; i < rows; i++) {
      if (selection[i] === 0) gid[i] = -1;
      else any = true;
    }
  }
  let labels: TLabel[][] = [[]];
  if (columns.length > 0 && !any) return { gid, labels: [] };
  const single = singleDictionaryGroups(table, columns, gid, selection === null);
  if (single) return single;
  const fast = dictionaryGroups(table, columns, gid);
  if (fast) return { gid, labels: fast };
  for (const name of columns) {
    const { codes, offset, card, label } = columnCodes(getColumn(table, name));
    const size = labels.length * card;
    if (size > Number.MAX_SAFE_INTEGER) {
      throw new DisclosureError('DISCLOSURE_INVALID_REQUEST', 'too many combinations of group values');
    }
    const parents: number[] = [];
    const picked: number[] = [];
    if (size <= Math.max(MIN_DENSE, 2 * rows)) {
      const lookup = new Int32Array(size).fill(-1);
      for (let i = 0; i < rows; i++) {
        const g = gid[i]!;
        if (g < 0) continue;
        const code = codes[i]! + offset;
        const k = g * card + code;
        let id = lookup[k]!;
        if (id < 0) {
          id = parents.length;
          lookup[k] = id;
          parents.push(g);
          picked.push(code);
        }
        gid[i] = id;
      }
    } else {
      const lookup = new Map<number, number>();
      for (let i = 0; i < rows; i++) {
        const g = gid[i]!;
        if (g < 0) continue;
        const code = codes[i]! + offset;
        const k = g * card + code;
        let id = lookup.get(k);
        if (id === undefined) {
          id = parents.length;
          lookup.set(k, id);
          parents.push(g);
          picked.push(code);
        }
        gid[i] = id;
      }
    }
    const prev = labels;
    labels = parents.map((p, id) => [...prev[p]!, label(picked[id]!)]);
  }
  return { gid, labels };
}

const presentCodes = new WeakMap<Int32Array, Uint8Array>();

/**
 * One dictionary-coded grouping column: group ids are its codes present in the selection. When
 * every row is selected, no row is null and every code occurs, the ids are the codes themselves and
 * the column's own array is returned as `gid` (frames only read it).
 */
function singleDictionaryGroups(
  table: TTable,
  columns: string[],
  gid: Int32Array,
  isAll: boolean,
): { gid: Int32Array; labels: TLabel[][] } | null {
  if (columns.length !== 1) return null;
  const col = getColumn(table, columns[0]!);
  if (!('codes' in col)) return null;
  const { codes, dictionary } = col;
  const card = dictionary.length + 1;
  const rows = gid.length;
  let isPresent = isAll ? presentCodes.get(codes) : undefined;
  if (!isPresent) {
    isPresent = new Uint8Array(card);
    for (let i = 0; i < rows; i++) if (gid[i]! >= 0) isPresent[codes[i]! + 1] = 1;
    // Which codes occur in the whole column does not change: tables are immutable once loaded.
    if (isAll) presentCodes.set(codes, isPresent);
  }
  const ids = new Int32Array(card);
  const labels: TLabel[][] = [];
  for (let k = 0; k < card; k++) {
    if (isPresent[k] === 0) continue;
    ids[k] = labels.length;
    labels.push([k === 0 ? null : dictionary[k - 1]!]);
  }
  if (isAll && isPresent[0] === 0 && labels.length === dictionary.length) return { gid: codes, labels };
  for (let i = 0; i < rows; i++) if (gid[i]! >= 0) gid[i] = ids[codes[i]! + 1]!;
  return { gid, labels };
}

/**
 * The common case in one pass: every grouping column dictionary-coded and few enough combinations
 * for a dense lookup table, so each row's key is a mixed-radix number of its codes.
 */
function dictionaryGroups(table: TTable, columns: string[], gid: Int32Array): TLabel[][] | null {
  const cols = columns.map((c) => getColumn(table, c));
  if (cols.length < 2 || !cols.every((c) => 'codes' in c)) return null;
  const coded = cols as Extract<TColumnData, { codes: Int32Array }>[];
  const cards = coded.map((c) => c.dictionary.length + 1);
  const size = cards.reduce((a, b) => a * b, 1);
  const rows = gid.length;
  if (size > Math.max(MIN_DENSE, 2 * rows)) return null;
  const lookup = new Int32Array(size).fill(-1);
  const keys: number[] = [];
  const a = coded[0]!.codes;
  const b = coded[1]!.codes;
  const cardB = cards[1]!;
  const rest = coded.slice(2).map((c, j) => ({ codes: c.codes, card: cards[j + 2]! }));
  for (let i = 0; i < rows; i++) {
    if (gid[i]! < 0) continue;
    let k = (a[i]! + 1) * cardB + b[i]! + 1;
    for (const r of rest) k = k * r.card + r.codes[i]! + 1;
    let id = lookup[k]!;
    if (id < 0) {
      id = keys.length;
      lookup[k] = id;
      keys.push(k);
    }
    gid[i] = id;
  }
  return keys.map((key) => {
    const labels: TLabel[] = new Array(coded.length);
    let k = key;
    for (let j = coded.length - 1; j >= 0; j--) {
      const code = k % cards[j]!;
      k = (k - code) / cards[j]!;
      labels[j] = code === 0 ? null : coded[j]!.dictionary[code - 1]!;
    }
    return labels;
  });
}

/** Orders labels of one column: null, then false < true, numbers ascending, strings by code unit. */
export function compareLabels(a: TLabel, b: TLabel): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

function labelOrder(labels: TLabel[][]): Int32Array {
  const order = Int32Array.from(labels.keys());
  order.sort((x, y) => {
    const a = labels[x]!;
    const b = labels[y]!;
    for (let j = 0; j < a.length; j++) {
      const c = compareLabels(a[j]!, b[j]!);
      if (c !== 0) return c;
    }
    return 0;
  });
  return order;
}
