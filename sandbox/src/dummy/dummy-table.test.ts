import { describe, expect, it } from 'vitest';
import { hostSelection } from '../disclosure/row-filter.ts';
import { runInIsolate } from '../runner/run-in-isolate.ts';
import type { TColumnData, TTable } from '../types.ts';
import { DummyTableError, dummyTable, type TDummyColumn, type TDummySpec } from './index.ts';

const DISTRICTS = ['330102', '330105', '330106', '330108', '330109', '330110'];

const col = (name: string, type: TDummyColumn['type'], extra: Partial<TDummyColumn> = {}): TDummyColumn => ({
  name,
  type,
  nullable: false,
  sensitivity: 'public',
  ...extra,
});

/** A household survey's schema, with every kind of column. */
const HOUSEHOLDS: TDummyColumn[] = [
  col('household_id', 'string', { sensitivity: 'identifier' }),
  col('district', 'string', { codes: DISTRICTS }),
  col('age', 'integer', { min: 0, max: 110, hints: { distribution: 'normal', mean: 42, sd: 15 } }),
  col('income', 'number', {
    nullable: true,
    sensitivity: 'sensitive',
    min: 0,
    hints: { distribution: 'lognormal', mean: 6000, sd: 4000 },
  }),
  col('survey_month', 'integer', { min: 1, max: 12 }),
  col('size', 'integer', { min: 1, max: 9 }),
  col('rent', 'number', { min: 0, max: 5000, nullable: true }),
  col('has_car', 'boolean', { nullable: true }),
  col('surveyed_on', 'date', { nullable: true }),
  col('updated_at', 'timestamp'),
  col('comment', 'string', { nullable: true }),
];

const spec = (columns: TDummyColumn[], rows = 2000, seed = 'seed-1'): TDummySpec => ({
  name: 'households',
  key: 'dummy:households:v1',
  columns,
  rows,
  seed,
});

/** A column's values as plain JS, null where null. */
function valuesOf(table: TTable, name: string): (string | number | boolean | null)[] {
  const c: TColumnData = table.columns[name]!;
  if ('codes' in c) return Array.from(c.codes, (k) => (k < 0 ? null : c.dictionary[k]!));
  if (c.type === 'boolean') return Array.from(c.values, (v, i) => (c.nulls?.[i] ? null : v === 1));
  return Array.from(c.values, (v, i) => (c.nulls?.[i] ? null : v));
}

const nonNull = <T>(xs: (T | null)[]): T[] => xs.filter((x): x is T => x !== null);

function frequencies<T>(xs: T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return counts;
}

function moments(xs: number[]) {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
  const sorted = [...xs].sort((a, b) => a - b);
  return { mean, sd: Math.sqrt(variance), median: sorted[Math.floor(sorted.length / 2)]! };
}

