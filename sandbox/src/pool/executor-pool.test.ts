import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TExecuted } from '../execute.ts';
import type { TTable } from '../types.ts';
import { createExecutorPool, type ExecutorPool, type TPoolRun, type TPoolTable } from './executor-pool.ts';

const table: TTable = {
  name: 'people',
  key: 'people:v1',
  rowCount: 3,
  columns: { age: { type: 'integer', values: Float64Array.from([30, 40, 50]), nulls: null } },
  bounds: { age: { min: 0, max: 120 } },
};
const limits = { memoryMb: 64, cpuMs: 5_000, wallMs: 10_000, maxResultBytes: 100_000 };
let loads = 0;
const release = {
  policy: { minCellCount: 1, rounding: 1, dominance: null },
  noiseSecretHex: '07'.repeat(32),
  epsilon: 1,
};
const tablesOf = (list: TPoolTable[]) => ({ scriptTables: list, hostTables: list });
const job = (runId: string, script: string): TPoolRun => ({
  runId,
  script,
  params: null,
  limits,
  kind: 'rows',
  release,
  ...tablesOf([
    {
      key: table.key,
      load: async () => {
        loads++;
        return table;
      },
    },
  ]),
});
const resultOf = (e: TExecuted) => (e.outcome?.kind === 'held' ? e.outcome.hostResult : undefined);

let pool: ExecutorPool;
beforeAll(() => {
  pool = createExecutorPool({ size: 1, graceMs: 1_000 });
});
afterAll(() => pool.close());

describe('executor pool', () => {
  it('runs in a separate process and sends a table only to a process that lacks it', async () => {
    const a = await pool.run(job('r1', `return enclave.table('people').rowCount + 1;`));
    expect(a.output.ok).toBe(true);
    expect(resultOf(a)).toBe(4);
    await pool.run(job('r2', 'return 1;'));
    expect(loads).toBe(1);
    expect(pool.pids()[0]).not.toBe(process.pid);
  });

  it('fails only the run whose executor was killed, and replaces the executor', async () => {
    const [pid] = pool.pids();
    const pending = pool.run(job('r3', 'while (true) {}'));
    await new Promise((r) => setTimeout(r, 300));
    process.kill(pid!, 'SIGKILL');
    const out = await pending;
    expect(out.output.ok).toBe(false);
    if (!out.output.ok) expect(out.output.code).toBe('SANDBOX_CRASHED');
    const next = await pool.run(job('r4', 'return 2 * 21;'));
    expect(resultOf(next)).toBe(42);
    expect(pool.pids()[0]).not.toBe(pid);
  });
});

describe('the time a run is handed over', () => {
  it('is taken once its tables are loaded, so a slow load does not shorten a held run’s hold', async () => {
    const slow: TPoolTable = {
      key: 'people:slow',
      load: async () => {
        await new Promise((r) => setTimeout(r, 300));
        return { ...table, key: 'people:slow' };
      },
    };
    const before = Date.now();
    const out = await pool.run({ ...job('h1', 'return 1;'), ...tablesOf([slow]) });
    expect(out.handedAt).toBeGreaterThanOrEqual(before + 290);
    expect(out.handedAt).toBeLessThanOrEqual(Date.now());
  });
});

describe('releases charged through the parent', () => {
  it('asks the parent’s budget before each release and refuses it when the budget says no', async () => {
    const asked: { digest: string; epsilon: number }[][] = [];
    const aggregate = (runId: string, isPaid: boolean): TPoolRun => ({
      ...job(
        runId,
        `const t = enclave.table('people'); const n = await t.count().release(0.4); return [n, t.count()];`,
      ),
      kind: 'aggregate',
      charge: async (statistics) => {
        asked.push(statistics);
        return isPaid || asked.length === 1
          ? { ok: true, epsilon: statistics.reduce((e, s) => e + s.epsilon, 0), cached: 0 }
          : { ok: false, code: 'BUDGET_EXHAUSTED', message: 'no epsilon left' };
      },
    });
    const paid = await pool.run(aggregate('c1', true));
    expect(paid.outcome).toMatchObject({
      kind: 'released',
      charged: { epsilon: expect.closeTo(1, 9), statistics: 2 },
    });
    expect(asked.map((a) => a.map((s) => s.epsilon))).toEqual([[0.4], [expect.closeTo(0.6, 9)]]);
    asked.length = 0;
    const unpaid = await pool.run(aggregate('c2', false));
    expect(unpaid.outcome).toMatchObject({
      kind: 'refused',
      code: 'BUDGET_EXHAUSTED',
      message: 'no epsilon left',
    });
  });
});

