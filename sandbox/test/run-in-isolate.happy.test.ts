import { describe, expect, it } from 'vitest';
import { hostSelection } from '../src/disclosure/index.ts';
import { runInIsolate } from '../src/runner/run-in-isolate.ts';
import type { TAggregateRequest, TRunOutput } from '../src/types.ts';
import {
  LIMITS,
  makeTable,
  numberColumn,
  runInput,
  type TWageRow,
  wageRows,
  wagesTable,
} from './fixtures.ts';

const rows = wageRows();

async function runOk(script: string, overrides: Parameters<typeof runInput>[1] = {}) {
  const out = await runInIsolate(runInput(script, overrides));
  if (!out.ok) throw new Error(`${out.code}: ${out.errorMessage}`);
  return out;
}

const maskOf = (predicate: (r: TWageRow) => boolean): number[] => rows.map((r) => (predicate(r) ? 1 : 0));
const selectionOf = (a: TAggregateRequest) => (a.selection ? Array.from(a.selection) : null);

describe('aggregate requests', () => {
  it('groupBy().agg() records one request with the grouping and measures, and returns its handle', async () => {
    const out = await runOk(`const t = enclave.table('wages');
      return { byRegion: t.groupBy('region', 'sector').agg({ n: 'count', avgWage: ['mean', 'wage'], sd: ['stddev', 'age'] }) }`);
    expect(out.result).toEqual({ byRegion: { $aggregate: 1 } });
    expect(out.aggregates).toEqual([
      {
        id: 1,
        kind: 'groupBy',
        table: 'wages',
        selection: null,
        filter: { kind: 'all' },
        groupBy: ['region', 'sector'],
        measures: [
          { fn: 'count', name: 'n' },
          { fn: 'mean', column: 'wage', name: 'avgWage' },
          { fn: 'stddev', column: 'age', name: 'sd' },
        ],
      },
    ]);
  });

  it('direct measures on a table or a groupBy record one measure each, with host-issued ids in order', async () => {
    const out = await runOk(`const t = enclave.table('wages');
      const g = t.groupBy('sector');
      return [t.count(), t.sum('wage'), t.mean('wage'), t.variance('wage'), t.stddev('wage'), t.min('age'),
              t.max('age'), t.median('age'), g.count(), g.mean('age')]`);
    expect(out.result).toEqual(Array.from({ length: 10 }, (_, i) => ({ $aggregate: i + 1 })));
    const fns = out.aggregates.map((a) => (a.kind === 'groupBy' ? [a.groupBy, a.measures] : null));
    expect(fns).toEqual([
      [[], [{ fn: 'count', name: 'count' }]],
      [[], [{ fn: 'sum', column: 'wage', name: 'sum_wage' }]],
      [[], [{ fn: 'mean', column: 'wage', name: 'mean_wage' }]],
      [[], [{ fn: 'variance', column: 'wage', name: 'variance_wage' }]],
      [[], [{ fn: 'stddev', column: 'wage', name: 'stddev_wage' }]],
      [[], [{ fn: 'min', column: 'age', name: 'min_age' }]],
      [[], [{ fn: 'max', column: 'age', name: 'max_age' }]],
      [[], [{ fn: 'median', column: 'age', name: 'median_age' }]],
      [['sector'], [{ fn: 'count', name: 'count' }]],
      [['sector'], [{ fn: 'mean', column: 'age', name: 'mean_age' }]],
    ]);
    // Clamping bounds travel with the measure, and regression bounds with the regression.
    const bounded = await runOk(`const t = enclave.table('wages');
      return [t.mean('wage', { min: 0, max: 9000 }), t.groupBy('sector').agg({ s: ['sum', 'wage', { min: 1, max: 2 }] }),
        t.regression('wage', ['age'], { bounds: { age: { min: 16, max: 70 } } })]`);
    expect(
      bounded.aggregates.map((a) =>
        a.kind === 'regression' ? a.bounds : a.kind === 'groupBy' ? a.measures : null,
      ),
    ).toEqual([
      [{ fn: 'mean', column: 'wage', name: 'mean_wage', bounds: { min: 0, max: 9000 } }],
      [{ fn: 'sum', column: 'wage', name: 's', bounds: { min: 1, max: 2 } }],
      { age: { min: 16, max: 70 } },
    ]);
  });

  it('histogram, regression and crosstab record their own kinds of request', async () => {
    const out = await runOk(`const t = enclave.table('wages');
      return { h: t.histogram('wage', [2000, 5000, 10000]), r: t.regression('wage', ['age']), x: t.crosstab('region', 'sector') }`);
    expect(out.result).toEqual({ h: { $aggregate: 1 }, r: { $aggregate: 2 }, x: { $aggregate: 3 } });
    const all = { selection: null, filter: { kind: 'all' } };
    expect(out.aggregates).toEqual([
      { id: 1, kind: 'histogram', table: 'wages', ...all, column: 'wage', edges: [2000, 5000, 10000] },
      { id: 2, kind: 'regression', table: 'wages', ...all, y: 'wage', x: ['age'] },
      {
        id: 3,
        kind: 'groupBy',
        table: 'wages',
        ...all,
        groupBy: ['region', 'sector'],
        measures: [{ fn: 'count', name: 'count' }],
      },
    ]);
  });

  it('records the exact row selection of where() and filter() views as a bitmap (ne keeps nulls)', async () => {
    const out = await runOk(`const t = enclave.table('wages');
      const views = [
        t.where('wage', 'gt', 5000),
        t.where('wage', 'ne', ${rows[0]!.wage}),
        t.where('region', 'eq', 'north'),
        t.where('region', 'in', ['north', 'south']),
        t.where('region', 'in', ['east', null]),
        t.where('region', 'eq', null),
        t.where('region', 'ne', null),
        t.where('insured', 'eq', true),
        t.where('insured', 'ne', true),
        t.where('hired', 'lt', '2015-01-01'),
        t.where('age', 'in', [20, 30, 40]),
        t.where('age', 'lte', 30).where('sector', 'eq', 'mining'),
        t.filter((row) => row.wage !== null && row.wage % 2 === 0),
        t.where('sector', 'eq', 'farming').filter((row, i) => i % 3 === 0),
      ];
      return views.map((v) => ({ n: v.rowCount, h: v.count() }))`);
    const expected: number[][] = [
      maskOf((r) => r.wage !== null && r.wage > 5000),
      maskOf((r) => r.wage !== rows[0]!.wage),
      maskOf((r) => r.region === 'north'),
      maskOf((r) => r.region === 'north' || r.region === 'south'),
      maskOf((r) => r.region === 'east' || r.region === null),
      maskOf((r) => r.region === null),
      maskOf((r) => r.region !== null),
      maskOf((r) => r.insured === true),
      maskOf((r) => r.insured !== true),
      maskOf((r) => r.hired < '2015-01-01'),
      maskOf((r) => [20, 30, 40].includes(r.age)),
      maskOf((r) => r.age <= 30 && r.sector === 'mining'),
      maskOf((r) => r.wage !== null && r.wage % 2 === 0),
      rows.map((r, i) => (r.sector === 'farming' && i % 3 === 0 ? 1 : 0)),
    ];
    expect(out.aggregates.map(selectionOf)).toEqual(expected);
    const counts = (out.result as { n: number }[]).map((v) => v.n);
    expect(counts).toEqual(expected.map((m) => m.reduce((a, b) => a + b, 0)));
    expect(counts.every((n) => n > 0 && n < rows.length)).toBe(true);
  });

  it('records how rows were chosen, and where() selects exactly the rows the host selects from the clauses', async () => {
    const out = await runOk(`const t = enclave.table('wages');
      const views = [
        t,
        t.where('wage', 'gte', 4000).where('region', 'ne', 'south'),
        t.where('insured', 'in', [true, null]).where('hired', 'gt', '2016-05-15').where('age', 'ne', 30),
        t.where('sector', 'in', ['mining']).where('region', 'eq', null),
        t.filter((row) => row.age > 40),
        t.filter((row) => row.age > 40).where('sector', 'eq', 'mining'),
      ];
      return views.map((v) => v.histogram('age', [0, 50, 100]))`);
    const table = wagesTable();
    expect(out.aggregates.map((a) => a.filter)).toEqual([
      { kind: 'all' },
      {
        kind: 'where',
        clauses: [
          { column: 'wage', op: 'gte', value: 4000 },
          { column: 'region', op: 'ne', value: 'south' },
        ],
      },
      {
        kind: 'where',
        clauses: [
          { column: 'insured', op: 'in', value: [true, null] },
          { column: 'hired', op: 'gt', value: '2016-05-15' },
          { column: 'age', op: 'ne', value: 30 },
        ],
      },
      {
        kind: 'where',
        clauses: [
          { column: 'sector', op: 'in', value: ['mining'] },
          { column: 'region', op: 'eq', value: null },
        ],
      },
      { kind: 'predicate' },
      { kind: 'predicate' },
    ]);
    for (const a of out.aggregates) {
      if (a.filter?.kind !== 'where') continue;
      expect(Array.from(a.selection!)).toEqual(Array.from(hostSelection(table, a.filter.clauses)));
    }
  });

  it('refuses a where() whose value does not fit the column, naming the column', async () => {
    const out = await runInIsolate(
      runInput("return enclave.table('wages').where('wage', 'gt', '5000').count()"),
    );
    expect(out).toMatchObject({ ok: false, code: 'SANDBOX_SCRIPT_ERROR' });
    if (!out.ok)
      expect(out.errorMessage).toMatch(/"wage" is number, so values must be numbers.*\(script\.js:1:\d+\)/);
  });

  it('caps the number of aggregate requests in one run', async () => {
    const out = await runInIsolate(
      runInput("const t = enclave.table('wages'); for (let i = 0; i < 1001; i++) t.count(); return null"),
    );
    expect(out).toMatchObject({ ok: false, code: 'SANDBOX_SCRIPT_ERROR' });
    if (!out.ok) expect(out.errorMessage).toMatch(/Too many aggregates.*1000/);
  });
});

