import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { TColumn } from '../catalogue/dataset-schema.ts';
import { encodeUpload, type TEncodeOptions, UploadRejected } from '../ingest/encode-upload.ts';
import type { TRowError } from '../ingest/upload-errors.ts';
import type { ZQualityRule } from './quality-rules.ts';
import type { TRuleResult } from './rule-checker.ts';

type TQualityRule = z.input<typeof ZQualityRule>;

const col = (name: string, type: TColumn['type'], rules: TQualityRule[] = [], nullable = true): TColumn => ({
  name,
  type,
  nullable,
  description: '',
  sensitivity: 'public',
  ...(rules.length ? { rules: rules as TColumn['rules'] } : {}),
});

type TRun = { errors?: TRowError[]; rowCount?: number; quality?: TRuleResult[] };

async function run(text: string, columns: TColumn[], opts: Partial<TEncodeOptions> = {}): Promise<TRun> {
  async function* body() {
    yield new TextEncoder().encode(text);
  }
  const { chunks, summary } = encodeUpload(body(), { format: 'csv', columns, version: 1, ...opts });
  try {
    for await (const _ of chunks);
  } catch (err) {
    if (err instanceof UploadRejected) return { errors: err.errors };
    throw err;
  }
  return summary();
}

const w = (r: TQualityRule) => ({ ...r, severity: 'warning' as const });
const e = (r: TQualityRule) => ({ ...r, severity: 'error' as const });

