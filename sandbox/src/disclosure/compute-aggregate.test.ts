import { describe, expect, it } from 'vitest';
import type { TAggregateRequest } from '../types.ts';
import { computeAggregate, materializeResult } from './compute-aggregate.ts';
import { DisclosureError } from './errors.ts';
import { bool, buildTable, groupBy, marker, num, seeded, select, str } from './test/build-table.ts';
import type { THostGroupBy, THostHistogram, THostRegression } from './types.ts';

function people(rows: number, seed = 1) {
  const rnd = seeded(seed);
  const region = Array.from({ length: rows }, () =>
    rnd() < 0.05 ? null : ['east', 'north', 'south', 'west'][Math.floor(rnd() * 4)]!,
  );
  const isUrban = Array.from({ length: rows }, () => (rnd() < 0.05 ? null : rnd() < 0.6));
  const age = Array.from({ length: rows }, () => (rnd() < 0.1 ? null : 15 + Math.floor(rnd() * 80)));
  // Some incomes beyond the schema bounds, to check clamping.
  const income = Array.from({ length: rows }, () =>
    rnd() < 0.1 ? null : Math.round(rnd() * 120_000) - 10_000,
  );
  const table = buildTable('people', {
    region: str(region),
    isUrban: bool(isUrban),
    age: num(age, { min: 18, max: 90 }),
    income: num(income, { min: 0, max: 100_000 }),
  });
  return { table, region, isUrban, age, income };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The same statistics computed the obvious way, row by row. */
function plainGroupBy(
  keys: (string | boolean | null)[][],
  values: (number | null)[],
  selected: (i: number) => boolean,
): Map<string, { n: number; xs: number[] }> {
  const out = new Map<string, { n: number; xs: number[] }>();
  keys[0]!.forEach((_, i) => {
    if (!selected(i)) return;
    const k = JSON.stringify(keys.map((col) => col[i]));
    const cell = out.get(k) ?? { n: 0, xs: [] };
    cell.n++;
    if (values[i] !== null) cell.xs.push(values[i]!);
    out.set(k, cell);
  });
  return out;
}

function stats(xs: number[]) {
  const n = xs.length;
  const sum = xs.reduce((a, b) => a + b, 0);
  const mean = sum / n;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  const sorted = [...xs].sort((a, b) => a - b);
  const median = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return {
    n,
    sum,
    mean,
    variance,
    stddev: Math.sqrt(variance),
    min: sorted[0]!,
    max: sorted[n - 1]!,
    median,
  };
}

describe('computeAggregate: group-by', () => {
  const allMeasures: Extract<TAggregateRequest, { kind: 'groupBy' }>['measures'] = [
    { fn: 'count' },
    { fn: 'count', column: 'income' },
    { fn: 'sum', column: 'income' },
    { fn: 'mean', column: 'income' },
    { fn: 'variance', column: 'income' },
    { fn: 'stddev', column: 'income' },
    { fn: 'min', column: 'income' },
    { fn: 'max', column: 'income' },
    { fn: 'median', column: 'income' },
  ];

  it('equals a plain-JS computation, nulls as their own group, values clamped to the schema bounds', () => {
    const { table, region, isUrban, income } = people(5000);
    const out = computeAggregate(groupBy(1, 'people', ['region', 'isUrban'], allMeasures), [
      table,
    ]) as THostGroupBy;
    expect(out.columns).toEqual([
      'region',
      'isUrban',
      'count',
      'count_income',
      'sum_income',
      'mean_income',
      'variance_income',
      'stddev_income',
      'min_income',
      'max_income',
      'median_income',
    ]);
    const clamped = income.map((v) => (v === null ? null : clamp(v, 0, 100_000)));
    const expected = plainGroupBy([region, isUrban], clamped, () => true);
    expect(out.rows).toHaveLength(expected.size);
    expect(out.rows.some((r) => r[0] === null)).toBe(true);
    expect(out.rows.some((r) => r[1] === null)).toBe(true);
    for (const [i, row] of out.rows.entries()) {
      const cell = expected.get(JSON.stringify([row[0], row[1]]))!;
      const s = stats(cell.xs);
      expect(row[2]).toBe(cell.n);
      expect(out.n[i]).toBe(cell.n);
      expect(row[3]).toBe(s.n);
      expect(row[4]).toBeCloseTo(s.sum, 4);
      expect(row[5]).toBeCloseTo(s.mean, 6);
      expect(row[6] as number).toBeCloseTo(s.variance, -1);
      expect((row[6] as number) / s.variance).toBeCloseTo(1, 9);
      expect(row[7]).toBeCloseTo(s.stddev, 6);
      expect([row[8], row[9], row[10]]).toEqual([s.min, s.max, s.median]);
    }
    const maxes = out.rows.map((r) => r[9] as number);
    expect(Math.max(...maxes)).toBe(100_000);
  });

  it('on columns without nulls: clamps, and a selection keeps only the groups it reaches', () => {
    const rows = 3000;
    const city = Array.from({ length: rows }, (_, i) => `c${i % 7}`);
    const pay = Array.from({ length: rows }, (_, i) => (i % 11) * 20_000 - 10_000);
    const table = buildTable('t', { city: str(city), pay: num(pay, { min: 0, max: 100_000 }) });
    const measures = [{ fn: 'count' as const }, { fn: 'sum' as const, column: 'pay' }];
    const pick = (i: number) => i % 7 < 3;
    for (const selected of [() => true, pick, () => true]) {
      const selection = selected === pick ? select(rows, pick) : null;
      const out = computeAggregate(groupBy(1, 't', ['city'], measures, selection), [table]) as THostGroupBy;
      const clamped = pay.map((v) => clamp(v, 0, 100_000));
      const expected = plainGroupBy([city], clamped, selected);
      expect(out.rows.map((r) => r[0])).toEqual([...expected.keys()].map((k) => JSON.parse(k)[0]).sort());
      for (const row of out.rows) {
        const cell = expected.get(JSON.stringify([row[0]]))!;
        expect(row[1]).toBe(cell.n);
        expect(row[2]).toBe(cell.xs.reduce((a, b) => a + b, 0));
      }
    }
  });

  it('orders groups by label: null first, then ascending', () => {
    const { table } = people(2000);
    const out = computeAggregate(groupBy(1, 'people', ['region'], [{ fn: 'count' }]), [
      table,
    ]) as THostGroupBy;
    expect(out.rows.map((r) => r[0])).toEqual([null, 'east', 'north', 'south', 'west']);
  });

  it('groups by a numeric column, and keeps the requested column order', () => {
    const { table, region, age } = people(3000, 2);
    const out = computeAggregate(groupBy(1, 'people', ['age', 'region'], [{ fn: 'mean', column: 'age' }]), [
      table,
    ]) as THostGroupBy;
    expect(out.columns).toEqual(['age', 'region', 'mean_age']);
    const expected = plainGroupBy(
      [age.map((a) => (a === null ? null : String(a))), region],
      age.map((a) => (a === null ? null : clamp(a, 18, 90))),
      () => true,
    );
    expect(out.rows).toHaveLength(expected.size);
    for (const row of out.rows) {
      const cell = expected.get(JSON.stringify([row[0] === null ? null : String(row[0]), row[1]]))!;
      expect(row[2]).toBe(cell.xs.length ? stats(cell.xs).mean : null);
    }
  });

  it('counts only the rows a selection bitmap selects', () => {
    const { table, region, isUrban, income } = people(4000, 3);
    const selection = select(4000, (i) => i % 3 === 0 && income[i] !== null && income[i]! > 30_000);
    const out = computeAggregate(
      groupBy(
        1,
        'people',
        ['region', 'isUrban'],
        [{ fn: 'count' }, { fn: 'sum', column: 'income' }],
        selection,
      ),
      [table],
    ) as THostGroupBy;
    const expected = plainGroupBy(
      [region, isUrban],
      income.map((v) => (v === null ? null : clamp(v, 0, 100_000))),
      (i) => selection[i] === 1,
    );
    expect(out.rows).toHaveLength(expected.size);
    for (const row of out.rows) {
      const cell = expected.get(JSON.stringify([row[0], row[1]]))!;
      expect(row[2]).toBe(cell.n);
      expect(row[3]).toBeCloseTo(stats(cell.xs).sum, 4);
    }
    const total = computeAggregate(groupBy(2, 'people', [], [{ fn: 'count' }], selection), [
      table,
    ]) as THostGroupBy;
    expect(total.rows).toEqual([[selection.reduce((a, b) => a + b, 0)]]);
  });

  it('gives one empty cell for a total over no rows, and no cells for a grouping of none', () => {
    const { table } = people(100);
    const none = new Uint8Array(100);
    expect(
      (computeAggregate(groupBy(1, 'people', [], [{ fn: 'count' }], none), [table]) as THostGroupBy).rows,
    ).toEqual([[0]]);
    expect(
      (computeAggregate(groupBy(1, 'people', ['region'], [{ fn: 'count' }], none), [table]) as THostGroupBy)
        .rows,
    ).toEqual([]);
  });

  it('refuses unknown tables and columns, bad selections and measures, with stable codes', () => {
    const { table } = people(50);
    const code = (req: TAggregateRequest) => {
      try {
        computeAggregate(req, [table]);
      } catch (e) {
        return e instanceof DisclosureError ? e.code : 'other';
      }
      return 'none';
    };
    expect(code(groupBy(1, 'nope', [], [{ fn: 'count' }]))).toBe('DISCLOSURE_UNKNOWN_TABLE');
    expect(code(groupBy(1, 'people', ['nope'], [{ fn: 'count' }]))).toBe('DISCLOSURE_UNKNOWN_COLUMN');
    expect(code(groupBy(1, 'people', ['toString'], [{ fn: 'count' }]))).toBe('DISCLOSURE_UNKNOWN_COLUMN');
    expect(code(groupBy(1, 'people', [], [{ fn: 'count' }], new Uint8Array(49)))).toBe(
      'DISCLOSURE_INVALID_REQUEST',
    );
    expect(code(groupBy(1, 'people', [], [{ fn: 'mean', column: 'region' }]))).toBe(
      'DISCLOSURE_INVALID_REQUEST',
    );
    expect(code(groupBy(1, 'people', [], [{ fn: 'sum' }]))).toBe('DISCLOSURE_INVALID_REQUEST');
    expect(code(groupBy(1, 'people', ['region', 'region'], [{ fn: 'count' }]))).toBe(
      'DISCLOSURE_INVALID_REQUEST',
    );
    expect(
      code({ id: 1, kind: 'histogram', table: 'people', selection: null, column: 'age', edges: [3, 2] }),
    ).toBe('DISCLOSURE_INVALID_REQUEST');
  });
});

describe('computeAggregate: histogram', () => {
  it('counts clamped non-null values per bin, the last bin closed, values outside the edges in none', () => {
    const values = [null, -5, 0, 5, 9.99, 10, 19, 20, 25, 30, 31, 250];
    const table = buildTable('t', { v: num(values, { min: 0, max: 30 }) });
    const out = computeAggregate(
      { id: 1, kind: 'histogram', table: 't', selection: null, column: 'v', edges: [0, 10, 20, 30] },
      [table],
    ) as THostHistogram;
    // -5 → 0; 31 and 250 → 30 (clamped into the closed last bin).
    expect(out).toEqual({ edges: [0, 10, 20, 30], counts: [4, 2, 5] });
    const narrow = computeAggregate(
      { id: 1, kind: 'histogram', table: 't', selection: null, column: 'v', edges: [5, 10, 20] },
      [table],
    ) as THostHistogram;
    expect(narrow.counts).toEqual([2, 3]);
  });
});

describe('computeAggregate: regression', () => {
  it('finds the exact coefficients of exact-fit data', () => {
    const rnd = seeded(9);
    const x1 = Array.from({ length: 200 }, () => rnd() * 100);
    const x2 = Array.from({ length: 200 }, () => (rnd() < 0.1 ? null : rnd() * 50 - 25));
    const y = x1.map((a, i) => (x2[i] === null ? 1 : 3 + 2 * a - 0.5 * x2[i]!));
    const table = buildTable('t', { x1: num(x1), x2: num(x2), y: num(y) });
    const out = computeAggregate(
      { id: 1, kind: 'regression', table: 't', selection: null, y: 'y', x: ['x1', 'x2'] },
      [table],
    ) as THostRegression;
    expect(out.n).toBe(x2.filter((v) => v !== null).length);
    expect(out.coefficients!.intercept).toBeCloseTo(3, 9);
    expect(out.coefficients!.x1).toBeCloseTo(2, 9);
    expect(out.coefficients!.x2).toBeCloseTo(-0.5, 9);
  });

  it('gives no coefficients for collinear x columns, with a note', () => {
    const x1 = Array.from({ length: 50 }, (_, i) => i);
    const table = buildTable('t', {
      x1: num(x1),
      x2: num(x1.map((v) => 2 * v + 1)),
      y: num(x1.map((v) => v * v)),
    });
    const out = computeAggregate(
      { id: 1, kind: 'regression', table: 't', selection: null, y: 'y', x: ['x1', 'x2'] },
      [table],
    ) as THostRegression;
    expect(out.coefficients).toBeNull();
    expect(out.note).toMatch(/collinear/);
  });
});

describe('materializeResult', () => {
  it('replaces recorded markers by exact host results and leaves everything else', () => {
    const table = buildTable('t', { g: str(['a', 'a', 'b']) });
    const agg = groupBy(4, 't', ['g'], [{ fn: 'count' }]);
    const out = materializeResult(
      { x: marker(4), y: [1, marker(99)], __proto__: 'k' },
      [agg],
      [table],
    ) as Record<string, unknown>;
    expect(out.x).toEqual({
      columns: ['g', 'count'],
      rows: [
        ['a', 2],
        ['b', 1],
      ],
      n: [2, 1],
    });
    expect(out.y).toEqual([1, { $aggregate: 99 }]);
  });
});
