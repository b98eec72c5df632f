import { describe, expect, it } from 'vitest';
import type { TTable } from '../types.ts';
import { hostSelection } from './row-filter.ts';

const table: TTable = {
  name: 't',
  key: 't:v1',
  rowCount: 4,
  columns: {
    wage: {
      type: 'number',
      values: Float64Array.from([1000, 2000, 3000, Number.NaN]),
      nulls: Uint8Array.of(0, 0, 0, 1),
    },
    district: { type: 'string', codes: Int32Array.from([0, 1, 0, -1]), dictionary: ['西湖区', '上城区'] },
  },
  bounds: {},
};

describe('the host’s evaluation of where() clauses', () => {
  it('selects by dictionary values and by numbers, on its own copy of the table', () => {
    expect([...hostSelection(table, [{ column: 'district', op: 'eq', value: '西湖区' }])]).toEqual([
      1, 0, 1, 0,
    ]);
    expect([...hostSelection(table, [{ column: 'wage', op: 'gte', value: 2000 }])]).toEqual([0, 1, 1, 0]);
    expect([
      ...hostSelection(table, [
        { column: 'district', op: 'in', value: ['上城区', '南山区'] },
        { column: 'wage', op: 'lt', value: 5000 },
      ]),
    ]).toEqual([0, 1, 0, 0]);
  });

  it('lets null equal only null: eq null and ne x keep null rows, ordering never matches them', () => {
    expect([...hostSelection(table, [{ column: 'district', op: 'eq', value: null }])]).toEqual([0, 0, 0, 1]);
    expect([...hostSelection(table, [{ column: 'wage', op: 'ne', value: 1000 }])]).toEqual([0, 1, 1, 1]);
    expect([...hostSelection(table, [{ column: 'wage', op: 'lt', value: 1e9 }])]).toEqual([1, 1, 1, 0]);
    expect([...hostSelection(table, [{ column: 'district', op: 'in', value: ['上城区', null] }])]).toEqual([
      0, 1, 0, 1,
    ]);
  });
});