describe('previews computed inside the isolate', () => {
  it('groupBy().agg() preview matches a plain computation, nulls as their own group, sorted by key', async () => {
    const out =
      await runOk(`return enclave.table('wages').where('age', 'gte', 25).groupBy('region', 'sector').agg({
        n: 'count', total: ['sum', 'wage'], avg: ['mean', 'wage'], v: ['variance', 'wage'], sd: ['stddev', 'wage'],
        youngest: ['min', 'age'], oldest: ['max', 'age'], mid: ['median', 'wage'],
      }).preview()`);
    const selected = rows.filter((r) => r.age >= 25);
    const groups = new Map<string, TWageRow[]>();
    for (const r of selected) {
      const key = JSON.stringify([r.region, r.sector]);
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    // The host's order: null first, then ascending.
    const order = (a: string | null, b: string | null) =>
      a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;
    const expected = [...groups.values()]
      .sort((a, b) => order(a[0]!.region, b[0]!.region) || order(a[0]!.sector, b[0]!.sector))
      .map((g) => {
        const wages = g.map((r) => r.wage).filter((w): w is number => w !== null);
        const mean = wages.reduce((a, b) => a + b, 0) / wages.length;
        const variance = wages.reduce((a, w) => a + (w - mean) ** 2, 0) / (wages.length - 1);
        const sorted = [...wages].sort((a, b) => a - b);
        const m = sorted.length;
        return {
          region: g[0]!.region,
          sector: g[0]!.sector,
          n: g.length,
          total: wages.reduce((a, b) => a + b, 0),
          avg: mean,
          v: variance,
          sd: Math.sqrt(variance),
          youngest: Math.min(...g.map((r) => r.age)),
          oldest: Math.max(...g.map((r) => r.age)),
          mid: m % 2 ? sorted[(m - 1) / 2] : (sorted[m / 2 - 1]! + sorted[m / 2]!) / 2,
        };
      });
    const preview = out.result as typeof expected;
    expect(preview.map((r) => [r.region, r.sector, r.n, r.youngest, r.oldest, r.total, r.mid])).toEqual(
      expected.map((r) => [r.region, r.sector, r.n, r.youngest, r.oldest, r.total, r.mid]),
    );
    preview.forEach((r, i) => {
      expect(r.avg).toBeCloseTo(expected[i]!.avg, 9);
      expect(r.v).toBeCloseTo(expected[i]!.v, 6);
      expect(r.sd).toBeCloseTo(expected[i]!.sd, 9);
    });
  });

  it('a whole-table measure previews as one row; an empty selection gives count 0 and null measures', async () => {
    const out = await runOk(`const t = enclave.table('wages');
      return [t.mean('wage').preview(), t.where('age', 'gt', 1000).agg({ n: 'count', m: ['mean', 'wage'] }).preview(),
              t.where('age', 'gt', 1000).groupBy('region').count().preview()]`);
    const wages = rows.map((r) => r.wage).filter((w): w is number => w !== null);
    const [whole, empty, emptyGroups] = out.result as [{ mean_wage: number }[], unknown, unknown];
    expect(whole).toHaveLength(1);
    expect(whole[0]!.mean_wage).toBeCloseTo(wages.reduce((a, b) => a + b, 0) / wages.length, 9);
    expect(empty).toEqual([{ n: 0, m: null }]);
    expect(emptyGroups).toEqual([]);
  });

  it('groups by boolean and numeric columns, with null as a key', async () => {
    const out = await runOk(`const t = enclave.table('wages');
      return [t.groupBy('insured').count().preview(), t.where('age', 'lt', 21).groupBy('age').count().preview()]`);
    const [byInsured, byAge] = out.result as [
      { insured: boolean | null; count: number }[],
      { age: number }[],
    ];
    expect(byInsured).toEqual([
      { insured: null, count: rows.filter((r) => r.insured === null).length },
      { insured: false, count: rows.filter((r) => r.insured === false).length },
      { insured: true, count: rows.filter((r) => r.insured === true).length },
    ]);
    const ages = [...new Set(rows.filter((r) => r.age < 21).map((r) => r.age))].sort((a, b) => a - b);
    expect(byAge.map((r) => r.age)).toEqual(ages);
  });

  it('histogram preview counts [e0,e1) … [e(n-1),en], skipping nulls and values outside', async () => {
    const edges = [2000, 4000, 6000, 8000, 10000];
    const out = await runOk(
      `return enclave.table('wages').histogram('wage', ${JSON.stringify(edges)}).preview()`,
    );
    const wages = rows.map((r) => r.wage).filter((w): w is number => w !== null);
    const expected = edges.slice(0, -1).map((from, k) => ({
      from,
      to: edges[k + 1],
      count: wages.filter(
        (w) => w >= from && (k === edges.length - 2 ? w <= edges[k + 1]! : w < edges[k + 1]!),
      ).length,
    }));
    expect(out.result).toEqual(expected);
  });

  it('regression preview is ordinary least squares with an intercept', async () => {
    const out = await runOk("return enclave.table('wages').regression('wage', ['age']).preview()");
    const pairs = rows.filter((r) => r.wage !== null).map((r) => [r.age, r.wage!] as const);
    const n = pairs.length;
    const mx = pairs.reduce((a, [x]) => a + x, 0) / n;
    const my = pairs.reduce((a, [, y]) => a + y, 0) / n;
    const slope =
      pairs.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) /
      pairs.reduce((a, [x]) => a + (x - mx) ** 2, 0);
    const result = out.result as { n: number; coefficients: { intercept: number; age: number }; r2: number };
    expect(result.n).toBe(n);
    expect(result.coefficients.age).toBeCloseTo(slope, 6);
    expect(result.coefficients.intercept).toBeCloseTo(my - slope * mx, 4);
    expect(result.r2).toBeGreaterThanOrEqual(0);
  });

  it('regression on two regressors recovers an exact linear relation', async () => {
    const x1 = Array.from({ length: 50 }, (_, i) => i);
    const x2 = Array.from({ length: 50 }, (_, i) => (i * 7) % 11);
    const table = makeTable('lin', {
      x1: numberColumn(x1),
      x2: numberColumn(x2),
      y: numberColumn(x1.map((v, i) => 3 + 2 * v - x2[i]!)),
    });
    const out = await runOk("return enclave.table('lin').regression('y', ['x1', 'x2']).preview()", {
      tables: [table],
    });
    const result = out.result as { n: number; coefficients: Record<string, number>; r2: number };
    expect(result.n).toBe(50);
    expect(result.coefficients.intercept).toBeCloseTo(3, 8);
    expect(result.coefficients.x1).toBeCloseTo(2, 8);
    expect(result.coefficients.x2).toBeCloseTo(-1, 8);
    expect(result.r2).toBeCloseTo(1, 10);
  });
});

