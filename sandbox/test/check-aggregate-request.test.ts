import { describe, expect, it } from 'vitest';
import { checkAggregateRequest } from '../src/runner/check-aggregate-request.ts';
import { findForgedMarker } from '../src/runner/run-in-isolate.ts';
import { wagesTable } from './fixtures.ts';

const table = wagesTable();
const tables = new Map([[table.name, table]]);
/** Specs below leave out `filter`; it is filled in to agree with the selection unless given. */
const check = (spec: unknown, selection: unknown = null) => {
  const withFilter =
    typeof spec === 'object' && spec !== null && !('filter' in spec)
      ? { ...spec, filter: selection === null ? { kind: 'all' } : { kind: 'predicate' } }
      : spec;
  return checkAggregateRequest(
    tables,
    7,
    typeof spec === 'string' ? spec : JSON.stringify(withFilter),
    selection,
  );
};
const refusal = (spec: unknown, selection: unknown = null) => {
  const checked = check(spec, selection);
  return checked.ok ? null : checked.message;
};

describe('checkAggregateRequest', () => {
  it('accepts a valid groupBy with the host id and a normalised copy of the selection', () => {
    const selection = new Uint8Array(table.rowCount).fill(0);
    selection[3] = 255;
    selection[4] = 1;
    const checked = check(
      {
        kind: 'groupBy',
        table: 'wages',
        groupBy: ['region'],
        measures: [{ fn: 'count' }, { fn: 'mean', column: 'wage' }],
      },
      selection,
    );
    expect(checked.ok).toBe(true);
    if (!checked.ok || checked.request.kind !== 'groupBy') return;
    expect(checked.request.id).toBe(7);
    expect(checked.request.selection).not.toBe(selection);
    expect(checked.request.selection![3]).toBe(1);
    expect(checked.request.selection!.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('refuses columns that are not licensed or not numeric where a number is needed', () => {
    expect(
      refusal({ kind: 'groupBy', table: 'wages', groupBy: ['salary'], measures: [{ fn: 'count' }] }),
    ).toMatch(/"salary"/);
    expect(
      refusal({ kind: 'groupBy', table: 'wages', groupBy: [], measures: [{ fn: 'mean', column: 'region' }] }),
    ).toMatch(/numeric column; "region" is string/);
    expect(refusal({ kind: 'histogram', table: 'wages', column: 'insured', edges: [0, 1] })).toMatch(
      /numeric/,
    );
    expect(refusal({ kind: 'regression', table: 'wages', y: 'wage', x: ['hired'] })).toMatch(/numeric/);
  });

  it('refuses unknown tables, kinds and measures, and malformed specs', () => {
    expect(refusal({ kind: 'groupBy', table: 'patients', groupBy: [], measures: [{ fn: 'count' }] })).toMatch(
      /"patients" is not licensed/,
    );
    expect(refusal({ kind: 'sql', table: 'wages' })).toMatch(/Unknown kind/);
    expect(
      refusal({ kind: 'groupBy', table: 'wages', groupBy: [], measures: [{ fn: 'mode', column: 'age' }] }),
    ).toMatch(/Unknown measure/);
    expect(refusal({ kind: 'groupBy', table: 'wages', groupBy: [], measures: [] })).toMatch(
      /1 to 32 measures/,
    );
    // count(column) counts the column's non-null values; a count takes no bounds.
    expect(
      refusal({ kind: 'groupBy', table: 'wages', groupBy: [], measures: [{ fn: 'count', column: 'age' }] }),
    ).toBeNull();
    expect(
      refusal({
        kind: 'groupBy',
        table: 'wages',
        groupBy: [],
        measures: [{ fn: 'count', bounds: { min: 0, max: 1 } }],
      }),
    ).toMatch(/takes no bounds/);
    expect(
      refusal({
        kind: 'groupBy',
        table: 'wages',
        groupBy: ['region'],
        measures: [
          { fn: 'count', name: 'n' },
          { fn: 'sum', column: 'wage', name: 'n' },
        ],
      }),
    ).toMatch(/"n" is used twice/);
    expect(
      refusal({
        kind: 'groupBy',
        table: 'wages',
        groupBy: [],
        measures: [{ fn: 'mean', column: 'wage', bounds: { min: 5, max: 5 } }],
      }),
    ).toMatch(/min < max/);
    expect(
      refusal({
        kind: 'regression',
        table: 'wages',
        y: 'wage',
        x: ['age'],
        bounds: { region: { min: 0, max: 1 } },
      }),
    ).toMatch(/not y or an x/);
    expect(
      refusal({
        kind: 'groupBy',
        table: 'wages',
        groupBy: ['region', 'region'],
        measures: [{ fn: 'count' }],
      }),
    ).toMatch(/repeated/);
    expect(refusal('{not json')).toMatch(/malformed/);
    expect(refusal(42)).toMatch(/malformed/);
  });

  it('refuses a selection that is not one byte per row', () => {
    const spec = { kind: 'groupBy', table: 'wages', groupBy: [], measures: [{ fn: 'count' }] };
    expect(refusal(spec, new Uint8Array(table.rowCount - 1))).toMatch(/selection/);
    expect(refusal(spec, new Int32Array(table.rowCount))).toMatch(/selection/);
    expect(refusal(spec, Array(table.rowCount).fill(1))).toMatch(/selection/);
  });

  it('keeps where() clauses for the host to evaluate again, and refuses a filter that disagrees with the selection', () => {
    const base = { kind: 'groupBy', table: 'wages', groupBy: [], measures: [{ fn: 'count' }] };
    const bitmap = new Uint8Array(table.rowCount);
    const where = { kind: 'where', clauses: [{ column: 'region', op: 'in', value: ['north', null] }] };
    const checked = check({ ...base, filter: where }, bitmap);
    expect(checked.ok && checked.request.filter).toEqual(where);
    // 'all' with a bitmap would let rows chosen by the data be released as if they were all rows.
    expect(refusal({ ...base, filter: { kind: 'all' } }, bitmap)).toMatch(/does not match/);
    expect(refusal({ ...base, filter: { kind: 'predicate' } }, null)).toMatch(/does not match/);
    expect(refusal({ ...base, filter: where }, null)).toMatch(/does not match/);
    expect(refusal({ ...base, filter: null })).toMatch(/malformed/);
    expect(refusal({ ...base, filter: { kind: 'where', clauses: [] } }, bitmap)).toMatch(/where\(\) clauses/);
    const clause = (c: unknown) => refusal({ ...base, filter: { kind: 'where', clauses: [c] } }, bitmap);
    expect(clause({ column: 'salary', op: 'eq', value: 1 })).toMatch(/"salary"/);
    expect(clause({ column: 'age', op: 'like', value: 1 })).toMatch(/unknown operator/);
    expect(clause({ column: 'age', op: 'eq', value: { $gt: 1 } })).toMatch(/must be a string/);
    expect(clause({ column: 'age', op: 'eq', value: [1] })).toMatch(/must be a string/);
    expect(clause({ column: 'age', op: 'in', value: 1 })).toMatch(/'in'/);
    expect(clause({ column: 'age', op: 'eq', value: 1, extra: true })).toMatch(/malformed/);
  });

  it('refuses histogram edges that are not finite and strictly ascending, and a y among the xs', () => {
    for (const edges of [[1], [0, 0], [2, 1], [0, Number.POSITIVE_INFINITY], [0, '1']]) {
      expect(refusal({ kind: 'histogram', table: 'wages', column: 'wage', edges })).toMatch(/ascending/);
    }
    expect(refusal({ kind: 'regression', table: 'wages', y: 'wage', x: ['wage'] })).toMatch(/y cannot/);
    expect(refusal({ kind: 'regression', table: 'wages', y: 'wage', x: [] })).toMatch(/at least one/);
  });
});

describe('findForgedMarker', () => {
  const issued = new Set([1, 2]);
  it('accepts markers for issued ids anywhere in the result', () => {
    expect(findForgedMarker({ a: [{ $aggregate: 1 }], b: { c: { $aggregate: 2 } } }, issued)).toBeNull();
  });
  it('refuses markers with an unknown id, extra keys, or a non-number id', () => {
    expect(findForgedMarker({ $aggregate: 3 }, issued)).toMatch(/reserved/);
    expect(findForgedMarker([{ $aggregate: 1, note: 'x' }], issued)).toMatch(/reserved/);
    expect(findForgedMarker({ x: { $aggregate: '1' } }, issued)).toMatch(/reserved/);
  });
  it('refuses own __proto__ keys and absurd nesting', () => {
    expect(findForgedMarker(JSON.parse('{"__proto__": {"x": 1}}'), issued)).toMatch(/__proto__/);
    let deep: unknown = 0;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(findForgedMarker(deep, issued)).toMatch(/nested/);
  });
});
