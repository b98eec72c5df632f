import { describe, expect, it } from 'vitest';
import { buildQuery, chartOf, typedValue } from './query.ts';
import type { TColumn } from './types.ts';

const col = (name: string, type: TColumn['type']): TColumn => ({
  name,
  type,
  description: '',
  nullable: false,
  sensitivity: 'public',
});
const columns = [col('city', 'string'), col('day', 'date'), col('aqi', 'integer'), col('ok', 'boolean')];

describe('the query builder', () => {
  it('reads typed values by column type and keeps text that is not a number as text', () => {
    expect(typedValue(' 42 ', 'integer')).toBe(42);
    expect(typedValue('4.5', 'number')).toBe(4.5);
    expect(typedValue('abc', 'integer')).toBe('abc');
    expect(typedValue('true', 'boolean')).toBe(true);
    expect(typedValue('', 'string')).toBeNull();
    expect(typedValue('007', 'string')).toBe('007');
  });

  it('builds the open-data query body: group by, aggregates with aliases, typed filters, lists for in', () => {
    const body = buildQuery(
      {
        filters: [
          { column: 'aqi', op: 'gte', value: '100' },
          { column: 'city', op: 'in', value: '330100, 330200,' },
        ],
        groupBy: ['city'],
        aggregates: [
          { fn: 'count', column: '' },
          { fn: 'avg', column: 'aqi' },
        ],
      },
      columns,
    );
    expect(body).toEqual({
      groupBy: ['city'],
      select: ['city'],
      aggregates: [
        { fn: 'count', as: 'n' },
        { fn: 'avg', column: 'aqi', as: 'avg_aqi' },
      ],
      where: [
        { column: 'aqi', op: 'gte', value: 100 },
        { column: 'city', op: 'in', value: ['330100', '330200'] },
      ],
      orderBy: [{ key: 'city', dir: 'asc' }],
    });
    expect(buildQuery({ filters: [], groupBy: [], aggregates: [] }, columns)).toEqual({});
  });

  it('charts a grouped result as bars, a result by date as a line, and declines what a chart would not help', () => {
    const grouped = {
      version: 1,
      columns: [
        { name: 'city', type: 'string' },
        { name: 'n', type: 'integer' },
      ],
      rows: [
        ['杭州', 3],
        ['宁波', 2],
      ],
      limit: 1000,
      truncated: false,
    };
    expect(chartOf(grouped, 't')).toEqual({
      kind: 'bar',
      title: 't',
      categories: ['杭州', '宁波'],
      series: [{ name: 'n', values: [3, 2] }],
    });
    const byDay = { ...grouped, columns: [{ name: 'day', type: 'date' }, grouped.columns[1]!] };
    expect(chartOf(byDay, 't')?.kind).toBe('line');
    expect(chartOf({ ...grouped, rows: [['杭州', 3]] }, 't')).toBeNull();
    expect(chartOf({ ...grouped, columns: [grouped.columns[0]!], rows: [['a'], ['b']] }, 't')).toBeNull();
    const many = { ...grouped, rows: Array.from({ length: 201 }, (_, i) => [`c${i}`, i]) };
    expect(chartOf(many, 't')).toBeNull();
  });
});
