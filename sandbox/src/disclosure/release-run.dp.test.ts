import { describe, expect, it } from 'vitest';
import type { TAggregateRequest, TTable } from '../types.ts';
import { computeAggregate } from './compute-aggregate.ts';
import { laplaceNoise } from './laplace.ts';
import { releaseRun } from './release-run.ts';
import { buildTable, groupBy, input, marker, num, policy, seeded, str } from './test/build-table.ts';
import type { THostGroupBy, TReleasedGroupBy, TReleasedHistogram, TReleasedRegression } from './types.ts';

const BOUND = 1000;

function data(rows: number, groups: number, seed = 3): TTable {
  const rnd = seeded(seed);
  return buildTable('t', {
    g: str(Array.from({ length: rows }, (_, i) => `g${String(i % groups).padStart(3, '0')}`)),
    a: num(
      Array.from({ length: rows }, () => Math.round(rnd() * BOUND)),
      { min: 0, max: BOUND },
    ),
    b: num(
      Array.from({ length: rows }, () => rnd() * 2 * BOUND - BOUND),
      { min: -BOUND, max: BOUND },
    ),
    free: num(Array.from({ length: rows }, () => rnd())),
  });
}

function dpRelease(table: TTable, reqs: TAggregateRequest[], epsilon: number, rounding = 5) {
  return releaseRun(
    input(
      reqs.map((r) => marker(r.id)),
      reqs,
      [table],
      { policy: policy({ dp: { epsilon }, rounding }) },
    ),
  );
}

describe('releaseRun under differential privacy', () => {
  const table = data(4000, 40);
  const req = groupBy(
    1,
    't',
    ['g'],
    [{ fn: 'count' }, { fn: 'mean', column: 'a' }, { fn: 'mean', column: 'b' }],
  );

  it('adds fresh noise, reports the epsilon and how it was split, and still rounds counts', () => {
    const d1 = dpRelease(table, [req], 1);
    const d2 = dpRelease(table, [req], 1);
    expect(d1.kind).toBe('release');
    if (d1.kind !== 'release' || d2.kind !== 'release') return;
    expect(d1.report.dp).toEqual({ epsilon: 1, mechanism: 'laplace' });
    // count shares its noisy value with the means' counts (no nulls): n, sum(a), sum(b).
    expect(d1.report.notes.join('\n')).toMatch(/epsilon 1 split evenly over 3 noisy statistics/);
    expect(d1.report.notes.join('\n')).toMatch(/cell-key perturbation not applied/);
    const rows1 = (d1.result as TReleasedGroupBy[])[0]!.rows;
    const rows2 = (d2.result as TReleasedGroupBy[])[0]!.rows;
    expect(rows1.every((r) => (r[1] as number) % 5 === 0)).toBe(true);
    expect(rows1.map((r) => r[2])).not.toEqual(rows2.map((r) => r[2]));
    const host = computeAggregate(req, [table]) as THostGroupBy;
    expect(rows1.filter((r, i) => r[2] !== host.rows[i]![2]).length).toBe(rows1.length);
  });

  it('calibrates the noise: mean |noise| of a sum is its bound over the epsilon share', () => {
    const many = data(20_000, 400, 8);
    const sums = groupBy(1, 't', ['g'], [{ fn: 'sum', column: 'a' }]);
    const host = computeAggregate(sums, [many]) as THostGroupBy;
    // One statistic: the whole epsilon, 0.5, on sum(a): Laplace scale 1000 / 0.5 = 2000.
    const d = dpRelease(many, [sums], 0.5);
    if (d.kind !== 'release') throw new Error(d.reason);
    const rows = (d.result as TReleasedGroupBy[])[0]!.rows;
    const meanAbs =
      rows.reduce((s, r, i) => s + Math.abs((r[1] as number) - (host.rows[i]![1] as number)), 0) /
      rows.length;
    expect(meanAbs).toBeGreaterThan(2000 * 0.8);
    expect(meanAbs).toBeLessThan(2000 * 1.2);
  });

  it('is accurate with a large epsilon and noisy with a small one', () => {
    const host = computeAggregate(req, [table]) as THostGroupBy;
    const err = (eps: number) => {
      const d = dpRelease(table, [req], eps, 1);
      if (d.kind !== 'release') throw new Error(d.reason);
      const rows = (d.result as TReleasedGroupBy[])[0]!.rows;
      return (
        rows.reduce((s, r, i) => s + Math.abs((r[2] as number) - (host.rows[i]![2] as number)), 0) /
        rows.length
      );
    };
    expect(err(1e6)).toBeLessThan(0.01);
    expect(err(0.05)).toBeGreaterThan(5);
  });

  it('holds a sum over a column without both schema bounds for review; a count of it is fine', () => {
    const d = dpRelease(table, [groupBy(1, 't', ['g'], [{ fn: 'mean', column: 'free' }])], 1);
    expect(d.kind).toBe('review');
    if (d.kind === 'review') expect(d.reason).toMatch(/both schema bounds.*"free"/);
    expect(dpRelease(table, [groupBy(1, 't', ['g'], [{ fn: 'count', column: 'free' }])], 1).kind).toBe(
      'release',
    );
  });

  it('releases histograms and regressions with noise, one epsilon share each', () => {
    const h: TAggregateRequest = {
      id: 2,
      kind: 'histogram',
      table: 't',
      selection: null,
      column: 'a',
      edges: [0, 250, 500, 750, 1000],
    };
    const r: TAggregateRequest = { id: 3, kind: 'regression', table: 't', selection: null, y: 'a', x: ['b'] };
    const d = dpRelease(table, [req, h, r], 3);
    if (d.kind !== 'release') throw new Error(d.reason);
    expect(d.report.notes.join('\n')).toMatch(/over 5 noisy statistics \(0\.6 each\)/);
    const [, hist, reg] = d.result as [unknown, TReleasedHistogram, TReleasedRegression];
    expect(hist.counts.every((c) => typeof c === 'number' && c % 5 === 0)).toBe(true);
    expect(hist.counts.reduce((s, c) => s! + c!, 0)).toBeGreaterThan(3900);
    expect(reg.n! % 5).toBe(0);
    expect(reg.coefficients).not.toBeNull();
  });

  it('fits a regression from noisy sufficient statistics close to the truth on many rows', () => {
    const rnd = seeded(21);
    const n = 5000;
    const x = Array.from({ length: n }, () => rnd() * 100);
    const t = buildTable('t', {
      x: num(x, { min: 0, max: 100 }),
      y: num(
        x.map((v) => 10 + 0.5 * v + (rnd() - 0.5) * 10),
        { min: 0, max: 100 },
      ),
    });
    const r: TAggregateRequest = { id: 1, kind: 'regression', table: 't', selection: null, y: 'y', x: ['x'] };
    const d = dpRelease(t, [r], 10);
    if (d.kind !== 'release') throw new Error(d.reason);
    const [out] = d.result as [TReleasedRegression];
    expect(out.coefficients!.x).toBeCloseTo(0.5, 1);
    expect(Math.abs(out.n! - n)).toBeLessThanOrEqual(10);
  });

  it('draws Laplace noise from a CSPRNG with the right scale', () => {
    const xs = laplaceNoise(3, 200_000);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const meanAbs = xs.reduce((s, x) => s + Math.abs(x), 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(meanAbs).toBeGreaterThan(2.95);
    expect(meanAbs).toBeLessThan(3.05);
    expect(xs.every(Number.isFinite)).toBe(true);
  });
});
