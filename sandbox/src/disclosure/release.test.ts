import { describe, expect, it } from 'vitest';
import type { TAggregateRequest, TTable } from '../types.ts';
import { computeAggregate } from './compute-aggregate.ts';
import { DisclosureError } from './errors.ts';
import { planRelease } from './release-plan.ts';
import { bool, buildTable, int, num, policy, release, seeded, select, str } from './test/build-table.ts';
import type { THostGroupBy, TReleasedGroupBy, TReleasedHistogram, TReleasedRegression } from './types.ts';

const DISTRICTS = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'];
const SIZES = [3000, 2000, 1200, 30, 4, 0];

/** People in six districts of very different sizes (d6 has nobody), wages 0..20 000. */
function people(seed = 1, over: { wage?: (i: number, d: string) => number } = {}): TTable {
  const rnd = seeded(seed);
  const district: string[] = [];
  const wage: number[] = [];
  const age: (number | null)[] = [];
  const urban: boolean[] = [];
  SIZES.forEach((n, d) => {
    for (let k = 0; k < n; k++) {
      district.push(DISTRICTS[d]!);
      wage.push(
        over.wage ? over.wage(district.length - 1, DISTRICTS[d]!) : Math.round(3000 + rnd() * 9000 + d * 500),
      );
      age.push(rnd() < 0.1 ? null : 20 + Math.floor(rnd() * 40));
      urban.push(rnd() < 0.6);
    }
  });
  return buildTable('people', {
    district: str(district, DISTRICTS),
    wage: num(wage, { min: 0, max: 20_000 }),
    age: int(age, { min: 16, max: 100 }),
    urban: bool(urban),
    note: str(district.map((d) => `free text ${d}`)),
  });
}

const groupBy = (
  id: number,
  by: string[],
  measures: Extract<TAggregateRequest, { kind: 'groupBy' }>['measures'],
  filter: TAggregateRequest['filter'] = { kind: 'all' },
): TAggregateRequest => ({
  id,
  kind: 'groupBy',
  table: 'people',
  selection: null,
  filter,
  groupBy: by,
  measures,
});

const rowsOf = (r: unknown) => (r as TReleasedGroupBy).rows;

