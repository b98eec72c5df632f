import { describe, expect, it } from 'vitest';
import type { TAggregateRequest } from '../types.ts';
import { DisclosureError } from './errors.ts';
import { releaseRun } from './release-run.ts';
import { buildTable, groupBy, input, marker, num, policy, str } from './test/build-table.ts';

const table = buildTable('t', {
  name: str(Array.from({ length: 40 }, (_, i) => `person-${i}`)),
  g: str(Array.from({ length: 40 }, (_, i) => (i < 20 ? 'a' : 'b'))),
  wage: num(
    Array.from({ length: 40 }, (_, i) => 1000 + i * 37),
    { min: 0, max: 10_000 },
  ),
  free: num(Array.from({ length: 40 }, (_, i) => i)),
});
const count = groupBy(1, 't', ['g'], [{ fn: 'count' }]);

function decide(result: unknown, aggregates: TAggregateRequest[] = [count], labels: string[] = []) {
  return releaseRun(input(result, aggregates, [table], { labels }));
}

describe('releaseRun: what goes to review', () => {
  const cases: [string, unknown, RegExp][] = [
    ['a bare number', 40, /a bare number/],
    ['a string', 'person-3', /a string/],
    ['a boolean', true, /a boolean/],
    ['a null', null, /a null/],
    ['a row', { name: 'person-3', wage: 1111 }, /a bare number; a string/],
    ['an array of values', [1000, 1037, 1074], /a bare number/],
    ['a marker beside a number', [marker(1), 40], /a bare number/],
    ['a key not in the script or params', { 'person-3': marker(1) }, /object key that is not a literal/],
    ['a forged id', { byGroup: marker(2) }, /id the SDK did not record/],
    ['a string id', { byGroup: { $aggregate: '1' } }, /malformed/],
    ['a marker with extra keys', { byGroup: { $aggregate: 1, n: 40 } }, /malformed/],
  ];
  for (const [what, result, reason] of cases) {
    it(`holds ${what}`, () => {
      const d = decide(result, [count], ['byGroup', 'name', 'wage']);
      expect(d.kind).toBe('review');
      if (d.kind !== 'review') return;
      expect(d.reason).toMatch(reason);
      // The reason is shown to the operator: it must not echo what the script returned.
      expect(d.reason).not.toMatch(/person-3|1111|1037/);
    });
  }

  for (const fn of ['min', 'max', 'median'] as const) {
    it(`holds a ${fn} measure: it reveals a single row's value`, () => {
      const agg = groupBy(1, 't', ['g'], [{ fn: 'count' }, { fn, column: 'wage' }]);
      const d = decide({ byGroup: marker(1) }, [agg], ['byGroup']);
      expect(d.kind).toBe('review');
      if (d.kind !== 'review') return;
      expect(d.reason).toContain(`a ${fn} measure`);
      const host = (d.hostResult as { byGroup: { rows: unknown[][] } }).byGroup;
      expect(host.rows[0]![2]).toBe(fn === 'min' ? 1000 : fn === 'max' ? 1000 + 19 * 37 : 1000 + 9.5 * 37);
    });
  }

  it('gives the reviewer the exact host result, markers replaced, nothing suppressed', () => {
    const d = decide({ byGroup: marker(1), total: 40 }, [count], ['byGroup', 'total']);
    expect(d).toMatchObject({
      kind: 'review',
      hostResult: {
        byGroup: {
          columns: ['g', 'count'],
          rows: [
            ['a', 20],
            ['b', 20],
          ],
          n: [20, 20],
        },
        total: 40,
      },
    });
  });

  it('holds a regression whose x columns are collinear', () => {
    const x1 = Array.from({ length: 100 }, (_, i) => i % 17);
    const t2 = buildTable('r', { x1: num(x1), x2: num(x1.map((v) => 3 * v)), y: num(x1.map((v) => v + 1)) });
    const reg: TAggregateRequest = {
      id: 5,
      kind: 'regression',
      table: 'r',
      selection: null,
      y: 'y',
      x: ['x1', 'x2'],
    };
    const d = releaseRun(input(marker(5), [reg], [t2]));
    expect(d.kind).toBe('review');
    if (d.kind === 'review') expect(d.reason).toMatch(/collinear/);
  });

  it('releases markers nested in arrays and objects under allowed keys, and an empty array', () => {
    const d = decide({ byGroup: [marker(1), { again: marker(1) }] }, [count], ['byGroup', 'again']);
    expect(d.kind).toBe('release');
    expect(decide([]).kind).toBe('release');
  });

  it('keeps __proto__ a plain key of the released result', () => {
    const result = JSON.parse('{"__proto__": {"$aggregate": 1}}');
    const d = decide(result, [count], ['__proto__']);
    expect(d.kind).toBe('release');
    if (d.kind !== 'release') return;
    expect(Object.getPrototypeOf(d.result)).toBe(Object.prototype);
    expect(Object.hasOwn(d.result as object, '__proto__')).toBe(true);
  });

  it('throws stable codes for a malformed policy or aggregates the host cannot compute', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof DisclosureError ? e.code : 'other';
      }
      return 'none';
    };
    const bad = (p: Partial<ReturnType<typeof policy>>) =>
      code(() => releaseRun(input(marker(1), [count], [table], { policy: policy(p) })));
    expect(bad({ minCellCount: 0 })).toBe('DISCLOSURE_INVALID_POLICY');
    expect(bad({ rounding: 2.5 })).toBe('DISCLOSURE_INVALID_POLICY');
    expect(bad({ cellKeySecret: new Uint8Array(4) })).toBe('DISCLOSURE_INVALID_POLICY');
    expect(bad({ dp: { epsilon: 0 } })).toBe('DISCLOSURE_INVALID_POLICY');
    expect(code(() => decide(marker(1), [count, count]))).toBe('DISCLOSURE_INVALID_REQUEST');
    expect(code(() => decide(marker(1), [groupBy(1, 'x', [], [{ fn: 'count' }])]))).toBe(
      'DISCLOSURE_UNKNOWN_TABLE',
    );
  });
});