describe('executor pool with two executors', () => {
  it('gives a run to an idle executor that already holds its table', async () => {
    const two = createExecutorPool({ size: 2, graceMs: 1_000 });
    try {
      const loadsOf: Record<string, number> = {};
      const jobOn = (runId: string, key: string, script: string) => ({
        ...job(runId, script),
        ...tablesOf([
          {
            key,
            load: async () => {
              loadsOf[key] = (loadsOf[key] ?? 0) + 1;
              return { ...table, key };
            },
          },
        ]),
      });
      // One executor takes T (busy a while), the other U.
      await Promise.all([
        two.run(
          jobOn('t1', 'people:T', 'const end = Date.now() + 300; while (Date.now() < end) {} return 1;'),
        ),
        two.run(jobOn('u1', 'people:U', 'return 1;')),
      ]);
      // Both idle now, and the first in line holds one of the two: whichever it is, a run on each
      // table goes to the executor that holds it.
      for (const [id, key] of [
        ['u2', 'people:U'],
        ['t2', 'people:T'],
      ] as const) {
        const out = await two.run(jobOn(id, key, `return enclave.table('people').rowCount;`));
        expect(resultOf(out)).toBe(3);
      }
      expect(loadsOf).toEqual({ 'people:T': 1, 'people:U': 1 });
    } finally {
      await two.close();
    }
  });
});

