import { describe, expect, it } from 'vitest';
import { resultParts } from './result-shape.ts';

describe('resultParts', () => {
  it('reads a released group-by with its labels, measures, suppressed rows and a chart of the last measure', () => {
    const [part] = resultParts({
      byDistrict: {
        columns: ['district_code', 'n', 'base'],
        rows: [
          ['330102', 1190, 11317.7],
          ['330105', null, null],
        ],
        suppressed: [1],
      },
    });
    expect(part).toMatchObject({ kind: 'table', name: 'byDistrict', suppressed: [1] });
    expect(part!.kind === 'table' && part.chart).toMatchObject({
      categories: ['330102', '330105'],
      series: [{ name: 'base', values: [11317.7, null] }],
    });
  });

  it('keeps a group-by over a numeric grouping column (a year) labelled by it', () => {
    const [part] = resultParts({
      columns: ['year', 'n'],
      rows: [
        [2021, 10],
        [2022, 15],
      ],
      suppressed: [],
    });
    expect(part!.kind === 'table' && part.chart?.categories).toEqual(['2021', '2022']);
  });

  it('reads histograms and regressions, and leaves plain values as they are', () => {
    const parts = resultParts({
      bands: { edges: [0, 10, 20], counts: [5, null], suppressed: [1] },
      model: {
        coefficients: { intercept: 1, x: 2 },
        standardErrors: { intercept: 0.1, x: 0.2 },
        r2: 0.5,
        n: 100,
      },
      note: 'by district',
      total: { columns: ['count'], rows: [[10000]], suppressed: [] },
    });
    expect(parts.map((p) => [p.kind, p.name])).toEqual([
      ['table', 'bands'],
      ['table', 'model'],
      ['value', 'note'],
      ['table', 'total'],
    ]);
    expect(parts[0]!.kind === 'table' && parts[0].rows).toEqual([
      ['[0, 10)', 5],
      ['[10, 20]', null],
    ]);
    expect(parts[1]!.kind === 'table' && parts[1].rows[1]).toEqual(['x', 2, 0.2]);
    expect(parts[3]!.kind === 'table' && parts[3].chart).toBeNull();
  });

  it('treats a bare released aggregate as the whole result', () => {
    expect(resultParts({ columns: ['n'], rows: [[5]], suppressed: [] })[0]).toMatchObject({ name: 'result' });
    expect(resultParts(42)).toEqual([{ kind: 'value', name: 'result', value: 42 }]);
  });
});
