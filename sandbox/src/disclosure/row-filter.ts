import type { TAggregateRequest, TTable, TWhereClause, TWhereValue } from '../types.ts';
import { WHERE_OPS } from '../types.ts';
import { findTable, getColumn } from './table-access.ts';

/**
 * Why an aggregate's rows cannot be trusted for automatic release, or null. Rows chosen by a
 * JavaScript predicate (or a bare bitmap) may depend on the data itself — a script could pick rows
 * by a bit of one person's value and move a count far beyond the noise — so only `where` clauses
 * whose constants are literals of the script or its params pass.
 */
export function filterProblem(req: TAggregateRequest, allowedLabels: ReadonlySet<string>): string | null {
  const filter =
    req.filter ?? (req.selection === null ? { kind: 'all' as const } : { kind: 'predicate' as const });
  if (filter.kind === 'all') return null;
  if (filter.kind === 'predicate') {
    return 'rows chosen by a JavaScript predicate need review; for automatic release choose rows with where() and literal values';
  }
  for (const clause of filter.clauses) {
    if (!WHERE_OPS.includes(clause.op)) return 'a where() clause has an unknown operator';
    const values = Array.isArray(clause.value) ? clause.value : [clause.value];
    if (!values.every((v) => isLiteral(v, allowedLabels))) {
      return 'a where() value is not a literal of the script or its params, so it may come from the data';
    }
  }
  return null;
}

const isLiteral = (v: TWhereValue, allowed: ReadonlySet<string>) =>
  v === null || typeof v === 'boolean' || allowed.has(String(v));

/** The host's own selection for `where` clauses, computed on its copy of the table. */
export function hostSelection(table: TTable, clauses: TWhereClause[]): Uint8Array {
  const sel = new Uint8Array(table.rowCount).fill(1);
  for (const c of clauses) {
    const col = getColumn(table, c.column);
    const wanted = Array.isArray(c.value) ? c.value : [c.value];
    if ('codes' in col) {
      const codesOf = new Set(wanted.map((w) => (w === null ? -1 : col.dictionary.indexOf(String(w)))));
      const rhs = c.value === null ? null : String(c.value);
      for (let i = 0; i < table.rowCount; i++) {
        if (!sel[i]) continue;
        const code = col.codes[i]!;
        const text = code < 0 ? null : col.dictionary[code]!;
        sel[i] = matches(c.op, text, rhs, () => codesOf.has(code)) ? 1 : 0;
      }
      continue;
    }
    const rhs = typeof c.value === 'boolean' ? (c.value ? 1 : 0) : c.value === null ? null : Number(c.value);
    const set = new Set(
      wanted.map((w) => (w === null ? null : typeof w === 'boolean' ? (w ? 1 : 0) : Number(w))),
    );
    for (let i = 0; i < table.rowCount; i++) {
      if (!sel[i]) continue;
      const v = col.nulls?.[i] ? null : col.values[i]!;
      sel[i] = matches(c.op, v, rhs as number | null, () => set.has(v)) ? 1 : 0;
    }
  }
  return sel;
}

function matches<T extends string | number>(
  op: TWhereClause['op'],
  v: T | null,
  rhs: T | null,
  isIn: () => boolean,
) {
  switch (op) {
    case 'in':
      return isIn();
    case 'eq':
      return v === rhs;
    case 'ne':
      return v !== rhs;
    default:
      if (v === null || rhs === null) return false;
      if (op === 'lt') return v < rhs;
      if (op === 'lte') return v <= rhs;
      if (op === 'gt') return v > rhs;
      return v >= rhs;
  }
}

/**
 * The requests with their rows chosen by the host: every row for `all` (whatever bitmap came
 * with it), the host's own evaluation for `where`. Only `predicate` requests, which go to review,
 * keep the script's bitmap.
 */
export function withHostSelections(
  requests: TAggregateRequest[],
  tables: readonly TTable[],
): TAggregateRequest[] {
  return requests.map((r) => {
    if (r.filter?.kind === 'all') return { ...r, selection: null };
    if (r.filter?.kind === 'where') {
      return { ...r, selection: hostSelection(findTable(tables, r.table), r.filter.clauses) };
    }
    return r;
  });
}
