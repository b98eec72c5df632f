import { describe, expect, it } from 'vitest';
import type { TAggregateRequest, TTable } from '../types.ts';
import { computeAggregate } from './compute-aggregate.ts';
import { releaseRun } from './release-run.ts';
import { buildTable, groupBy, input, marker, num, seeded, str } from './test/build-table.ts';
import type { THostGroupBy, TReleasedGroupBy, TReleasedHistogram, TReleasedRegression } from './types.ts';

const MIN = 10;

/** Repeats each [value, times] pair. */
function repeat<T>(pairs: [T, number][]): T[] {
  return pairs.flatMap(([v, k]) => Array.from({ length: k }, () => v));
}

function release(result: unknown, aggregates: TAggregateRequest[], tables: TTable[], labels: string[] = []) {
  const d = releaseRun(input(result, aggregates, tables, { labels }));
  if (d.kind !== 'release') throw new Error(`expected a release, got review: ${d.reason}`);
  return d;
}

/**
 * What an attacker who knows every released cell exactly (no noise at all) still cannot see:
 * for the fine table's cells inside each cell of a coarser table, the rows of the hidden fine
 * cells (suppressed values or withheld groups). Safe: nothing hidden, or at least MIN rows hidden,
 * or everything hidden including the coarse cell.
 */
function checkRelations(
  host: { fine: THostGroupBy; coarse: THostGroupBy; fineCols: number; coarseCols: number },
  released: { fine: TReleasedGroupBy; coarse: TReleasedGroupBy | null },
  valueColumn: number,
) {
  const key = (row: unknown[], cols: number[]) => JSON.stringify(cols.map((c) => row[c]));
  const coarseNames = host.coarse.columns.slice(0, host.coarseCols);
  const at = coarseNames.map((c) => host.fine.columns.indexOf(c));
  const shownFine = new Map(
    released.fine.rows.map((r) => [
      key(r, [...Array(host.fineCols).keys()]),
      r[valueColumn + host.fineCols] !== null,
    ]),
  );
  const shownCoarse = released.coarse
    ? new Map(
        released.coarse.rows.map((r) => [
          key(r, [...Array(host.coarseCols).keys()]),
          r[valueColumn + host.coarseCols] !== null,
        ]),
      )
    : null;
  for (const crow of host.coarse.rows) {
    const ck = key(crow, [...Array(host.coarseCols).keys()]);
    const fines = host.fine.rows
      .map((r, i) => ({ r, n: host.fine.n[i]! }))
      .filter(({ r }) => key(r, at) === ck);
    const hidden = fines.filter(({ r }) => !shownFine.get(key(r, [...Array(host.fineCols).keys()])));
    const hiddenRows = hidden.reduce((a, f) => a + f.n, 0);
    const isCoarseHidden = shownCoarse ? !shownCoarse.get(ck) : false;
    const isSafe =
      (hidden.length === 0 && !isCoarseHidden) ||
      hiddenRows >= MIN ||
      (hidden.length === fines.length && (isCoarseHidden || shownCoarse === null));
    expect(isSafe, `cell ${ck}: ${hiddenRows} rows hidden`).toBe(true);
  }
}

describe('releaseRun: primary suppression', () => {
  it('suppresses every cell of a group-by on a unique identifier, labels included', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `id-${1000 + i}`);
    const table = buildTable('t', {
      id: str(ids),
      v: num(
        ids.map((_, i) => i),
        { min: 0, max: 1000 },
      ),
    });
    const d = release(
      { byId: marker(1) },
      [groupBy(1, 't', ['id'], [{ fn: 'count' }, { fn: 'mean', column: 'v' }])],
      [table],
      ['byId'],
    );
    expect(d.result).toEqual({ byId: { columns: ['id', 'count', 'mean(v)'], rows: [], suppressed: [] } });
    expect(d.report).toMatchObject({ cells: 200, suppressedPrimary: 200, suppressedSecondary: 0 });
    expect(JSON.stringify(d)).not.toMatch(/id-1/);
  });

  it('suppresses a mean over too few non-null values while its count stays', () => {
    const g = repeat<string>([
      ['x', 40],
      ['y', 40],
      ['z', 40],
    ]);
    const income = g.map((k, i) => (k === 'x' && i % 10 !== 0 ? null : 1000 + i));
    const table = buildTable('t', { g: str(g), income: num(income, { min: 0, max: 10_000 }) });
    const d = release(
      marker(1),
      [groupBy(1, 't', ['g'], [{ fn: 'count' }, { fn: 'mean', column: 'income' }])],
      [table],
    );
    const out = d.result as TReleasedGroupBy;
    expect(out.rows.map((r) => r[0])).toEqual(['x', 'y', 'z']);
    expect(out.rows.every((r) => typeof r[1] === 'number')).toBe(true);
    expect(out.rows[0]![2]).toBeNull();
    // x's mean (4 values) would follow from the total mean and the others: one more mean goes.
    expect(out.rows.filter((r) => r[2] === null)).toHaveLength(2);
    expect(d.report.items[0]!.suppressed.map((s) => s.reason)).toEqual([
      'mean(income): primary: fewer than 10 contributing rows',
      'mean(income): secondary: protects a suppressed cell against the total of its table',
    ]);
  });

  it('suppresses a regression over fewer than max(minCellCount, 10 × (#x + 1)) complete rows', () => {
    const rnd = seeded(4);
    const rows = 29;
    const x1 = Array.from({ length: rows }, () => rnd());
    const x2 = Array.from({ length: rows }, () => rnd());
    const table = buildTable('t', { x1: num(x1), x2: num(x2), y: num(x1.map((v, i) => v + x2[i]!)) });
    const reg: TAggregateRequest = {
      id: 1,
      kind: 'regression',
      table: 't',
      selection: null,
      y: 'y',
      x: ['x1', 'x2'],
    };
    const d = release(marker(1), [reg], [table]);
    expect(d.result).toEqual({ coefficients: null, n: null } satisfies TReleasedRegression);
    expect(d.report.items[0]!.suppressed[0]!.reason).toMatch(/fewer than 30 complete rows/);
  });
});