describe('released group-bys', () => {
  const table = people();
  const req = groupBy(
    1,
    ['district'],
    [
      { fn: 'count', name: 'n' },
      { fn: 'mean', column: 'wage', name: 'avgWage' },
      { fn: 'sum', column: 'wage', name: 'total' },
    ],
  );

  it('keeps the script’s measure names, rounds counts, and leaves out groups under the threshold', () => {
    const { released, report } = release([req], [table], { epsilon: 5 });
    const out = released.get(1) as TReleasedGroupBy;
    expect(out.columns).toEqual(['district', 'n', 'avgWage', 'total']);
    // d4 (30 people) is there; d5 (4) and d6 (nobody, a public code) are not.
    expect(out.rows.map((r) => r[0])).toEqual(['d1', 'd2', 'd3', 'd4']);
    for (const r of out.rows) expect((r[1] as number) % 5).toBe(0);
    const host = computeAggregate(req, [table]) as THostGroupBy;
    for (const r of out.rows.slice(0, 3)) {
      const exact = host.rows.find((h) => h[0] === r[0])!;
      expect(Math.abs((r[1] as number) - (exact[1] as number))).toBeLessThanOrEqual(15);
      expect(Math.abs((r[2] as number) / (exact[2] as number) - 1)).toBeLessThan(0.02);
    }
    expect(report.dp).toEqual({ epsilon: 5, mechanism: 'discrete-laplace', statistics: 3 });
    expect(report.items[0]!.noiseSd.n).toBeGreaterThan(0);
    expect(report.items[0]!.suppressed[0]!.cell).toBe('2 groups (left out)');
  });

  it('gives the identical answer to the identical question, and fresh noise to any change', () => {
    const a = release([req], [table]);
    const b = release([req], [table]);
    expect(JSON.stringify([...a.released])).toBe(JSON.stringify([...b.released]));
    expect(a.plan.statistics.map((s) => s.digest)).toEqual(b.plan.statistics.map((s) => s.digest));
    const c = release([req], [table], { epsilon: 1.01 });
    expect(rowsOf(c.released.get(1)).map((r) => r[2])).not.toEqual(
      rowsOf(a.released.get(1)).map((r) => r[2]),
    );
    // The same question about another version of the data is another question.
    const next = { ...table, key: 'people:v2' };
    expect(
      planRelease([req], [next], { epsilon: 1, dominanceN: 2, rows: 'where' }).statistics[0]!.digest,
    ).not.toBe(a.plan.statistics[0]!.digest);
  });

  it('charges what the question asks, never what the rows are: equal plans for different data', () => {
    const other = people(99, { wage: () => 19_999 });
    const opts = { epsilon: 0.8, dominanceN: 2 as const, rows: 'where' as const };
    const where = groupBy(2, ['urban'], [{ fn: 'mean', column: 'age' }], {
      kind: 'where',
      clauses: [{ column: 'wage', op: 'gt', value: 5000 }],
    });
    const a = planRelease([req, where], [table], opts);
    const b = planRelease([req, where], [other], opts);
    expect(a.statistics.map((s) => [s.digest, s.epsilon])).toEqual(
      b.statistics.map((s) => [s.digest, s.epsilon]),
    );
    // rows, sum(wage), dominance(wage) of the first; rows, count(age) (it can be null), sum(age)
    // and dominance(age) of the second.
    expect(a.statistics.length).toBe(7);
    expect(a.statistics.reduce((e, s) => e + s.epsilon, 0)).toBeCloseTo(0.8, 12);
    // The clauses' order and the order of an `in` list do not make another question.
    const swapped = groupBy(3, ['urban'], [{ fn: 'count' }], {
      kind: 'where',
      clauses: [
        { column: 'district', op: 'in', value: ['d2', 'd1'] },
        { column: 'wage', op: 'gt', value: 5000 },
      ],
    });
    const straight = groupBy(3, ['urban'], [{ fn: 'count' }], {
      kind: 'where',
      clauses: [
        { column: 'wage', op: 'gt', value: 5000 },
        { column: 'district', op: 'in', value: ['d1', 'd2'] },
      ],
    });
    expect(planRelease([swapped], [table], opts).statistics[0]!.digest).toBe(
      planRelease([straight], [table], opts).statistics[0]!.digest,
    );
  });

  it('never releases a sum or mean outside what the bounds allow, even for tiny noisy cells', () => {
    const small = groupBy(
      4,
      ['district', 'urban'],
      [
        { fn: 'sum', column: 'wage', bounds: { min: 0, max: 20_000 } },
        { fn: 'mean', column: 'wage', bounds: { min: 1000, max: 15_000 } },
        { fn: 'count' },
      ],
    );
    for (let e = 1; e <= 20; e++) {
      const { released } = release([small], [table], {
        epsilon: 0.05 * e,
        policy: policy({ minCellCount: 1, dominance: null }),
      });
      for (const r of rowsOf(released.get(4))) {
        if (r[2] !== null) expect(r[2] as number).toBeGreaterThanOrEqual(0);
        if (r[3] !== null) {
          expect(r[3] as number).toBeGreaterThanOrEqual(1000);
          expect(r[3] as number).toBeLessThanOrEqual(15_000);
        }
        if (r[4] !== null) expect(r[4] as number).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('refuses in an aggregate run what it cannot release: unknown values, predicates, single rows, unbounded sums', () => {
    const refuse = (r: TAggregateRequest, pattern: RegExp) => {
      expect(() => release([r], [table])).toThrow(DisclosureError);
      expect(() => release([r], [table])).toThrow(pattern);
    };
    refuse(groupBy(5, ['note'], [{ fn: 'count' }]), /"note" has no public code list/);
    refuse(
      {
        ...groupBy(5, [], [{ fn: 'count' }], { kind: 'predicate' }),
        selection: select(table.rowCount, (i) => i % 2 === 0),
      },
      /filter\(\)/,
    );
    refuse(groupBy(5, [], [{ fn: 'max', column: 'wage' }]), /single row/);
    refuse(
      groupBy(5, [], [{ fn: 'mean', column: 'wage', bounds: { min: -5, max: 100 } }]),
      /wider than its schema bounds/,
    );
    const free = buildTable('people', { x: num([1, 2, 3]) });
    expect(() => release([groupBy(5, [], [{ fn: 'sum', column: 'x' }])], [free])).toThrow(/no schema bounds/);
    // With bounds of its own the same sum is released.
    expect(() =>
      release([groupBy(5, [], [{ fn: 'sum', column: 'x', bounds: { min: 0, max: 10 } }])], [free]),
    ).not.toThrow();
  });

  it('in a row run keeps predicate bitmaps and leaves what it cannot release unreleasable, with the reason', () => {
    const picked = {
      ...groupBy(6, ['urban'], [{ fn: 'count' }], { kind: 'predicate' }),
      selection: select(table.rowCount, (i) => i < 4000),
    };
    const single = groupBy(7, [], [{ fn: 'median', column: 'wage' }]);
    const { plan, released } = release([picked, single], [table], { rows: 'any' });
    expect(plan.unreleasable.get(7)).toMatch(/single row/);
    expect(released.has(7)).toBe(false);
    expect(rowsOf(released.get(6)).length).toBe(2);
  });

  it('groups by integers within narrow bounds and by booleans, listing their public values', () => {
    const { released } = release([groupBy(8, ['urban'], [{ fn: 'count' }])], [table]);
    expect(rowsOf(released.get(8)).map((r) => r[0])).toEqual([false, true]);
    const plan = planRelease([groupBy(9, ['age'], [{ fn: 'count' }])], [table], {
      epsilon: 1,
      dominanceN: null,
      rows: 'where',
    });
    // 16..100 and null: 86 cells.
    expect(plan.units[0]!.kind === 'frame' && plan.units[0].cells).toBe(86);
  });
});

describe('the dominance rule', () => {
  // One firm earns almost everything in d1; d2 is spread evenly.
  const firms = buildTable('people', {
    district: str([...Array(40).fill('d1'), ...Array(40).fill('d2')], ['d1', 'd2']),
    wage: num([...Array.from({ length: 40 }, (_, i) => (i === 0 ? 19_000 : 100)), ...Array(40).fill(5000)], {
      min: 0,
      max: 20_000,
    }),
  });
  const req = groupBy(
    1,
    ['district'],
    [{ fn: 'count' }, { fn: 'sum', column: 'wage' }, { fn: 'mean', column: 'wage' }],
  );

  it('suppresses the sum and mean of a cell dominated by its largest contributors, and protects it from the total', () => {
    // A dominated cell's sum is at most a few times the bound, so the noisy test is sharp only at
    // a large epsilon; at ordinary ones the sum's own noise (of the bound's scale) hides any one firm.
    const { released, report } = release([req, groupBy(2, [], [{ fn: 'sum', column: 'wage' }])], [firms], {
      epsilon: 1000,
      policy: policy({ dominance: { n: 1, k: 0.6 } }),
    });
    const rows = rowsOf(released.get(1));
    const d1 = rows.find((r) => r[0] === 'd1')!;
    const d2 = rows.find((r) => r[0] === 'd2')!;
    expect(d1[1]).not.toBeNull();
    expect(d1[2]).toBeNull();
    expect(d1[3]).toBeNull();
    expect(report.suppressedDominance).toBeGreaterThan(0);
    expect(report.items[0]!.suppressed.some((s) => /dominance/.test(s.reason))).toBe(true);
    // With d1's sum hidden, d2's is hidden too, else total − d2 would give it away; so is the total.
    expect(d2[2]).toBeNull();
    expect(report.suppressedSecondary).toBeGreaterThan(0);
  });

  it('releases the same cells when no contributor dominates', () => {
    const { released } = release([req], [firms], {
      epsilon: 1000,
      policy: policy({ dominance: { n: 1, k: 0.99 } }),
    });
    expect(rowsOf(released.get(1)).every((r) => r[2] !== null)).toBe(true);
  });
});

describe('released histograms and regressions', () => {
  it('bins with the requested edges, rounded, small bins suppressed', () => {
    const table = people();
    const h: TAggregateRequest = {
      id: 1,
      kind: 'histogram',
      table: 'people',
      selection: null,
      filter: { kind: 'all' },
      column: 'wage',
      edges: [0, 5000, 10_000, 20_000],
    };
    const { released } = release([h], [table]);
    const out = released.get(1) as TReleasedHistogram;
    expect(out.edges).toEqual([0, 5000, 10_000, 20_000]);
    expect(out.counts.every((c) => c === null || c % 5 === 0)).toBe(true);
  });

  it('estimates coefficients close to exact OLS, with standard errors and r²', () => {
    const rnd = seeded(5);
    const n = 50_000;
    const x1 = Array.from({ length: n }, () => 1990 + Math.floor(rnd() * 30));
    const x2 = Array.from({ length: n }, () => Math.round(rnd() * 12));
    const y = x1.map((v, i) => 5000 + 40 * (v - 1990) + 300 * x2[i]! + (rnd() - 0.5) * 2000);
    const table = buildTable('people', {
      year: num(x1, { min: 1900, max: 2100 }),
      months: num(x2, { min: 0, max: 12 }),
      wage: num(y, { min: 0, max: 40_000 }),
    });
    const reg: TAggregateRequest = {
      id: 1,
      kind: 'regression',
      table: 'people',
      selection: null,
      filter: { kind: 'all' },
      y: 'wage',
      x: ['year', 'months'],
      bounds: { year: { min: 1980, max: 2030 }, wage: { min: 3000, max: 13_000 } },
    };
    const { released } = release([reg], [table]);
    const out = released.get(1) as TReleasedRegression;
    const exact = computeAggregate(reg, [table]) as { coefficients: Record<string, number> };
    expect(out.coefficients!.year! / exact.coefficients.year!).toBeGreaterThan(0.95);
    expect(out.coefficients!.year! / exact.coefficients.year!).toBeLessThan(1.05);
    expect(out.coefficients!.months! / exact.coefficients.months!).toBeGreaterThan(0.95);
    expect(out.coefficients!.months! / exact.coefficients.months!).toBeLessThan(1.05);
    for (const k of ['intercept', 'year', 'months']) expect(out.standardErrors![k]).toBeGreaterThan(0);
    // The exact estimate lies within a few standard errors of the released one.
    expect(Math.abs(out.coefficients!.year! - exact.coefficients.year!)).toBeLessThan(
      5 * out.standardErrors!.year!,
    );
    expect(out.r2).toBeGreaterThan(0.5);
    expect(out.r2).toBeLessThanOrEqual(1);
    expect(out.n! % 5).toBe(0);
  });

  it('suppresses a regression over too few rows', () => {
    const table = buildTable('people', {
      x: num([1, 2, 3, 4, 5, 6], { min: 0, max: 10 }),
      y: num([2, 4, 6, 8, 10, 12], { min: 0, max: 20 }),
    });
    const reg: TAggregateRequest = {
      id: 1,
      kind: 'regression',
      table: 'people',
      selection: null,
      filter: { kind: 'all' },
      y: 'y',
      x: ['x'],
    };
    expect(release([reg], [table]).released.get(1)).toEqual({
      coefficients: null,
      standardErrors: null,
      r2: null,
      n: null,
    });
  });
});
