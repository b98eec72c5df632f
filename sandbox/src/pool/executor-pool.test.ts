import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TTable } from '../types.ts';
import { createExecutorPool, type ExecutorPool } from './executor-pool.ts';

const table: TTable = {
  name: 'people',
  key: 'people:v1',
  rowCount: 3,
  columns: { age: { type: 'integer', values: Float64Array.from([30, 40, 50]), nulls: null } },
  bounds: { age: { min: 0, max: 120 } },
};
const limits = { memoryMb: 64, cpuMs: 5_000, wallMs: 10_000, maxResultBytes: 100_000 };
let loads = 0;
const job = (runId: string, script: string) => ({
  runId,
  script,
  params: null,
  limits,
  release: { mode: 'dummy' as const },
  tables: [
    {
      key: table.key,
      load: async () => {
        loads++;
        return table;
      },
    },
  ],
});

let pool: ExecutorPool;
beforeAll(() => {
  pool = createExecutorPool({ size: 1, graceMs: 1_000 });
});
afterAll(() => pool.close());

describe('executor pool', () => {
  it('runs in a separate process and sends a table only to a process that lacks it', async () => {
    const a = await pool.run(job('r1', `return enclave.table('people').rowCount + 1;`));
    expect(a.output.ok).toBe(true);
    expect(a.decision).toEqual({ kind: 'dummy', result: 4 });
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
    expect(next.decision).toEqual({ kind: 'dummy', result: 42 });
    expect(pool.pids()[0]).not.toBe(pid);
  });
});

describe('executor pool with two executors', () => {
  it('gives a run to an idle executor that already holds its table', async () => {
    const two = createExecutorPool({ size: 2, graceMs: 1_000 });
    try {
      const loadsOf: Record<string, number> = {};
      const jobOn = (runId: string, key: string, script: string) => ({
        ...job(runId, script),
        tables: [
          {
            key,
            load: async () => {
              loadsOf[key] = (loadsOf[key] ?? 0) + 1;
              return { ...table, key };
            },
          },
        ],
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
        expect(out.decision).toEqual({ kind: 'dummy', result: 3 });
      }
      expect(loadsOf).toEqual({ 'people:T': 1, 'people:U': 1 });
    } finally {
      await two.close();
    }
  });
});
