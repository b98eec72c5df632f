import { describe, expect, it } from 'vitest';
import { MAX_CODE_LENGTH, MAX_CODES, ZColumn } from './dataset-schema.ts';

const base = { name: 'v', sensitivity: 'public' } as const;

/** The paths and messages of the issues a column gets, or [] when it is valid. */
function issuesOf(column: Record<string, unknown>): [string, string][] {
  const result = ZColumn.safeParse({ ...base, ...column });
  return result.success ? [] : result.error.issues.map((i) => [i.path.join('.'), i.message]);
}
const pathsOf = (column: Record<string, unknown>) => issuesOf(column).map(([path]) => path);

describe('ZColumn: codes', () => {
  it('accepts a code list of the right type for the column', () => {
    for (const column of [
      { type: 'string', codes: ['330102', '330105', '企业职工', 'x'.repeat(MAX_CODE_LENGTH)] },
      { type: 'integer', codes: [2021, 2022, 2023], min: 2000, max: 2100 },
      { type: 'integer', codes: [-9007199254740991, 0, 9007199254740991] },
      { type: 'date', codes: ['2024-02-29', '2023-12-31'] },
      { type: 'timestamp', codes: ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.123456Z'] },
      { type: 'string', codes: Array.from({ length: MAX_CODES }, (_, i) => `c${i}`) },
    ]) {
      expect(issuesOf(column), JSON.stringify(column).slice(0, 80)).toEqual([]);
    }
  });

  it.each([
    ['a number column', { type: 'number', codes: [1, 2] }, 'codes'],
    ['a boolean column', { type: 'boolean', codes: ['true'] }, 'codes'],
    ['an empty list', { type: 'string', codes: [] }, 'codes'],
    [
      'too many codes',
      { type: 'string', codes: Array.from({ length: MAX_CODES + 1 }, (_, i) => `c${i}`) },
      'codes',
    ],
    ['a number code on a string column', { type: 'string', codes: ['a', 1] }, 'codes.1'],
    ['a string code on an integer column', { type: 'integer', codes: [1, '2'] }, 'codes.1'],
    ['a fraction on an integer column', { type: 'integer', codes: [1, 2.5] }, 'codes.1'],
    ['an unsafe integer', { type: 'integer', codes: [9007199254740992] }, 'codes.0'],
    ['an integer below min', { type: 'integer', min: 2000, codes: [2021, 1999] }, 'codes.1'],
    ['an integer above max', { type: 'integer', max: 2100, codes: [2101] }, 'codes.0'],
    ['a duplicate string', { type: 'string', codes: ['a', 'b', 'a'] }, 'codes.2'],
    ['a duplicate integer', { type: 'integer', codes: [7, 7] }, 'codes.1'],
    ['an impossible date', { type: 'date', codes: ['2023-02-29'] }, 'codes.0'],
    ['a date with a time', { type: 'date', codes: ['2024-01-01T00:00:00Z'] }, 'codes.0'],
    ['a timestamp with an offset', { type: 'timestamp', codes: ['2024-01-01T08:00:00+08:00'] }, 'codes.0'],
    ['a timestamp without a zone', { type: 'timestamp', codes: ['2024-01-01T08:00:00'] }, 'codes.0'],
    [
      'a timestamp past microseconds',
      { type: 'timestamp', codes: ['2024-01-01T00:00:00.1234567Z'] },
      'codes.0',
    ],
    [
      'the same instant twice',
      { type: 'timestamp', codes: ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000Z'] },
      'codes.1',
    ],
    ['a NUL character', { type: 'string', codes: ['a\u0000b'] }, 'codes.0'],
    ['an empty string', { type: 'string', codes: [''] }, 'codes.0'],
    ['a string too long', { type: 'string', codes: ['x'.repeat(MAX_CODE_LENGTH + 1)] }, 'codes.0'],
    ['a code that is an object', { type: 'string', codes: [{ a: 1 }] }, 'codes.0'],
  ])('refuses %s, naming %s', (_name, column, path) => {
    const issues = issuesOf(column);
    expect(issues.map(([p]) => p)).toEqual([path]);
    expect(issues[0]![1]).not.toBe('');
  });

  it('says what is wrong in words', () => {
    expect(issuesOf({ type: 'integer', max: 2100, codes: [2101] })).toEqual([
      ['codes.0', 'code 2101 is above the maximum 2100'],
    ]);
    expect(issuesOf({ type: 'string', codes: ['a', 'a'] })).toEqual([['codes.1', 'duplicate code "a"']]);
    expect(issuesOf({ type: 'number', codes: [1] })).toEqual([
      ['codes', 'codes apply to string, integer, date and timestamp columns only'],
    ]);
  });
});

describe('ZColumn: hints', () => {
  it('accepts hints that fit the column', () => {
    for (const column of [
      {
        type: 'number',
        min: 0,
        max: 100,
        nullable: true,
        hints: { distribution: 'lognormal', mean: 20, sd: 10, nullShare: 0 },
      },
      { type: 'integer', hints: { distribution: 'normal', mean: -5, sd: 0.1 } },
      { type: 'string', codes: ['a', 'b'], hints: { weights: [0, 3] } },
      { type: 'integer', codes: [1, 2, 3], hints: { weights: [1, 1, 1], mean: 2, distribution: 'uniform' } },
      { type: 'date', nullable: true, hints: { nullShare: 0.99 } },
      { type: 'boolean', hints: {} },
    ]) {
      expect(issuesOf(column), JSON.stringify(column)).toEqual([]);
    }
  });

  it.each([
    ['an unknown distribution', { type: 'number', hints: { distribution: 'poisson' } }, 'hints.distribution'],
    [
      'a distribution on a string column',
      { type: 'string', hints: { distribution: 'normal' } },
      'hints.distribution',
    ],
    ['a mean on a date column', { type: 'date', hints: { mean: 1 } }, 'hints.mean'],
    ['an sd on a boolean column', { type: 'boolean', hints: { sd: 1 } }, 'hints.sd'],
    ['an sd of 0', { type: 'number', hints: { sd: 0 } }, 'hints.sd'],
    ['a negative sd', { type: 'number', hints: { sd: -1 } }, 'hints.sd'],
    ['a mean below min', { type: 'number', min: 0, max: 10, hints: { mean: -1 } }, 'hints.mean'],
    ['a mean above max', { type: 'integer', min: 0, max: 10, hints: { mean: 11 } }, 'hints.mean'],
    [
      'a lognormal mean of 0',
      { type: 'number', hints: { distribution: 'lognormal', mean: 0 } },
      'hints.mean',
    ],
    [
      'lognormal under a max of 0',
      { type: 'number', max: 0, hints: { distribution: 'lognormal' } },
      'hints.distribution',
    ],
    ['weights without codes', { type: 'string', hints: { weights: [1] } }, 'hints.weights'],
    [
      'weights of another length',
      { type: 'string', codes: ['a', 'b'], hints: { weights: [1] } },
      'hints.weights',
    ],
    ['weights all 0', { type: 'string', codes: ['a', 'b'], hints: { weights: [0, 0] } }, 'hints.weights'],
    [
      'a negative weight',
      { type: 'string', codes: ['a', 'b'], hints: { weights: [1, -1] } },
      'hints.weights.1',
    ],
    ['a nullShare on a required column', { type: 'string', hints: { nullShare: 0.1 } }, 'hints.nullShare'],
    ['a nullShare of 1', { type: 'string', nullable: true, hints: { nullShare: 1 } }, 'hints.nullShare'],
    [
      'a negative nullShare',
      { type: 'string', nullable: true, hints: { nullShare: -0.1 } },
      'hints.nullShare',
    ],
    ['an unknown hint', { type: 'number', hints: { skew: 1 } }, 'hints'],
    ['an infinite mean', { type: 'number', hints: { mean: Number.POSITIVE_INFINITY } }, 'hints.mean'],
  ])('refuses %s, naming %s', (_name, column, path) => {
    expect(pathsOf(column)).toEqual([path]);
  });
});