describe('releaseRun: secondary suppression', () => {
  const classic = buildTable('t', {
    g: str(
      repeat([
        ['A', 50],
        ['B', 30],
        ['rare', 1],
      ]),
    ),
  });
  const byG = groupBy(1, 't', ['g'], [{ fn: 'count' }]);
  const total = groupBy(2, 't', [], [{ fn: 'count' }]);

  it('the attack works on unprotected numbers: total minus the other cells gives the count of 1', () => {
    const cells = computeAggregate(byG, [classic]) as THostGroupBy;
    const sum = computeAggregate(total, [classic]) as THostGroupBy;
    const others = cells.rows.filter((r) => r[0] !== 'rare').reduce((a, r) => a + (r[1] as number), 0);
    expect((sum.rows[0]![0] as number) - others).toBe(1);
  });

  it('makes a count of 1 unrecoverable as total minus the other cells', () => {
    const d = release({ cells: marker(1), total: marker(2) }, [byG, total], [classic], ['cells', 'total']);
    const { cells, total: t } = d.result as { cells: TReleasedGroupBy; total: TReleasedGroupBy };
    expect(t.rows[0]![0]).toEqual(expect.any(Number));
    expect(cells.rows.map((r) => r[0])).toEqual(['A', 'B']);
    expect(cells.rows.find((r) => r[0] === 'B')![1]).toBeNull();
    expect(cells.suppressed).toEqual([1]);
    expect(d.report).toMatchObject({ suppressedPrimary: 1, suppressedSecondary: 1 });
    checkRelations(
      {
        fine: computeAggregate(byG, [classic]) as THostGroupBy,
        coarse: computeAggregate(total, [classic]) as THostGroupBy,
        fineCols: 1,
        coarseCols: 0,
      },
      { fine: cells, coarse: t },
      0,
    );
  });

  it('protects against a total even when the run does not release one (it may be known)', () => {
    const d = release(marker(1), [byG], [classic]);
    expect((d.result as TReleasedGroupBy).rows).toEqual([
      ['A', expect.any(Number)],
      ['B', null],
    ]);
  });

  it('protects suppressed cells against margins of the same rows, and margins against finer tables', () => {
    // region × sex: r1 {M 30, F 1}, r2 {M 20, F 25}, r3 {M 15, F 12}, r4 {M 2, F 1}.
    const cells: [string, string, number][] = [
      ['r1', 'M', 30],
      ['r1', 'F', 1],
      ['r2', 'M', 20],
      ['r2', 'F', 25],
      ['r3', 'M', 15],
      ['r3', 'F', 12],
      ['r4', 'M', 2],
      ['r4', 'F', 1],
    ];
    const table = buildTable('t', {
      region: str(cells.flatMap(([r, , k]) => Array(k).fill(r))),
      sex: str(cells.flatMap(([, s, k]) => Array(k).fill(s))),
    });
    const fine = groupBy(1, 't', ['sex', 'region'], [{ fn: 'count' }]);
    const margin = groupBy(2, 't', ['region'], [{ fn: 'count' }]);
    const sexMargin = groupBy(3, 't', ['sex'], [{ fn: 'count' }]);
    const all = groupBy(4, 't', [], [{ fn: 'count' }]);

    const host = (r: TAggregateRequest) => computeAggregate(r, [table]) as THostGroupBy;
    const r1 = host(margin).rows.find((r) => r[0] === 'r1')![1] as number;
    const r1m = host(fine).rows.find((r) => r[0] === 'M' && r[1] === 'r1')![2] as number;
    expect(r1 - r1m).toBe(1);

    const d = release([marker(1), marker(2), marker(3), marker(4)], [fine, margin, sexMargin, all], [table]);
    const [f, m, s, t] = d.result as TReleasedGroupBy[];
    const shown = (rows: unknown[][], ...labels: string[]) => {
      const row = rows.find((r) => labels.every((l, j) => r[j] === l));
      return row ? row[labels.length] : 'withheld';
    };
    expect(shown(f!.rows, 'M', 'r1')).toBeNull();
    expect(shown(f!.rows, 'F', 'r1')).toBe('withheld');
    expect(shown(m!.rows, 'r4')).toBe('withheld');
    for (const [coarse, released, cols] of [
      [margin, m!, 1],
      [sexMargin, s!, 1],
      [all, t!, 0],
    ] as const) {
      checkRelations(
        { fine: host(fine), coarse: host(coarse), fineCols: 2, coarseCols: cols },
        { fine: f!, coarse: released },
        0,
      );
    }
    checkRelations(
      { fine: host(margin), coarse: host(all), fineCols: 1, coarseCols: 0 },
      { fine: m!, coarse: t! },
      0,
    );
  });

  it('keeps every relation safe on random tables with margins', () => {
    const rnd = seeded(11);
    for (let trial = 0; trial < 20; trial++) {
      const rows = 300 + Math.floor(rnd() * 300);
      const a = Array.from({ length: rows }, () => `a${Math.floor(rnd() ** 2 * 6)}`);
      const b = Array.from({ length: rows }, () => `b${Math.floor(rnd() ** 3 * 8)}`);
      const c = Array.from({ length: rows }, () => `c${Math.floor(rnd() * 3)}`);
      const table = buildTable('t', { a: str(a), b: str(b), c: str(c) });
      const reqs = [
        groupBy(1, 't', ['a', 'b', 'c'], [{ fn: 'count' }]),
        groupBy(2, 't', ['a', 'b'], [{ fn: 'count' }]),
        groupBy(3, 't', ['b', 'c'], [{ fn: 'count' }]),
        groupBy(4, 't', ['a'], [{ fn: 'count' }]),
        groupBy(5, 't', [], [{ fn: 'count' }]),
      ];
      const d = release(
        reqs.map((r) => marker(r.id)),
        reqs,
        [table],
      );
      const out = d.result as TReleasedGroupBy[];
      const host = reqs.map((r) => computeAggregate(r, [table]) as THostGroupBy);
      const width = reqs.map((r) => (r as { groupBy: string[] }).groupBy.length);
      for (const [fi, ci] of [
        [0, 1],
        [0, 2],
        [0, 3],
        [0, 4],
        [1, 3],
        [1, 4],
        [2, 4],
        [3, 4],
      ] as const) {
        checkRelations(
          { fine: host[fi]!, coarse: host[ci]!, fineCols: width[fi]!, coarseCols: width[ci]! },
          { fine: out[fi]!, coarse: out[ci]! },
          0,
        );
      }
    }
  });

  it('does not link tables over different selected rows', () => {
    const sel = Uint8Array.from({ length: 81 }, (_, i) => (i < 60 ? 1 : 0));
    const d = release([marker(1), marker(2)], [byG, groupBy(2, 't', [], [{ fn: 'count' }], sel)], [classic]);
    expect(d.report.suppressedSecondary).toBe(1);
  });

  it('suppresses small and empty histogram bins, and one more when they hide too few rows', () => {
    const v = [
      ...repeat<number>([
        [5, 40],
        [15, 3],
        [25, 30],
      ]),
    ];
    const table = buildTable('t', { v: num(v, { min: 0, max: 40 }) });
    const h: TAggregateRequest = {
      id: 1,
      kind: 'histogram',
      table: 't',
      selection: null,
      column: 'v',
      edges: [0, 10, 20, 30, 40],
    };
    const d = release(marker(1), [h], [table]);
    const out = d.result as TReleasedHistogram;
    expect(out.counts.map((c) => c === null)).toEqual([false, true, true, true]);
    expect(out.suppressed).toEqual([1, 2, 3]);
    expect(out.edges).toBeUndefined();
    expect(d.report).toMatchObject({ cells: 4, suppressedPrimary: 2, suppressedSecondary: 1 });
    const literal = releaseRun(input(marker(1), [h], [table], { labels: ['0', '10', '20', '30', '40'] }));
    expect(literal.kind === 'release' && (literal.result as TReleasedHistogram).edges).toEqual([
      0, 10, 20, 30, 40,
    ]);
  });
});
