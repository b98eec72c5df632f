import type { TAggregateRequest } from '@enclave/sandbox';
import { describe, expect, it } from 'vitest';
import { aggregateShapeOf, queryShapeOf } from './query-shape.ts';

const names = ['district', 'wage_base', 'birth_year', 'social-2024'];
const script = (year: number | string, district: string, extra = '') => `
  const t = enclave.table('social-2024');${extra}
  return t.where('birth_year', 'lt', ${year}).where('district', 'eq', '${district}')
    .groupBy('district').agg({ n: 'count', avg: ['mean', 'wage_base'] });
`;

describe('queryShapeOf', () => {
  it('is the same for scripts that differ only in literal values, spacing and comments', () => {
    const shape = queryShapeOf(script(1970, '西湖区'), names);
    expect(queryShapeOf(script(1971.5, '上城区'), names)).toBe(shape);
    expect(queryShapeOf(script('1e3', "it\\'s"), names)).toBe(shape);
    expect(queryShapeOf(script(1970, '西湖区', ' // look\n  /* here */'), names)).toBe(shape);
    expect(queryShapeOf(script(1970, '西湖区').replaceAll(' ', ''), names)).toBe(shape);
    expect(shape).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs when the columns, operators or measures asked for differ', () => {
    const shape = queryShapeOf(script(1970, '西湖区'), names);
    expect(queryShapeOf(script(1970, '西湖区').replace("'lt'", "'gte'"), names)).not.toBe(shape);
    expect(
      queryShapeOf(script(1970, '西湖区').replace("groupBy('district')", "groupBy('birth_year')"), names),
    ).not.toBe(shape);
    expect(queryShapeOf(script(1970, '西湖区').replace("'mean'", "'sum'"), names)).not.toBe(shape);
    expect(
      queryShapeOf(script(1970, '西湖区').replace('.agg(', ".where('wage_base', 'gt', 1).agg("), names),
    ).not.toBe(shape);
  });
});

describe('aggregateShapeOf', () => {
  const request = (
    year: number,
    fn: 'mean' | 'sum' = 'mean',
  ): Extract<TAggregateRequest, { kind: 'groupBy' }> => ({
    id: 1,
    kind: 'groupBy',
    table: 'social-2024',
    selection: null,
    filter: { kind: 'where', clauses: [{ column: 'birth_year', op: 'lt', value: year }] },
    groupBy: ['district'],
    measures: [{ fn: 'count' }, { fn, column: 'wage_base' }],
  });

  it('ignores filter values, whatever the script looked like, and sees what was asked', () => {
    const shape = aggregateShapeOf([request(1970)]);
    expect(aggregateShapeOf([{ ...request(1999), id: 7 }])).toBe(shape);
    expect(aggregateShapeOf([request(1970, 'sum')])).not.toBe(shape);
    expect(aggregateShapeOf([{ ...request(1970), groupBy: ['birth_year'] }])).not.toBe(shape);
    expect(aggregateShapeOf([{ ...request(1970), filter: { kind: 'all' } }])).not.toBe(shape);
    expect(aggregateShapeOf([request(1970), request(1980)])).not.toBe(shape);
  });
});
