import { describe, expect, it } from 'vitest';
import type { TAggregateRequest, TTable } from '../types.ts';
import { countNoise, unitNoise } from './cell-key.ts';
import { computeAggregate } from './compute-aggregate.ts';
import { recordKeys } from './record-keys.ts';
import { releaseRun } from './release-run.ts';
import { buildTable, groupBy, input, marker, num, policy, seeded, select, str } from './test/build-table.ts';
import type { THostGroupBy, THostRegression, TReleasedGroupBy, TReleasedRegression } from './types.ts';

const MAX_WAGE = 100_000;

function wages(
  rows: number,
  seed: number,
  key = 'wages:v1',
): { table: TTable; wage: number[]; district: string[] } {
  const rnd = seeded(seed);
  const district = Array.from({ length: rows }, () => `d${Math.floor(rnd() * 30)}`);
  const wage = Array.from({ length: rows }, () => Math.round(rnd() * MAX_WAGE));
  const table = buildTable('w', { district: str(district), wage: num(wage, { min: 0, max: MAX_WAGE }) }, key);
  return { table, wage, district };
}

const measures: Extract<TAggregateRequest, { kind: 'groupBy' }>['measures'] = [
  { fn: 'count' },
  { fn: 'sum', column: 'wage' },
  { fn: 'mean', column: 'wage' },
  { fn: 'stddev', column: 'wage' },
];

function released(table: TTable, reqs: TAggregateRequest[], p = policy()) {
  const d = releaseRun(
    input(
      reqs.map((r) => marker(r.id)),
      reqs,
      [table],
      { policy: p },
    ),
  );
  if (d.kind !== 'release') throw new Error(d.reason);
  return { out: d.result as TReleasedGroupBy[], report: d.report };
}

describe('releaseRun: cell-key perturbation and rounding', () => {
  const { table } = wages(3000, 1);
  const req = groupBy(1, 'w', ['district'], measures);
  const host = computeAggregate(req, [table]) as THostGroupBy;

  it('rounds released counts to multiples of 5, within the noise of the true count', () => {
    const { out, report } = released(table, [req]);
    const rows = out[0]!.rows;
    expect(rows).toHaveLength(host.rows.length);
    for (const [i, row] of rows.entries()) {
      const count = row[1] as number;
      expect(count % 5).toBe(0);
      expect(Math.abs(count - (host.rows[i]![1] as number))).toBeLessThanOrEqual(2 + 2.5);
    }
    expect(report.rounded).toBe(rows.length);
    expect(report.perturbed).toBe(rows.length * 4);
    expect(report.notes.join(' ')).toMatch(/multiples of 5/);
    const unrounded = released(table, [req], policy({ rounding: 1 })).out[0]!.rows;
    expect(unrounded.some((r) => (r[1] as number) % 5 !== 0)).toBe(true);
  });

  it('adds noise of one row’s range to sums and keeps means and stddevs within the bounds', () => {
    const rows = released(table, [req]).out[0]!.rows;
    let changed = 0;
    for (const [i, row] of rows.entries()) {
      const [, , sum, mean, sd] = row as number[];
      const trueSum = host.rows[i]![2] as number;
      expect(Math.abs(sum! - trueSum)).toBeLessThanOrEqual(Math.sqrt(3) * MAX_WAGE);
      if (sum !== trueSum) changed++;
      expect(mean).toBeGreaterThanOrEqual(0);
      expect(mean).toBeLessThanOrEqual(MAX_WAGE);
      expect(sd).toBeGreaterThanOrEqual(0);
      expect(sd).toBeLessThanOrEqual(MAX_WAGE);
    }
    expect(changed).toBe(rows.length);
  });

  it('gives the same output for the same query, also on a fresh copy of the table', () => {
    const a = released(table, [req]);
    const b = released(table, [req]);
    const c = released(wages(3000, 1).table, [req]);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    const otherSecret = released(table, [req], policy({ cellKeySecret: new Uint8Array(32).fill(8) }));
    expect(otherSecret.out).not.toEqual(a.out);
  });

  it('gives the same noise to the same set of rows however it is asked for', () => {
    const byDistrict = released(table, [req]).out[0]!;
    const col = table.columns.district as { codes: Int32Array; dictionary: string[] };
    const d3 = select(table.rowCount, (i) => col.codes[i] === col.dictionary.indexOf('d3'));
    const alone = released(table, [groupBy(2, 'w', [], measures, d3)]).out[0]!;
    expect(alone.rows[0]).toEqual(byDistrict.rows.find((r) => r[0] === 'd3')!.slice(1));
  });

  it('draws record keys that look uniform and caches them on the table', () => {
    const keys = recordKeys(table, policy().cellKeySecret);
    expect(recordKeys(table, policy().cellKeySecret)).toBe(keys);
    const mean = keys.hi.reduce((a, k) => a + k / 2 ** 32, 0) / keys.hi.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(new Set(keys.hi).size).toBe(keys.hi.length);
  });

  it('uses a symmetric count noise of variance 1.2 and unit-variance magnitude noise', () => {
    const us = Array.from({ length: 100_000 }, (_, i) => (i + 0.5) / 100_000);
    const c = us.map(countNoise);
    expect(c.reduce((a, b) => a + b, 0)).toBe(0);
    expect(c.reduce((a, b) => a + b * b, 0) / us.length).toBeCloseTo(1.2, 3);
    const z = us.map(unitNoise);
    expect(z.reduce((a, b) => a + b * b, 0) / us.length).toBeCloseTo(1, 3);
  });
});