describe('tables inside the isolate', () => {
  it('exposes columns as typed arrays and dictionary codes, views compacted, rows as plain objects', async () => {
    const out = await runOk(`const t = enclave.table('wages');
      const wage = t.col('wage');
      const region = t.col('region');
      const mining = t.where('sector', 'eq', 'mining');
      return {
        tables: enclave.tables, name: t.name, rowCount: t.rowCount, columns: t.columns, schema: t.schema,
        wageType: wage.constructor.name, wageNullIsNaN: Number.isNaN(wage[3]),
        insuredType: t.col('insured').constructor.name, insuredNulls: Array.from(t.nulls('insured')),
        ageNulls: t.nulls('age'),
        codesType: region.codes.constructor.name, dictionary: region.dictionary, regionNullCode: region.codes[5],
        miningAges: Array.from(mining.col('age')), miningCount: mining.rowCount,
        firstRows: [...t.rows()].slice(0, 6),
      }`);
    const result = out.result as Record<string, unknown>;
    expect(result).toMatchObject({
      tables: ['wages'],
      name: 'wages',
      rowCount: rows.length,
      columns: ['region', 'sector', 'age', 'wage', 'insured', 'hired'],
      wageType: 'Float64Array',
      wageNullIsNaN: true,
      insuredType: 'Uint8Array',
      insuredNulls: rows.map((r) => (r.insured === null ? 1 : 0)),
      ageNulls: null,
      codesType: 'Int32Array',
      regionNullCode: -1,
      miningAges: rows.filter((r) => r.sector === 'mining').map((r) => r.age),
      miningCount: rows.filter((r) => r.sector === 'mining').length,
      firstRows: rows.slice(0, 6),
    });
    expect(result.schema).toContainEqual({ name: 'hired', type: 'date', nullable: true });
    expect(new Set(result.dictionary as string[])).toEqual(
      new Set(rows.map((r) => r.region).filter(Boolean)),
    );
  });

  it('opens several licensed tables, each request naming its own table', async () => {
    const other = makeTable('prices', { price: numberColumn([1, 2, 3]) });
    const out = await runOk("return [enclave.table('prices').sum('price'), enclave.table('wages').count()]", {
      tables: [wagesTable(), other],
    });
    expect(out.aggregates.map((a) => [a.id, a.table])).toEqual([
      [1, 'prices'],
      [2, 'wages'],
    ]);
  });
});

