import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxRuns } from '../src/db/schema/index.ts';
import { runScript, sandboxSession } from './helpers/sandbox.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let now = new Date();
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ sandbox: 2, clock: { now: () => now } });
});
afterAll(() => t.close());

describe('sandbox refuses and survives', () => {
  it('never shows an error message or a log line from real data to the operator', async () => {
    const s = await sandboxSession(t);
    const slug = JSON.stringify(s.slug);
    const { run: thrown } = await runScript(
      t,
      s,
      `const r = [...enclave.table(${slug}).rows()][0]; throw new Error('wage ' + r.wage_base);`,
    );
    expect(thrown.status).toBe('failed');
    expect(thrown.errorCode).toBe('SANDBOX_SCRIPT_ERROR');
    expect(thrown.errorMessage).toBeNull();
    expect(JSON.stringify(thrown)).not.toContain('wage 4');
    const { run: logged } = await runScript(
      t,
      s,
      `const r = [...enclave.table(${slug}).rows()][0]; console.log('wage', r.wage_base); return enclave.table(${slug}).groupBy('district').count();`,
    );
    expect(logged.logs).toBeNull();
    expect(JSON.stringify(logged)).not.toMatch(/wage \d/);
  });

  it('does not show the operator the usage of a real run, which a script can make depend on a row', async () => {
    const s = await sandboxSession(t);
    const slug = JSON.stringify(s.slug);
    // Burns ~80 ms of CPU and ~8 MB of heap only when the first person's wage is above `limit`.
    const script = `const w = enclave.table(${slug}).col('wage_base');
      if (w[0] > params.limit) { const end = Date.now() + 80; const keep = []; while (Date.now() < end) keep.push(new Array(1000).fill(1)); }
      return enclave.table(${slug}).groupBy('district').count();`;
    const first = s.rows[0]!.wage_base;
    const { run: busy } = await runScript(t, s, script, { params: { limit: first - 1 } });
    const { run: idle } = await runScript(t, s, script, { params: { limit: first + 1 } });
    expect(busy.status).toBe('succeeded');
    expect(idle.status).toBe('succeeded');
    expect(busy.usage).toBeNull();
    expect(idle.usage).toBeNull();
    // The exact figures are kept for the providers: the channel was there to close.
    const [kept] = await t.deps.db.select().from(sandboxRuns).where(eq(sandboxRuns.id, busy.id));
    expect(kept!.usage!.cpuMs).toBeGreaterThanOrEqual(70);
    // On dummy data the operator sees them.
    const { run: dummy } = await runScript(t, s, script, { target: 'dummy', params: { limit: -1 } });
    expect(dummy.usage.cpuMs).toBeGreaterThanOrEqual(70);
  });

  it('refuses a column outside the contract, naming it, and an unlicensed table', async () => {
    const s = await sandboxSession(t, { columns: ['district', 'wage_base'] });
    const { run } = await runScript(
      t,
      s,
      `return enclave.table(${JSON.stringify(s.slug)}).col('birth_year');`,
      { target: 'dummy' },
    );
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toContain('birth_year');
    const { run: other } = await runScript(t, s, `return enclave.table('someone-elses-data').rowCount;`, {
      target: 'dummy',
    });
    expect(other.status).toBe('failed');
    expect(other.errorMessage).toContain('someone-elses-data');
  });

  it('refuses runs beyond the day’s quota, after revocation and after the term', async () => {
    const s = await sandboxSession(t, { policy: { maxRunsPerDay: 1 } });
    const script = `return enclave.table(${JSON.stringify(s.slug)}).groupBy('district').count();`;
    expect((await runScript(t, s, script)).run.status).toBe('succeeded');
    const over = await runScript(t, s, script);
    expect(over.submitted.status).toBe(429);
    expect(over.submitted.json.code).toBe('QUOTA_EXCEEDED');

    const late = await sandboxSession(t);
    const saved = now;
    now = new Date(Date.now() + 40 * 86_400_000);
    try {
      const expired = await runScript(t, late, script);
      expect(expired.submitted.status).toBe(403);
      expect(expired.submitted.json.code).toBe('CONTRACT_EXPIRED');
    } finally {
      now = saved;
    }
    await t.req('POST', `/v1/contracts/${late.contractId}/revoke`, {
      token: late.provider.token,
      json: { reason: '违规' },
    });
    const revoked = await runScript(t, late, script);
    expect(revoked.submitted.json.code).toBe('CONTRACT_REVOKED');
  });

  it('fails a queued run whose contract was revoked before it started', async () => {
    const s = await sandboxSession(t);
    await t.sandbox!.dispatcher.idle();
    const stopped = t.sandbox!;
    // Submit while nothing claims runs: revoke, then let the workers see it.
    await stopped.dispatcher.stop();
    const submitted = await t.req('POST', `/v1/sandbox/sessions/${s.sessionId}/runs`, {
      token: s.op.token,
      json: { script: 'return 1;', target: 'real' },
    });
    await t.req('POST', `/v1/contracts/${s.contractId}/revoke`, {
      token: s.provider.token,
      json: { reason: '撤销' },
    });
    const { createRunDispatcher } = await import('../src/sandbox/run-dispatcher.ts');
    const again = createRunDispatcher(t.deps, stopped.pool, { slots: 2, workerId: 'test' });
    t.sandbox!.dispatcher = again;
    await again.idle();
    const run = await t.req('GET', `/v1/sandbox/runs/${submitted.json.id}`, { token: s.op.token });
    expect(run.json).toMatchObject({ status: 'failed', errorCode: 'CONTRACT_REVOKED' });
  });

  it('spends DP budget before running and refuses a run that would overspend', async () => {
    const s = await sandboxSession(t, { policy: { epsilon: 1 } });
    const script = `return enclave.table(${JSON.stringify(s.slug)}).groupBy('district').count();`;
    const noEps = await runScript(t, s, script);
    expect(noEps.submitted.status).toBe(400);
    expect((await runScript(t, s, script, { epsilon: 0.7 })).run.status).toBe('succeeded');
    const over = await runScript(t, s, script, { epsilon: 0.5 });
    expect(over.submitted.status).toBe(409);
    expect(over.submitted.json.code).toBe('BUDGET_EXHAUSTED');
    const budget = await t.req('GET', `/v1/contracts/${s.contractId}/budget`, { token: s.op.token });
    expect(budget.json.spent).toBeCloseTo(0.7);
  });

  it('keeps answering /v1/health while 50 hostile scripts run', { timeout: 240_000 }, async () => {
    const s = await sandboxSession(t, { policy: { maxCpuMsPerRun: 500 } });
    const hostile = [
      'while(true){}',
      'await null; while(true){}',
      'await new Promise(() => {})',
      "return 'x'.repeat(2**29)",
      'return new Array(1e9).fill(0)',
      'const f = () => f(); return f()',
      "return this.constructor.constructor('return process')().env",
    ];
    const submitted = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.req('POST', `/v1/sandbox/sessions/${s.sessionId}/runs`, {
          token: s.op.token,
          json: { script: hostile[i % hostile.length], target: 'dummy' },
        }),
      ),
    );
    expect(submitted.every((r) => r.status === 202)).toBe(true);
    const health: number[] = [];
    const done = t.sandbox!.dispatcher.idle();
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      const started = Date.now();
      const res = await t.req('GET', '/v1/health');
      health.push(res.status);
      expect(Date.now() - started).toBeLessThan(5_000);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(health.every((h) => h === 200)).toBe(true);
    for (const r of submitted) {
      const run = await t.req('GET', `/v1/sandbox/runs/${r.json.id}`, { token: s.op.token });
      expect(run.json.status).toBe('failed');
    }
    const { run } = await runScript(t, s, 'return 1 + 1;', { target: 'dummy' });
    expect(run).toMatchObject({ status: 'succeeded', result: 2 });
  });
});
