import { describe, expect, it } from 'vitest';
import { buildTable, int, num, str } from '../src/disclosure/test/build-table.ts';
import type { TReleasedGroupBy } from '../src/disclosure/types.ts';
import { dummyTable } from '../src/dummy/index.ts';
import { executeRun, type TCharger, type TExecuteInput } from '../src/execute.ts';
import type { TTable } from '../src/types.ts';
import { LIMITS } from './fixtures.ts';

const DISTRICTS = ['d1', 'd2', 'd3'];

/** People in three districts; the first person's wage is the secret a hostile script goes after. */
function people(firstWage: number): TTable {
  const n = 900;
  return buildTable('people', {
    district: str(
      Array.from({ length: n }, (_, i) => DISTRICTS[i % 3]!),
      DISTRICTS,
    ),
    wage: num(
      Array.from({ length: n }, (_, i) => (i === 0 ? firstWage : 3000 + ((i * 37) % 9000))),
      { min: 0, max: 20_000 },
    ),
    age: int(
      Array.from({ length: n }, (_, i) => 20 + (i % 40)),
      { min: 16, max: 100 },
    ),
  });
}

const dummy = dummyTable({
  name: 'people',
  key: 'dummy:people',
  rows: 1000,
  seed: 'dummy:people',
  columns: [
    { name: 'district', type: 'string', nullable: false, sensitivity: 'public', codes: DISTRICTS },
    { name: 'wage', type: 'number', nullable: false, sensitivity: 'sensitive', min: 0, max: 20_000 },
    { name: 'age', type: 'integer', nullable: false, sensitivity: 'personal', min: 16, max: 100 },
  ],
});

/** A budget that records what it was charged and charges each digest once. */
function ledger(total = 10) {
  const seen = new Set<string>();
  const charges: { digest: string; epsilon: number }[][] = [];
  let spent = 0;
  const charge: TCharger = async (statistics) => {
    charges.push(statistics);
    const fresh = statistics.filter((s) => !seen.has(s.digest));
    const epsilon = fresh.reduce((e, s) => e + s.epsilon, 0);
    if (spent + epsilon > total + 1e-9)
      return { ok: false, code: 'BUDGET_EXHAUSTED', message: 'the budget is spent' };
    spent += epsilon;
    for (const s of fresh) seen.add(s.digest);
    return { ok: true, epsilon, cached: statistics.length - fresh.length };
  };
  return { charge, charges, spent: () => spent };
}

const input = (script: string, over: Partial<TExecuteInput> = {}): TExecuteInput => ({
  script,
  params: {},
  limits: LIMITS,
  kind: 'aggregate',
  scriptTables: [dummy],
  hostTables: [people(15_000)],
  release: {
    policy: { minCellCount: 10, rounding: 5, dominance: { n: 2, k: 0.85 } },
    noiseSecretHex: '42'.repeat(32),
    epsilon: 1,
  },
  charge: ledger().charge,
  ...over,
});

