import type { TTable, TWhereClause } from '../types.ts';
import { getColumn } from './table-access.ts';

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
