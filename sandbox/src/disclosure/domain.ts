import type { TTable } from '../types.ts';
import { compareLabels } from './group-frame.ts';
import { getColumn, schemaOf } from './table-access.ts';
import type { TLabel } from './types.ts';

/** Integer columns without a code list have a public domain when their bounds span at most this many values. */
export const MAX_INTEGER_DOMAIN = 1_000;
/** Most cells a released group-by may have (the product of its columns' domain sizes). */
export const MAX_DOMAIN_CELLS = 100_000;

/**
 * The public values of a column, in label order (null first, then ascending), or null when the
 * column's values are not public. Which groups a released table has must not depend on the rows,
 * so an automatically released group-by groups only by columns whose possible values are known
 * from the schema: a code list, booleans, or integers between bounds at most
 * {@link MAX_INTEGER_DOMAIN} apart. Null is a value of a nullable column.
 */
export function columnDomain(table: TTable, name: string): TLabel[] | null {
  const col = getColumn(table, name);
  const schema = schemaOf(table, name);
  let values: TLabel[] | null = null;
  if (schema.codes && schema.codes.length > 0) {
    values =
      col.type === 'integer'
        ? schema.codes.map(Number)
        : col.type === 'timestamp'
          ? schema.codes.map((c) => instant(String(c)))
          : schema.codes.map(String);
  } else if (col.type === 'boolean') {
    values = [false, true];
  } else if (col.type === 'integer') {
    const b = Object.hasOwn(table.bounds, name) ? table.bounds[name] : undefined;
    const lo = b?.min;
    const hi = b?.max;
    if (lo !== undefined && hi !== undefined && Number.isFinite(lo) && Number.isFinite(hi)) {
      const from = Math.ceil(lo);
      const to = Math.floor(hi);
      if (to - from + 1 <= MAX_INTEGER_DOMAIN)
        values = Array.from({ length: to - from + 1 }, (_, i) => from + i);
    }
  }
  if (values === null) return null;
  const labels = [...new Set(values)].sort(compareLabels);
  return schema.nullable ? [null, ...labels] : labels;
}

/** A timestamp as `Date#toISOString` writes it, so that equal instants compare equal as strings. */
function instant(text: string): string {
  const t = Date.parse(text);
  return Number.isNaN(t) ? text : new Date(t).toISOString();
}

/** Why a column cannot be grouped by in a release, or null when it can. */
export function domainProblem(table: TTable, name: string): string | null {
  if (columnDomain(table, name) !== null) return null;
  return `column ${JSON.stringify(name)} has no public code list, so which of its values occur would depend on the data: group by a column with a code list, a boolean, or an integer with narrow schema bounds (or choose rows with where() or a histogram)`;
}

/** The domains of grouping columns and the number of cells they make, or a problem. */
export function frameDomains(
  table: TTable,
  columns: readonly string[],
): { domains: TLabel[][]; cells: number } | { problem: string } {
  const domains: TLabel[][] = [];
  let cells = 1;
  for (const c of columns) {
    const d = columnDomain(table, c);
    if (d === null) return { problem: domainProblem(table, c)! };
    domains.push(d);
    cells *= d.length;
  }
  if (cells > MAX_DOMAIN_CELLS) {
    return {
      problem: `grouping by ${columns.join(', ')} makes ${cells} cells; at most ${MAX_DOMAIN_CELLS} can be released`,
    };
  }
  return { domains, cells };
}

const rowIndexes = new WeakMap<object, Map<string, Int32Array>>();

/**
 * Each row's position in the column's domain, −1 for a value outside it (rows ingested before a
 * code list was declared, say): such rows fall in no released cell. Cached per column array.
 */
export function domainIndex(table: TTable, name: string, domain: TLabel[]): Int32Array {
  const col = getColumn(table, name);
  const owner = 'codes' in col ? col.codes : col.values;
  const cacheKey = JSON.stringify(domain);
  const cached = rowIndexes.get(owner)?.get(cacheKey);
  if (cached) return cached;
  const at = new Map<TLabel, number>(domain.map((label, i) => [label, i]));
  const nullAt = at.get(null) ?? -1;
  const rows = table.rowCount;
  const out = new Int32Array(rows);
  if ('codes' in col) {
    const byCode = Int32Array.from(
      col.dictionary,
      (s) => at.get(col.type === 'timestamp' ? instant(s) : s) ?? -1,
    );
    for (let i = 0; i < rows; i++) {
      const code = col.codes[i]!;
      out[i] = code < 0 ? nullAt : byCode[code]!;
    }
  } else if (col.type === 'boolean') {
    const f = at.get(false) ?? -1;
    const t = at.get(true) ?? -1;
    for (let i = 0; i < rows; i++) {
      out[i] = col.nulls !== null && col.nulls[i] !== 0 ? nullAt : col.values[i] ? t : f;
    }
  } else {
    const { values, nulls } = col;
    for (let i = 0; i < rows; i++) {
      const v = values[i]!;
      out[i] = (nulls !== null && nulls[i] !== 0) || Number.isNaN(v) ? nullAt : (at.get(v) ?? -1);
    }
  }
  let byDomain = rowIndexes.get(owner);
  if (!byDomain) {
    byDomain = new Map();
    rowIndexes.set(owner, byDomain);
  }
  byDomain.set(cacheKey, out);
  return out;
}

/**
 * The cell of each selected row in the grid of the columns' domains (mixed radix, last column
 * fastest), −1 for rows not selected or outside a domain.
 */
export function cellOfRows(
  table: TTable,
  selection: Uint8Array | null,
  columns: readonly string[],
  domains: TLabel[][],
): Int32Array {
  const rows = table.rowCount;
  if (columns.length === 1 && selection === null) return domainIndex(table, columns[0]!, domains[0]!);
  const cell = new Int32Array(rows);
  if (selection !== null) for (let i = 0; i < rows; i++) if (selection[i] === 0) cell[i] = -1;
  for (let j = 0; j < columns.length; j++) {
    const index = domainIndex(table, columns[j]!, domains[j]!);
    const size = domains[j]!.length;
    for (let i = 0; i < rows; i++) {
      const c = cell[i]!;
      if (c < 0) continue;
      const k = index[i]!;
      cell[i] = k < 0 ? -1 : c * size + k;
    }
  }
  return cell;
}

/** The labels of cell `cell` of the grid. */
export function cellLabels(cell: number, domains: TLabel[][]): TLabel[] {
  const labels: TLabel[] = new Array(domains.length);
  let k = cell;
  for (let j = domains.length - 1; j >= 0; j--) {
    const size = domains[j]!.length;
    labels[j] = domains[j]![k % size]!;
    k = Math.floor(k / size);
  }
  return labels;
}