describe('aggregate runs', () => {
  it('show nothing that depends on a real value: shape, status, logs and errors come from dummy data', async () => {
    const hostile = `const w = enclave.table('people').col('wage')[0];
      console.log('first wage', w);
      if (w > params.limit) throw new Error('above ' + params.limit);
      return { ['k' + (w > params.limit ? 1 : 0)]: enclave.table('people').count() };`;
    const seen = [];
    for (const firstWage of [15_000, 3_000]) {
      for (const limit of [14_999, 15_001, 2_999, 3_001]) {
        const { output, outcome } = await executeRun(
          input(hostile, { params: { limit }, hostTables: [people(firstWage)], charge: null }),
        );
        seen.push({
          limit,
          status: output.ok,
          error: output.ok ? null : output.errorMessage,
          logs: output.logs,
          keys: outcome?.kind === 'released' ? Object.keys(outcome.result as object) : null,
        });
      }
    }
    // Whatever the real first wage, each limit gives the same observation: it is the dummy wage's.
    for (let i = 0; i < 4; i++) expect(seen[i]).toEqual(seen[i + 4]);
    expect(seen[0]!.logs).toEqual([
      `first wage ${(dummy.columns.wage as { values: Float64Array }).values[0]}`,
    ]);
  });

  it('releases every aggregate of the result from the real rows, charged once per new statistic', async () => {
    const budget = ledger();
    const script = `const t = enclave.table('people');
      return { byDistrict: t.groupBy('district').agg({ n: 'count', avgWage: ['mean', 'wage', { min: 0, max: 15000 }] }) };`;
    const first = await executeRun(input(script, { charge: budget.charge }));
    expect(first.outcome?.kind).toBe('released');
    if (first.outcome?.kind !== 'released') return;
    const table = (first.outcome.result as { byDistrict: TReleasedGroupBy }).byDistrict;
    expect(table.columns).toEqual(['district', 'n', 'avgWage']);
    expect(table.rows.map((r) => r[0])).toEqual(DISTRICTS);
    for (const r of table.rows) expect(Math.abs((r[1] as number) - 300)).toBeLessThanOrEqual(20);
    expect(first.outcome.charged).toMatchObject({ epsilon: expect.closeTo(1, 9), cached: 0 });
    // The identical question again: the identical answer, nothing charged.
    const again = await executeRun(input(script, { charge: budget.charge }));
    expect(again.outcome).toMatchObject({
      kind: 'released',
      result: first.outcome.result,
      charged: { epsilon: 0 },
    });
    expect(budget.spent()).toBeCloseTo(1, 9);
  });

  it('lets a script release an aggregate during the run and decide from it, charging both parts', async () => {
    const budget = ledger();
    const script = `const t = enclave.table('people');
      const byDistrict = t.groupBy('district').count();
      const counts = await byDistrict.release(0.25);
      const big = counts.rows.filter((r) => r[1] >= 250).map((r) => r[0]);
      return { big, seen: counts, wage: t.where('district', 'in', big).mean('wage'), counts: byDistrict };`;
    const { output, outcome } = await executeRun(input(script, { charge: budget.charge }));
    expect(output.ok).toBe(true);
    expect(outcome?.kind).toBe('released');
    if (outcome?.kind !== 'released') return;
    const result = outcome.result as { big: string[]; seen: TReleasedGroupBy; counts: TReleasedGroupBy };
    expect(result.big).toEqual(DISTRICTS);
    // The handle in the result is released as it was during the run, not a second time.
    expect(result.counts).toEqual(result.seen);
    expect(budget.charges.map((c) => c.length)).toEqual([1, 3]);
    expect(budget.charges).toHaveLength(2);
    expect(budget.spent()).toBeCloseTo(1, 9);
    const over = await executeRun(
      input(`return await enclave.table('people').count().release(1.5)`, { charge: ledger().charge }),
    );
    expect(over.output).toMatchObject({ ok: false, code: 'SANDBOX_SCRIPT_ERROR' });
    expect(!over.output.ok && over.output.errorMessage).toMatch(/more than the run's epsilon/);
  });

  it('gives the script no clock to time the host’s work on the real rows with', async () => {
    const slow: TCharger = async (statistics) => {
      await new Promise((r) => setTimeout(r, 200));
      return { ok: true, epsilon: statistics.reduce((e, s) => e + s.epsilon, 0), cached: 0 };
    };
    const script = `const fmt = new Intl.DateTimeFormat('en', { hour: 'numeric', minute: 'numeric', second: 'numeric', fractionalSecondDigits: 3 });
      const before = [Date.now(), new Date().getTime(), Date(), fmt.format(), fmt.formatToParts().map((p) => p.value).join('')];
      await enclave.table('people').count().release(0.5);
      const after = [Date.now(), new Date().getTime(), Date(), fmt.format(), fmt.formatToParts().map((p) => p.value).join('')];
      const Real = Object.getPrototypeOf(new Date(0)).constructor;
      return { before, after, real: new Real().getTime(), fixed: new Date(86400000).toISOString(), isDate: new Date() instanceof Date };`;
    const { output } = await executeRun(input(script, { charge: slow }));
    expect(output.ok).toBe(true);
    if (!output.ok) return;
    const r = output.result as {
      before: unknown[];
      after: unknown[];
      real: number;
      fixed: string;
      isDate: boolean;
    };
    expect(r.after).toEqual(r.before);
    expect(r.real).toBe(r.before[0]);
    expect(r.fixed).toBe('1970-01-02T00:00:00.000Z');
    expect(r.isDate).toBe(true);
  });

  it('refuses the release when the budget cannot pay, and what the host cannot release at record time', async () => {
    const broke = ledger(0.5);
    const refused = await executeRun(
      input(`return enclave.table('people').count()`, { charge: broke.charge }),
    );
    expect(refused.outcome).toMatchObject({ kind: 'refused', code: 'BUDGET_EXHAUSTED' });
    for (const [script, message] of [
      [`return enclave.table('people').filter((r) => r.wage > 1).count()`, /filter\(\)/],
      [`return enclave.table('people').max('wage')`, /single row/],
      [`return enclave.table('people').mean('wage', { min: -1, max: 5 })`, /wider than its schema bounds/],
    ] as const) {
      const { output } = await executeRun(input(script));
      expect(output.ok).toBe(false);
      expect(!output.ok && output.errorMessage).toMatch(message);
    }
  });
});

describe('row runs', () => {
  it('hold the exact result, the result approval would release, what the script read and the findings', async () => {
    const real = people(15_000);
    const { outcome } = await executeRun(
      input(
        `const t = enclave.table('people');
        return { first: t.col('wage')[0], counts: t.groupBy('district').count(), top: t.max('wage') };`,
        {
          kind: 'rows',
          scriptTables: [real],
          hostTables: [real],
          charge: null,
        },
      ),
    );
    expect(outcome?.kind).toBe('held');
    if (outcome?.kind !== 'held') return;
    const exact = outcome.hostResult as { first: number; counts: { rows: unknown[][] } };
    expect(exact.first).toBe(15_000);
    expect(exact.counts.rows).toEqual([
      ['d1', 300],
      ['d2', 300],
      ['d3', 300],
    ]);
    const releasable = outcome.releasable as { first: number; counts: TReleasedGroupBy; top: null };
    // Not an aggregate: released as the reviewer saw it. The aggregates: under disclosure control.
    expect(releasable.first).toBe(15_000);
    expect(releasable.counts.rows.every((r) => (r[1] as number) % 5 === 0)).toBe(true);
    expect(releasable.top).toBeNull();
    expect(outcome.unreleasable).toEqual([{ aggregate: 2, reason: expect.stringMatching(/single row/) }]);
    expect(outcome.findings).toContainEqual({
      path: 'result.first',
      finding: expect.stringMatching(/15000 equals a value of people\.wage/),
    });
  });

  it('refuses release() during a row run: its output is reviewed as a whole', async () => {
    const real = people(15_000);
    const { output } = await executeRun(
      input(`return await enclave.table('people').count().release(0.5);`, {
        kind: 'rows',
        scriptTables: [real],
        hostTables: [real],
        charge: null,
      }),
    );
    expect(output).toMatchObject({ ok: false, code: 'SANDBOX_SCRIPT_ERROR' });
    expect(!output.ok && output.errorMessage).toMatch(/release\(\) is for aggregate runs/);
  });
});