describe('releaseRun: the differencing attack', () => {
  // One large group (everyone), and the same group minus one chosen person.
  const rows = 2000;
  const { table, wage } = wages(rows, 7);
  const rnd = seeded(99);
  const persons = Array.from({ length: 300 }, () => Math.floor(rnd() * rows));
  const all = (id: number) =>
    groupBy(id, 'w', [], [{ fn: 'count' }, { fn: 'sum', column: 'wage' }, { fn: 'mean', column: 'wage' }]);
  const allBut = (id: number, p: number) =>
    groupBy(
      id,
      'w',
      [],
      [{ fn: 'count' }, { fn: 'sum', column: 'wage' }, { fn: 'mean', column: 'wage' }],
      select(rows, (i) => i !== p),
    );

  it('works on unprotected numbers: the difference of the sums is the person’s wage', () => {
    for (const p of persons.slice(0, 50)) {
      const a = computeAggregate(all(1), [table]) as THostGroupBy;
      const b = computeAggregate(allBut(2, p), [table]) as THostGroupBy;
      expect((a.rows[0]![1] as number) - (b.rows[0]![1] as number)).toBe(wage[p]);
      expect(
        (a.rows[0]![2] as number) * (a.rows[0]![0] as number) -
          (b.rows[0]![2] as number) * (b.rows[0]![0] as number),
      ).toBeCloseTo(wage[p]!, 4);
    }
  });

  it('fails on released numbers: the difference is the wage plus noise the size of the whole wage range', () => {
    const errors: number[] = [];
    const guesses: number[] = [];
    for (const p of persons) {
      const { out } = released(table, [all(1), allBut(2, p)]);
      const [a, b] = out.map((t) => t.rows[0] as number[]);
      errors.push(a![1]! - b![1]! - wage[p]!);
      guesses.push(a![1]! - b![1]!);
      // Repeating the pair gains nothing: the same rows give the same noise.
      expect(released(table, [all(1), allBut(2, p)]).out).toEqual(out);
    }
    const near = errors.filter((e) => Math.abs(e) < 0.02 * MAX_WAGE).length / errors.length;
    expect(near).toBeLessThan(0.05);
    const meanAbs = errors.reduce((s, e) => s + Math.abs(e), 0) / errors.length;
    expect(meanAbs).toBeGreaterThan(0.5 * MAX_WAGE);
    // The guess explains little of the wage: correlation well below what an attacker needs.
    const xs = persons.map((p) => wage[p]!);
    expect(Math.abs(correlation(xs, guesses))).toBeLessThan(0.45);
    // A guess falls outside the possible range [0, MAX_WAGE] often: the noise dwarfs the value.
    expect(guesses.filter((g) => g < 0 || g > MAX_WAGE).length / guesses.length).toBeGreaterThan(0.3);
  });

  it('fails on counts too: "everyone" minus "everyone but p" is not reliably 1', () => {
    const diffs = new Set<number>();
    for (const p of persons.slice(0, 100)) {
      const { out } = released(table, [all(1), allBut(2, p)]);
      diffs.add((out[0]!.rows[0]![0] as number) - (out[1]!.rows[0]![0] as number));
    }
    expect(diffs.has(1)).toBe(false);
    expect(diffs.size).toBeGreaterThan(1);
  });
});

describe('releaseRun: regression', () => {
  it('releases coefficients near the exact fit, from perturbed statistics, and a rounded n', () => {
    const rnd = seeded(5);
    const n = 3000;
    const x1 = Array.from({ length: n }, () => rnd() * 100);
    const x2 = Array.from({ length: n }, () => rnd() * 10);
    const table = buildTable('t', {
      x1: num(x1, { min: 0, max: 100 }),
      x2: num(x2, { min: 0, max: 10 }),
      y: num(
        x1.map((a, i) => 5 + 2 * a + 3 * x2[i]!),
        { min: 0, max: 250 },
      ),
    });
    const reg: TAggregateRequest = {
      id: 1,
      kind: 'regression',
      table: 't',
      selection: null,
      y: 'y',
      x: ['x1', 'x2'],
    };
    const exact = computeAggregate(reg, [table]) as THostRegression;
    expect(exact.coefficients!.x1).toBeCloseTo(2, 9);
    const d = releaseRun(input(marker(1), [reg], [table]));
    expect(d.kind).toBe('release');
    const out = (d as { result: TReleasedRegression }).result;
    expect(out.n! % 5).toBe(0);
    expect(Math.abs(out.n! - n)).toBeLessThanOrEqual(5);
    expect(out.coefficients!.x1).toBeCloseTo(2, 1);
    expect(out.coefficients!.x2).toBeCloseTo(3, 0);
    expect(out.coefficients!.intercept).not.toBe(exact.coefficients!.intercept);
    expect(Math.abs(out.coefficients!.intercept - 5)).toBeLessThan(5);
  });
});

function correlation(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
