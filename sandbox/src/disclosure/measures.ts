import { MEASURE_FNS, type TAggregateRequest, type TMeasure, type TTable } from '../types.ts';
import { DisclosureError } from './errors.ts';
import { emptyNeeds, type TColumnNeeds } from './group-frame.ts';
import { getColumn } from './table-access.ts';

export type TGroupByRequest = Extract<TAggregateRequest, { kind: 'groupBy' }>;

/** The released table's header of a measure: the script's name for it, else `fn` or `fn_column`. */
export function measureLabel(m: TMeasure): string {
  return m.name ?? (m.column === undefined ? m.fn : `${m.fn}_${m.column}`);
}

/** Checks a group-by against its table; returns its grouping columns sorted (the frame's). */
export function checkGroupBy(req: TGroupByRequest, table: TTable): string[] {
  if (!Array.isArray(req.groupBy) || new Set(req.groupBy).size !== req.groupBy.length) {
    throw new DisclosureError('DISCLOSURE_INVALID_REQUEST', 'groupBy must list distinct columns');
  }
  for (const c of req.groupBy) getColumn(table, c);
  if (!Array.isArray(req.measures))
    throw new DisclosureError('DISCLOSURE_INVALID_REQUEST', 'measures must be a list');
  for (const m of req.measures) {
    if (!(MEASURE_FNS as readonly string[]).includes(m.fn)) {
      throw new DisclosureError('DISCLOSURE_INVALID_REQUEST', `unknown measure ${JSON.stringify(m.fn)}`);
    }
    if (m.column === undefined) {
      if (m.fn !== 'count') throw new DisclosureError('DISCLOSURE_INVALID_REQUEST', `${m.fn} needs a column`);
      continue;
    }
    const col = getColumn(table, m.column);
    if (m.fn !== 'count' && col.type !== 'integer' && col.type !== 'number') {
      throw new DisclosureError(
        'DISCLOSURE_INVALID_REQUEST',
        `${m.fn} needs a numeric column; ${JSON.stringify(m.column)} is ${col.type}`,
      );
    }
  }
  return [...req.groupBy].sort();
}

/** Adds what a group-by's measures need accumulated to `needs`. */
export function addNeeds(needs: Map<string, TColumnNeeds>, req: TGroupByRequest, table: TTable): void {
  for (const m of req.measures) {
    if (m.column === undefined) continue;
    const type = getColumn(table, m.column).type;
    const isNumeric = type === 'integer' || type === 'number';
    let need = needs.get(m.column);
    if (!need) {
      need = emptyNeeds(isNumeric);
      needs.set(m.column, need);
    }
    if (!isNumeric) continue;
    need.sum = true;
    if (m.fn === 'variance' || m.fn === 'stddev') need.m2 = true;
    if (m.fn === 'min' || m.fn === 'max') need.extremes = true;
    if (m.fn === 'median') need.median = true;
  }
}