describe('quality rules at ingest', () => {
  const id = '11010519491231002X';
  const badId = '110105194912310021';
  const kinds: [string, TColumn['type'], TQualityRule, string, string][] = [
    ['pattern', 'string', { kind: 'pattern', pattern: '[A-Z]{2}\\d{2}' }, 'AB12', 'AB123'],
    ['codes', 'integer', { kind: 'codes', codes: [1, 2] }, '002', '3'],
    ['range', 'number', { kind: 'range', min: 0, max: 10 }, '10', '10.5'],
    ['range of dates', 'date', { kind: 'range', min: '2024-01-01' }, '2024-01-01', '2023-12-31'],
    ['idCard', 'string', { kind: 'idCard' }, id, badId],
    ['uscc', 'string', { kind: 'uscc' }, '91350100M000100Y43', '91350100M000100Y44'],
  ];

  for (const [name, type, rule, good, bad] of kinds) {
    it(`${name}: an error refuses the failing line, a warning counts it`, async () => {
      const columns = [col('n', 'integer'), col('v', type, [e(rule)])];
      const csv = `n,v\n1,${good}\n2,\n3,${bad}\n`;
      expect((await run(csv, columns)).errors).toEqual([
        { line: 4, column: 'v', reason: expect.any(String) },
      ]);
      // The same in another header order, and in NDJSON.
      expect((await run(`v,n\n${good},1\n${bad},3\n`, columns)).errors?.[0]?.line).toBe(3);
      const json = (v: string) => (type === 'integer' || type === 'number' ? Number(v) : v);
      const nd = `{"n":1,"v":${JSON.stringify(json(good))}}\n{"n":3,"v":${JSON.stringify(json(bad))}}\n`;
      expect((await run(nd, columns, { format: 'ndjson' })).errors?.[0]?.line).toBe(2);

      const warned = await run(csv, [col('n', 'integer'), col('v', type, [w(rule)])], { keepExamples: true });
      expect(warned.rowCount).toBe(3);
      expect(warned.quality).toEqual([
        {
          column: 'v',
          rule: 0,
          kind: rule.kind,
          severity: 'warning',
          checked: 2,
          failing: 1,
          examples: [{ line: 4, value: bad }],
        },
      ]);
    });
  }

  it('required refuses null and, in NDJSON, empty strings', async () => {
    const columns = [col('v', 'string', [e({ kind: 'required' })])];
    // A blank line is skipped; `""` is NULL in CSV.
    expect((await run('v\na\n\n"x"\n""\n', columns)).errors).toEqual([
      { line: 5, column: 'v', reason: 'required (null or empty)' },
    ]);
    expect((await run('k,v\n1,a\n2,\n', [col('k', 'integer'), ...columns])).errors).toEqual([
      { line: 3, column: 'v', reason: 'required (null or empty)' },
    ]);
    expect((await run('{"v":"a"}\n{"v":""}\n{}\n', columns, { format: 'ndjson' })).errors).toEqual([
      { line: 2, column: 'v', reason: 'required (null or empty)' },
      { line: 3, column: 'v', reason: 'required (null or empty)' },
    ]);
  });

  it('unique names the line that held the value first; integers compare by value', async () => {
    const columns = [col('v', 'integer', [e({ kind: 'unique' })])];
    expect((await run('v\n7\n8\n007\n', columns)).errors).toEqual([
      { line: 4, column: 'v', reason: 'a value already seen on line 2' },
    ]);
    const seeded = await run('v\n8\n', columns, { uniqueSeeds: new Map([['v', ['8']]]) });
    expect(seeded.errors).toEqual([{ line: 2, column: 'v', reason: 'a value already in the dataset' }]);
    const warned = await run('v\n7\n7\n7\n', [col('v', 'integer', [w({ kind: 'unique' })])]);
    expect(warned.quality?.[0]).toMatchObject({ checked: 3, failing: 2 });
    expect(warned.quality?.[0]?.examples).toBeUndefined();
  });

  it('compare checks rows where both sides are non-null', async () => {
    const columns = [
      col('start', 'date'),
      col('end', 'date', [w({ kind: 'compare', op: '>=', column: 'start' })]),
      col('a', 'integer'),
      col('b', 'number', [e({ kind: 'compare', op: '<', column: 'a' })]),
    ];
    const csv =
      'start,end,a,b\n2024-01-01,2024-01-02,10,9.5\n2024-01-03,2024-01-02,10,\n,2024-01-01,,1\n"2024-02-01",2024-01-01,3,2\n';
    const result = await run(csv, columns, { keepExamples: true });
    expect(result.quality).toEqual([
      {
        column: 'end',
        rule: 0,
        kind: 'compare',
        severity: 'warning',
        checked: 3,
        failing: 2,
        examples: [
          { line: 3, value: '2024-01-02', other: '2024-01-03' },
          { line: 5, value: '2024-01-01', other: '2024-02-01' },
        ],
      },
      { column: 'b', rule: 0, kind: 'compare', severity: 'error', checked: 2, failing: 0 },
    ]);
    expect((await run('start,end,a,b\n,,10,10\n', columns)).errors).toEqual([
      { line: 2, column: 'b', reason: 'not < a' },
    ]);
  });

  it('quoted fields are checked as their value', async () => {
    const columns = [col('v', 'string', [e({ kind: 'pattern', pattern: 'a"b,c' })])];
    expect((await run('v\n"a""b,c"\n', columns)).rowCount).toBe(1);
    expect((await run('v\n"a""b,d"\n', columns)).errors?.[0]?.line).toBe(2);
  });

  it('a pattern that backtracks catastrophically in other engines runs in linear time', async () => {
    const columns = [col('v', 'string', [w({ kind: 'pattern', pattern: '(a+)+$' })])];
    const started = performance.now();
    const result = await run(`v\n${'a'.repeat(5000)}!\n`, columns);
    expect(result.quality?.[0]).toMatchObject({ checked: 1, failing: 1 });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('numbers are compared as PostgreSQL reads them, to the last bit', async () => {
    const columns = [
      col('v', 'number', [w({ kind: 'range', min: -0.1, max: 0.3 })]),
      col('u', 'number', [w({ kind: 'compare', op: '=', column: 'v' })]),
    ];
    const rows = [
      ['0.3', '0.30'],
      ['0.30000000000000004', '0.3'],
      ['-0.1', '-0.10'],
      ['-0.10000000000000001', '-1e-1'],
      ['-0.100000000000001', '0'],
      ['3e-1', '.3'],
      ['123456789012345.6', '123456789012345.6'],
      ['-0', '0'],
    ];
    const result = await run(`v,u\n${rows.map((r) => r.join(',')).join('\n')}\n`, columns);
    expect(result.quality?.map((q) => q.failing)).toEqual([3, 2]);
  });
});