describe('the run', () => {
  it('gives the script a deep copy of params', async () => {
    const params = { region: 'north', nested: { list: [1, 2, 3] } };
    const out = await runOk('params.nested.list.push(4); return params', { params });
    expect(out.result).toEqual({ region: 'north', nested: { list: [1, 2, 3, 4] } });
    expect(params.nested.list).toEqual([1, 2, 3]);
  });

  it('captures console output by level, formatting values without running their code', async () => {
    const out = await runOk(`const t = enclave.table('wages');
      console.log('rows', t.rowCount, { a: [1, 'x'], get hidden() { throw new Error('no'); } });
      console.info(t, t.count(), new Float64Array([1.5, 2]));
      console.warn('careful');
      console.error(new TypeError('bad'));
      return null`);
    expect(out.logs).toEqual([
      `rows ${rows.length} { a: [1, "x"], hidden: [Getter/Setter] }`,
      `[Table wages: ${rows.length} rows] [Aggregate #1] Float64Array(2) [1.5, 2]`,
      '[warn] careful',
      '[error] TypeError: bad',
    ]);
  });

  it('keeps the logs written before a failure', async () => {
    const out = await runInIsolate(
      runInput("console.log('before'); while (true) {}", { limits: { ...LIMITS, cpuMs: 200 } }),
    );
    expect(out).toMatchObject({ ok: false, code: 'SANDBOX_TIMEOUT', logs: ['before'] });
  });

  it('reports usage from the isolate', async () => {
    const out = await runOk(
      "let s = 0; for (let i = 0; i < 2e6; i++) s += i; return enclave.table('wages').count()",
    );
    expect(out.usage.cpuMs).toBeGreaterThan(0);
    expect(out.usage.wallMs).toBeGreaterThanOrEqual(out.usage.cpuMs * 0.5);
    expect(out.usage.peakHeapBytes).toBeGreaterThan(100_000);
  });

  it('serialises dates as ISO strings, typed arrays as arrays, drops undefined properties', async () => {
    const out = await runOk(`return {
        when: new Date(Date.UTC(2024, 0, 2)), xs: new Int32Array([1, -2]), gone: undefined,
        holes: [1, , 3], negZero: -0, nested: { list: [true, null, 'é'] }, bare: Object.assign(Object.create(null), { k: 1 }),
      }`);
    expect(out.result).toEqual({
      when: '2024-01-02T00:00:00.000Z',
      xs: [1, -2],
      holes: [1, null, 3],
      negZero: 0,
      nested: { list: [true, null, 'é'] },
      bare: { k: 1 },
    });
  });

  it('caps the result in UTF-8 bytes, not characters', async () => {
    const limits = { ...LIMITS, maxResultBytes: 102 };
    const fits = await runInIsolate(runInput("return 'é'.repeat(50)", { limits }));
    const over = await runInIsolate(runInput("return 'é'.repeat(51)", { limits }));
    expect(fits).toMatchObject({ ok: true, result: 'é'.repeat(50) });
    expect(over).toMatchObject({ ok: false, code: 'SANDBOX_RESULT_TOO_LARGE' });
  });

  it('a script without return gives null', async () => {
    expect((await runOk('const x = 1;')).result).toBeNull();
  });

  it("reports a runtime error with the script's line and column", async () => {
    const out: TRunOutput = await runInIsolate(runInput('const t = enclave.table("wages");\n\n  t.nope();'));
    expect(out).toMatchObject({ ok: false, code: 'SANDBOX_SCRIPT_ERROR' });
    if (!out.ok) expect(out.errorMessage).toBe('TypeError: t.nope is not a function (script.js:3:5)');
  });

  it('reports a syntax error with its line and column', async () => {
    const out = await runInIsolate(runInput('const a = 1;\nconst b = ;'));
    expect(out).toMatchObject({ ok: false, code: 'SANDBOX_SCRIPT_ERROR' });
    if (!out.ok) expect(out.errorMessage).toBe("SyntaxError: Unexpected token ';' (script.js:2:11)");
  });

  it('rejects a malformed input, which is the caller’s bug', async () => {
    await expect(runInIsolate(runInput('return 1', { limits: { ...LIMITS, memoryMb: 1 } }))).rejects.toThrow(
      /memoryMb/,
    );
    const broken = wagesTable();
    broken.rowCount += 1;
    await expect(runInIsolate(runInput('return 1', { tables: [broken] }))).rejects.toThrow(/rowCount/);
  });
});