describe('dummyTable', () => {
  it('gives the same table for the same spec and seed, and another for another seed', () => {
    const a = dummyTable(spec(HOUSEHOLDS));
    expect(dummyTable(spec(HOUSEHOLDS))).toEqual(a);
    const b = dummyTable(spec(HOUSEHOLDS, 2000, 'seed-2'));
    for (const c of HOUSEHOLDS) expect(valuesOf(b, c.name), c.name).not.toEqual(valuesOf(a, c.name));
  });

  it("draws each column from its own stream: a column's values do not depend on the others", () => {
    const all = dummyTable(spec(HOUSEHOLDS));
    const one = dummyTable(spec([HOUSEHOLDS[3]!]));
    expect(one.columns.income).toEqual(all.columns.income);
  });

  it('has the name, key, row count, columns and numeric bounds of the spec', () => {
    const t = dummyTable(spec(HOUSEHOLDS, 123));
    expect(t).toMatchObject({ name: 'households', key: 'dummy:households:v1', rowCount: 123 });
    expect(Object.keys(t.columns)).toEqual(HOUSEHOLDS.map((c) => c.name));
    for (const c of HOUSEHOLDS) {
      expect(t.columns[c.name]!.type).toBe(c.type);
      const data = t.columns[c.name]!;
      expect('codes' in data ? data.codes.length : data.values.length).toBe(123);
    }
    expect(t.bounds).toEqual({
      age: { min: 0, max: 110 },
      income: { min: 0 },
      survey_month: { min: 1, max: 12 },
      size: { min: 1, max: 9 },
      rent: { min: 0, max: 5000 },
    });
    expect(t.schema?.district).toEqual({ nullable: false, codes: DISTRICTS });
    expect(t.schema?.income).toEqual({ nullable: true });
    expect(Object.keys(t.schema ?? {})).toEqual(HOUSEHOLDS.map((c) => c.name));
    expect(dummyTable(spec(HOUSEHOLDS, 0)).rowCount).toBe(0);
  });

  describe('numeric columns', () => {
    const shapes: TDummyColumn[] = [
      col('triangular', 'number', { min: -50, max: 50 }),
      col('uniform', 'number', { min: 10, max: 20, hints: { distribution: 'uniform' } }),
      // Mean and sd that push most draws past a bound: redrawn, then clamped, never outside.
      col('normal_edge', 'integer', { min: 0, max: 10, hints: { distribution: 'normal', mean: 9, sd: 20 } }),
      col('lognormal_cap', 'number', {
        min: 100,
        max: 9000,
        hints: { distribution: 'lognormal', mean: 8000, sd: 9000 },
      }),
      col('only_min', 'integer', { min: 18 }),
      col('only_max', 'number', { max: -5 }),
      col('unbounded', 'number'),
      // Defaults of a lognormal come from the positive part of the range, here 0..100.
      col('lognormal_max', 'number', { max: 100, hints: { distribution: 'lognormal' } }),
      col('odd_bounds', 'integer', { min: 0.5, max: 7.5 }),
    ];
    const t = dummyTable(spec(shapes, 5000));

    it('stays within the bounds, whatever the shape', () => {
      for (const c of shapes) {
        const xs = nonNull(valuesOf(t, c.name)) as number[];
        expect(xs, c.name).toHaveLength(5000);
        const lo = Math.min(...xs);
        const hi = Math.max(...xs);
        if (c.min !== undefined) expect(lo, c.name).toBeGreaterThanOrEqual(c.min);
        if (c.max !== undefined) expect(hi, c.name).toBeLessThanOrEqual(c.max);
        expect(hi - lo, `${c.name} has spread`).toBeGreaterThan(1);
      }
    });

    it('makes integers whole and numbers two-decimal', () => {
      for (const c of shapes) {
        const xs = nonNull(valuesOf(t, c.name)) as number[];
        const isShaped =
          c.type === 'integer' ? Number.isInteger : (x: number) => Math.round(x * 100) / 100 === x;
        expect(xs.every(isShaped), c.name).toBe(true);
      }
      expect(nonNull(valuesOf(t, 'triangular')).some((x) => !Number.isInteger(x))).toBe(true);
    });

    it('without bounds or hints draws from a plausible range: 0..1000, or 1000 wide beside the one bound', () => {
      const range = (name: string) => {
        const xs = nonNull(valuesOf(t, name)) as number[];
        return [Math.min(...xs), Math.max(...xs)];
      };
      const [u0, u1] = range('unbounded');
      expect(u0).toBeGreaterThanOrEqual(0);
      expect(u1).toBeLessThanOrEqual(1000);
      expect(range('only_min')[1]).toBeLessThanOrEqual(1018);
      expect(range('only_max')[0]).toBeGreaterThanOrEqual(-1005);
    });

    it('covers a small integer range (months 1..12), even in few rows and under a narrow normal', () => {
      const months = [
        col('month', 'integer', { min: 1, max: 12 }),
        col('peaked', 'integer', { min: 1, max: 12, hints: { distribution: 'normal', mean: 6, sd: 1 } }),
      ];
      const small = dummyTable(spec(months, 60));
      for (const c of months) {
        expect(new Set(valuesOf(small, c.name)), c.name).toEqual(
          new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
        );
      }
      const peaked = moments(nonNull(valuesOf(dummyTable(spec(months, 20_000)), 'peaked')) as number[]);
      expect(Math.abs(peaked.mean - 6)).toBeLessThan(0.05);
    });

    it('gives a normal column the mean and sd of its hints', () => {
      const xs = nonNull(valuesOf(dummyTable(spec(HOUSEHOLDS, 20_000)), 'age')) as number[];
      const m = moments(xs);
      expect(Math.abs(m.mean - 42)).toBeLessThan(0.5);
      expect(Math.abs(m.sd - 15)).toBeLessThan(0.5);
    });

    it('gives a lognormal column the mean and sd of its hints as values, with the skew of a lognormal', () => {
      const xs = nonNull(valuesOf(dummyTable(spec(HOUSEHOLDS, 20_000)), 'income')) as number[];
      const m = moments(xs);
      expect(Math.abs(m.mean - 6000) / 6000).toBeLessThan(0.03);
      expect(Math.abs(m.sd - 4000) / 4000).toBeLessThan(0.08);
      // Median exp(mu) = mean / sqrt(1 + cv²) ≈ 4992; a normal of the same mean would have 6000.
      expect(Math.abs(m.median - 4992) / 4992).toBeLessThan(0.03);
      expect(Math.min(...xs)).toBeGreaterThan(0);
    });
  });

  describe('columns with codes', () => {
    it('hold only their codes, and every code of a short list', () => {
      const t = dummyTable(spec(HOUSEHOLDS));
      const districts = nonNull(valuesOf(t, 'district'));
      expect(new Set(districts)).toEqual(new Set(DISTRICTS));
      expect(districts).toHaveLength(2000);
    });

    it('never produce synthetic names, which only free-text columns have', () => {
      const t = dummyTable(spec(HOUSEHOLDS, 5000));
      const district = t.columns.district as { dictionary: string[] };
      expect(district.dictionary.every((d) => DISTRICTS.includes(d))).toBe(true);
      expect(nonNull(valuesOf(t, 'district')).some((v) => String(v).startsWith('district_'))).toBe(false);
      expect(nonNull(valuesOf(t, 'comment')).every((v) => /^comment_\d+$/.test(String(v)))).toBe(true);
    });

    it('draw integer codes for integer columns', () => {
      const codes = [1, 2, 3, 5, 8, 13, 21];
      const t = dummyTable(spec([col('grade', 'integer', { codes, min: 0, max: 30 })], 1000));
      expect(new Set(valuesOf(t, 'grade'))).toEqual(new Set(codes));
    });

    it('follow the weights, within a generous tolerance', () => {
      const weights = [50, 25, 12.5, 6.25, 6.25, 0];
      const rows = 40_000;
      const t = dummyTable(spec([col('district', 'string', { codes: DISTRICTS, hints: { weights } })], rows));
      const counts = frequencies(valuesOf(t, 'district'));
      const total = weights.reduce((s, w) => s + w, 0);
      DISTRICTS.forEach((d, j) => {
        expect(Math.abs((counts.get(d) ?? 0) / rows - weights[j]! / total), d).toBeLessThan(0.01);
      });
      expect(counts.has('330110')).toBe(false);
    });

    it('still contain a rare code in a small table, so a filter on it selects rows', () => {
      const codes = ['A', 'B', 'C', 'rare'];
      const t = dummyTable(
        spec([col('kind', 'string', { codes, hints: { weights: [1000, 1000, 1000, 1] } })], 200),
      );
      expect(new Set(valuesOf(t, 'kind'))).toEqual(new Set(codes));
    });

    it('draw dates and timestamps from their codes only', () => {
      const days = ['2024-01-31', '2024-02-29', '2024-03-31'];
      const t = dummyTable(spec([col('closing', 'date', { codes: days })], 500));
      expect(new Set(valuesOf(t, 'closing'))).toEqual(new Set(days));
    });
  });

  it('writes ISO dates and timestamps in recent years, with many distinct values', () => {
    const t = dummyTable(spec(HOUSEHOLDS, 3000));
    const dates = nonNull(valuesOf(t, 'surveyed_on')) as string[];
    const stamps = nonNull(valuesOf(t, 'updated_at')) as string[];
    expect(
      dates.every((d) => /^202[0-4]-\d\d-\d\d$/.test(d) && new Date(d).toISOString().startsWith(d)),
    ).toBe(true);
    expect(stamps.every((s) => /^202[0-4]-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(s))).toBe(true);
    expect(stamps.every((s) => new Date(s).toISOString() === s.replace('Z', '.000Z'))).toBe(true);
    expect(new Set(dates).size).toBeGreaterThan(500);
    const sorted = (t.columns.updated_at as { dictionary: string[] }).dictionary;
    expect(sorted).toEqual([...sorted].sort());
  });

  describe('nulls', () => {
    it('appear only in nullable columns, at about the default 5 %', () => {
      const t = dummyTable(spec(HOUSEHOLDS, 20_000));
      for (const c of HOUSEHOLDS) {
        const share = valuesOf(t, c.name).filter((v) => v === null).length / 20_000;
        if (c.nullable) expect(Math.abs(share - 0.05), c.name).toBeLessThan(0.01);
        else expect(share, c.name).toBe(0);
        const data = t.columns[c.name]!;
        if (!c.nullable && 'values' in data) {
          expect(data.nulls, c.name).toBeNull();
          if (data.type !== 'boolean') expect(data.values.some(Number.isNaN), c.name).toBe(false);
        }
      }
    });

    it('follow nullShare, are NaN in numeric columns, and are ignored on columns that are not nullable', () => {
      const cols = [
        col('a', 'number', { nullable: true, hints: { nullShare: 0.3 } }),
        col('b', 'string', { nullable: true, codes: ['x', 'y'], hints: { nullShare: 0.3 } }),
        col('c', 'integer', { nullable: true, hints: { nullShare: 0 } }),
        col('d', 'integer', { nullable: false, hints: { nullShare: 0.5 } }),
      ];
      const t = dummyTable(spec(cols, 10_000));
      const share = (name: string) => valuesOf(t, name).filter((v) => v === null).length / 10_000;
      expect(Math.abs(share('a') - 0.3)).toBeLessThan(0.02);
      expect(Math.abs(share('b') - 0.3)).toBeLessThan(0.02);
      expect(share('c')).toBe(0);
      expect(share('d')).toBe(0);
      const a = t.columns.a as { values: Float64Array; nulls: Uint8Array };
      expect(a.values.every((v, i) => Number.isNaN(v) === (a.nulls[i] === 1))).toBe(true);
    });
  });

  describe('identifier columns', () => {
    it('hold a distinct value per row, in the style household_id_000001', () => {
      const t = dummyTable(spec(HOUSEHOLDS, 5000));
      const ids = valuesOf(t, 'household_id') as string[];
      expect(new Set(ids).size).toBe(5000);
      expect(ids.every((v) => /^household_id_\d{6}$/.test(v))).toBe(true);
    });

    it('with codes: every code, then distinct values shaped like them, nulls aside', () => {
      const codes = ['H0001', 'H0002', 'H0003', 'H0007'];
      const cols = [col('hospital', 'string', { sensitivity: 'identifier', nullable: true, codes })];
      const ids = nonNull(valuesOf(dummyTable(spec(cols, 3000)), 'hospital')) as string[];
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBeGreaterThan(2700);
      expect(codes.every((c) => ids.includes(c))).toBe(true);
      expect(ids.every((v) => /^H\d{4}$/.test(v))).toBe(true);
      // A table smaller than the list: distinct codes only.
      const few = valuesOf(
        dummyTable(spec([col('h', 'string', { sensitivity: 'identifier', codes })], 3)),
        'h',
      );
      expect(new Set(few).size).toBe(3);
      expect(few.every((v) => codes.includes(v as string))).toBe(true);
    });

    it('are distinct integers within the bounds for numeric columns', () => {
      const cols = [
        col('person_no', 'integer', { sensitivity: 'identifier' }),
        col('bounded_no', 'integer', { sensitivity: 'identifier', min: 1000, max: 99_999 }),
        col('coded_no', 'integer', { sensitivity: 'identifier', codes: [7, 9, 11], min: 0 }),
      ];
      const t = dummyTable(spec(cols, 5000));
      for (const c of cols) {
        const xs = valuesOf(t, c.name) as number[];
        expect(new Set(xs).size, c.name).toBe(5000);
        expect(xs.every(Number.isInteger), c.name).toBe(true);
        if (c.min !== undefined) expect(Math.min(...xs), c.name).toBeGreaterThanOrEqual(c.min);
        if (c.max !== undefined) expect(Math.max(...xs), c.name).toBeLessThanOrEqual(c.max);
      }
      expect([7, 9, 11].every((v) => valuesOf(t, 'coded_no').includes(v))).toBe(true);
    });
  });

  describe('filters that work on the real data', () => {
    const t = dummyTable(spec(HOUSEHOLDS));

    it("select rows on the host: where district = '330106'", () => {
      const sel = hostSelection(t, [{ column: 'district', op: 'eq', value: '330106' }]);
      const selected = sel.reduce((s, x) => s + x, 0);
      expect(selected).toBeGreaterThan(2000 / DISTRICTS.length / 2);
      expect(selected).toBeLessThan(2000);
      const both = hostSelection(t, [
        { column: 'district', op: 'in', value: ['330102', '330110'] },
        { column: 'survey_month', op: 'eq', value: 12 },
        { column: 'age', op: 'gte', value: 18 },
      ]);
      expect(both.some((x) => x === 1)).toBe(true);
    });

    it('select rows in a script', async () => {
      const out = await runInIsolate({
        script: `const h = enclave.table('households');
          return [h.where('district', 'eq', '330106').rowCount, h.where('district', 'eq', '999999').rowCount];`,
        params: {},
        tables: [t],
        limits: { memoryMb: 128, cpuMs: 2000, wallMs: 10_000, maxResultBytes: 1 << 16 },
      });
      if (!out.ok) throw new Error(`${out.code}: ${out.errorMessage}`);
      const [hits, misses] = out.result as [number, number];
      expect(hits).toBeGreaterThan(0);
      expect(misses).toBe(0);
    });
  });

  describe('refuses a spec that contradicts itself', () => {
    const cases: [string, TDummySpec][] = [
      ['negative rows', spec(HOUSEHOLDS, -1)],
      ['fractional rows', spec(HOUSEHOLDS, 1.5)],
      ['a duplicate column', spec([col('a', 'string'), col('a', 'integer')])],
      ['min above max', spec([col('a', 'number', { min: 5, max: 1 })])],
      ['no integer in range', spec([col('a', 'integer', { min: 0.2, max: 0.8 })])],
      ['empty codes', spec([col('a', 'string', { codes: [] })])],
      ['string codes on an integer column', spec([col('a', 'integer', { codes: ['1'] })])],
      ['fractional codes on an integer column', spec([col('a', 'integer', { codes: [1.5] })])],
      ['number codes on a string column', spec([col('a', 'string', { codes: [330106] })])],
      ['a code outside the bounds', spec([col('a', 'integer', { codes: [1, 99], max: 10 })])],
      ['duplicate codes', spec([col('a', 'string', { codes: ['x', 'x'] })])],
      ['codes on a boolean', spec([col('a', 'boolean', { codes: ['x'] })])],
      ['codes on a number column', spec([col('a', 'number', { codes: [1.5] })])],
      ['weights without codes', spec([col('a', 'string', { hints: { weights: [1] } })])],
      ['too few weights', spec([col('a', 'string', { codes: ['x', 'y'], hints: { weights: [1] } })])],
      ['a negative weight', spec([col('a', 'string', { codes: ['x', 'y'], hints: { weights: [1, -1] } })])],
      ['zero weights', spec([col('a', 'string', { codes: ['x'], hints: { weights: [0] } })])],
      ['nullShare 1', spec([col('a', 'string', { nullable: true, hints: { nullShare: 1 } })])],
      ['a negative sd', spec([col('a', 'number', { hints: { sd: -1 } })])],
      [
        'a lognormal without a positive mean',
        spec([col('a', 'number', { hints: { distribution: 'lognormal', mean: 0 } })]),
      ],
      [
        'an unknown distribution',
        spec([col('a', 'number', { hints: { distribution: 'poisson' as 'normal' } })]),
      ],
    ];
    it.each(cases)('%s', (_, bad) => {
      const error = (() => {
        try {
          dummyTable(bad);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(DummyTableError);
      expect((error as DummyTableError).code).toBe('DUMMY_SPEC_INVALID');
    });

    it('names the column to blame', () => {
      expect(() => dummyTable(spec([col('rent', 'number', { min: 5, max: 1 })]))).toThrow(
        expect.objectContaining({ code: 'DUMMY_SPEC_INVALID', column: 'rent' }),
      );
    });
  });
});
