import { describe, expect, it } from 'vitest';
import type { TAggregateRequest, TTable } from '../types.ts';
import { filterProblem, withHostSelections } from './row-filter.ts';

const table: TTable = {
  name: 't',
  key: 't:v1',
  rowCount: 4,
  columns: {
    wage: { type: 'number', values: Float64Array.from([1000, 2000, 3000, 4000]), nulls: null },
    district: { type: 'string', codes: Int32Array.from([0, 1, 0, -1]), dictionary: ['西湖区', '上城区'] },
  },
  bounds: {},
};
const req = (filter: TAggregateRequest['filter'], selection: Uint8Array | null): TAggregateRequest => ({
  id: 1,
  kind: 'groupBy',
  table: 't',
  selection,
  filter,
  groupBy: [],
  measures: [{ fn: 'count' }],
});
const scriptBitmap = Uint8Array.from([0, 1, 0, 0]);

describe('rows chosen for release', () => {
  it('ignores a bitmap that came with `all` and recomputes `where` on the host’s data', () => {
    const [all] = withHostSelections([req({ kind: 'all' }, scriptBitmap)], [table]);
    expect(all!.selection).toBeNull();
    const where = req(
      { kind: 'where', clauses: [{ column: 'district', op: 'eq', value: '西湖区' }] },
      scriptBitmap,
    );
    expect([...withHostSelections([where], [table])[0]!.selection!]).toEqual([1, 0, 1, 0]);
    const gte = req({ kind: 'where', clauses: [{ column: 'wage', op: 'gte', value: 3000 }] }, null);
    expect([...withHostSelections([gte], [table])[0]!.selection!]).toEqual([0, 0, 1, 1]);
  });

  it('sends predicates, bitmaps without a filter and non-literal where() values to review', () => {
    const labels = new Set(['西湖区', '3000']);
    expect(filterProblem(req({ kind: 'predicate' }, scriptBitmap), labels)).toMatch(/predicate/);
    expect(filterProblem(req(undefined, scriptBitmap), labels)).toMatch(/predicate/);
    const dataDerived = req({ kind: 'where', clauses: [{ column: 'wage', op: 'lt', value: 2750.5 }] }, null);
    expect(filterProblem(dataDerived, labels)).toMatch(/literal/);
    const literal = req({ kind: 'where', clauses: [{ column: 'wage', op: 'lt', value: 3000 }] }, null);
    expect(filterProblem(literal, labels)).toBeNull();
  });
});