/** Resolves once no process has this pid any more. */
async function whenGone(pid: number) {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const codeOf = (out: TExecuted) => (out.output.ok ? 'ok' : out.output.code);

describe('executor retirement', () => {
  // Native loops that ignore termination: the watchdog ends the run, the isolate's thread goes on.
  it.each([
    {
      what: 'past its CPU limit',
      script: 'return Array(1e9).indexOf(1)',
      cpuMs: 300,
      code: 'SANDBOX_TIMEOUT',
    },
    {
      what: 'past its memory limit',
      script: 'return new Array(5e7).fill(0).length',
      cpuMs: 10_000,
      code: 'SANDBOX_MEMORY',
    },
  ])(
    'retires an executor whose isolate ignored termination $what, after answering; the next run gets a fresh one',
    async ({ script, cpuMs, code }) => {
      const pool = createExecutorPool({ size: 1, graceMs: 5_000 });
      try {
        const [pid] = pool.pids();
        const out = await pool.run({ ...job('stuck', script), limits: { ...limits, cpuMs, wallMs: 20_000 } });
        expect(codeOf(out)).toBe(code);
        // Retired when it answered, not when its exit is noticed: it is out of the pool already.
        expect(pool.pids()).not.toContain(pid);
        await whenGone(pid!);
        const next = await pool.run(job('after-stuck', 'return 2 * 21;'));
        expect(resultOf(next)).toBe(42);
        expect(pool.pids()).toHaveLength(1);
      } finally {
        await pool.close();
      }
    },
  );

  it('retires an executor over its resident memory limit after answering its run', async () => {
    const pool = createExecutorPool({ size: 1, graceMs: 1_000, rssLimitBytes: 1 });
    try {
      const [pid] = pool.pids();
      const out = await pool.run(job('over-rss', 'return 1 + 1;'));
      expect(resultOf(out)).toBe(2);
      expect(pool.pids()).not.toContain(pid);
      await whenGone(pid!);
      const [fresh] = pool.pids();
      const next = await pool.run(job('over-rss-2', 'return 3;'));
      expect(resultOf(next)).toBe(3);
      expect(pool.pids()).not.toContain(fresh);
    } finally {
      await pool.close();
    }
  });

  it('keeps an executor whose runs failed in ordinary ways', async () => {
    const pool = createExecutorPool({ size: 1, graceMs: 1_000 });
    try {
      const [pid] = pool.pids();
      const outs = [
        await pool.run({ ...job('loop', 'while (true) {}'), limits: { ...limits, cpuMs: 200 } }),
        await pool.run(job('grow', 'const keep = []; while (true) keep.push({ n: keep.length });')),
        await pool.run(job('buffer', 'return new ArrayBuffer(2 ** 31).byteLength')),
        await pool.run(job('throws', "throw new Error('no')")),
        await pool.run(job('fine', 'return 5;')),
      ];
      expect(outs.map(codeOf)).toEqual([
        'SANDBOX_TIMEOUT',
        'SANDBOX_MEMORY',
        'SANDBOX_MEMORY',
        'SANDBOX_SCRIPT_ERROR',
        'ok',
      ]);
      expect(pool.pids()).toEqual([pid]);
    } finally {
      await pool.close();
    }
  });
});

describe('error codes through the pool', () => {
  let codes: ExecutorPool;
  beforeAll(() => {
    codes = createExecutorPool({ size: 1, graceMs: 1_000 });
  });
  afterAll(() => codes.close());

  it("a promise the script leaves rejected is the script's error", async () => {
    const out = await codes.run(job('floating', "Promise.reject(new Error('forgotten')); return 1"));
    expect(out.output).toMatchObject({ ok: false, code: 'SANDBOX_SCRIPT_ERROR' });
    if (!out.output.ok)
      expect(out.output.errorMessage).toMatch(/^Unhandled promise rejection: Error: forgotten/);
  });

  it('a failed array buffer allocation is memory exhaustion', async () => {
    const out = await codes.run(job('buffer', 'return new Float64Array(3e8).length'));
    expect(codeOf(out)).toBe('SANDBOX_MEMORY');
  });

  it('a fault of the host is a host error, told without a stack or a path, and the executor carries on', async () => {
    const [pid] = codes.pids();
    // Limits the runner refuses: a bug of the caller, thrown by host code in the executor.
    const out = await codes.run({ ...job('bad-limits', 'return 1'), limits: { ...limits, memoryMb: 1 } });
    expect(out.output).toMatchObject({ ok: false, code: 'SANDBOX_HOST_ERROR' });
    if (!out.output.ok)
      expect(out.output.errorMessage).not.toMatch(/\bat |\.ts\b|\/work\/|file:|node_modules/);
    expect(resultOf(await codes.run(job('after-bad-limits', 'return 1')))).toBe(1);
    expect(codes.pids()).toEqual([pid]);
  });

  it('a table that cannot be loaded is a host error that does not carry what the loader said', async () => {
    const out = await codes.run({
      ...job('no-table', 'return 1'),
      ...tablesOf([
        {
          key: 'people:gone',
          load: async () => {
            throw new Error('ENOENT: no such file /var/lib/enclave/tables/people.bin');
          },
        },
      ]),
    });
    expect(out.output).toMatchObject({ ok: false, code: 'SANDBOX_HOST_ERROR' });
    if (!out.output.ok) expect(out.output.errorMessage).not.toMatch(/ENOENT|\/var\/lib/);
  });
});

describe('an executor whose cache cannot hold all of a run’s tables', () => {
  const tableAs = (key: string): TTable => ({ ...table, key, name: key.toLowerCase().replace(':', '-') });
  const onTables = (
    runId: string,
    keys: string[],
    load = (key: string) => Promise.resolve(tableAs(key)),
  ) => ({
    ...job(runId, 'return enclave.tables.length;'),
    ...tablesOf(keys.map((key) => ({ key, load: () => load(key) }))),
  });

  it('still runs with the tables it was sent', async () => {
    // Each table is 24 bytes: the cache holds one.
    const small = createExecutorPool({ size: 1, graceMs: 1_000, cacheBytes: 30 });
    try {
      await small.run(onTables('a', ['people:A']));
      const out = await small.run(onTables('ab', ['people:A', 'people:B']));
      expect(resultOf(out)).toBe(2);
    } finally {
      await small.close();
    }
  });

  it('answers a host error when a table it must send again cannot be loaded', async () => {
    const small = createExecutorPool({ size: 1, graceMs: 1_000, cacheBytes: 30 });
    try {
      await small.run(onTables('a', ['people:A']));
      // The pool thinks the executor holds A; adding B evicts it, so the executor asks for A again.
      const out = await small.run(
        onTables('ab', ['people:A', 'people:B'], async (key) => {
          if (key === 'people:A') throw new Error('/var/lib/enclave/tables/A.bin is gone');
          return tableAs(key);
        }),
      );
      expect(out.output).toMatchObject({ ok: false, code: 'SANDBOX_HOST_ERROR' });
    } finally {
      await small.close();
    }
  });
});
