import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxRuns } from '../src/db/schema/index.ts';
import { sandboxSession } from './helpers/sandbox.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;

/** An `enclave worker` process against the test's server database, as on another machine. */
async function startWorker(t: TestApp): Promise<{ child: ChildProcess; out: () => string }> {
  // The worker re-verifies contracts with the platform's public keys only: no private key leaves the API.
  const dir = mkdtempSync(join(tmpdir(), 'enclave-worker-'));
  const jwks = join(dir, 'jwks.json');
  writeFileSync(jwks, JSON.stringify(await t.deps.keys.jwks()));
  const child = spawn(process.execPath, [CLI, 'worker'], {
    env: {
      ...process.env,
      DATABASE_URL: t.databaseUrl!,
      DATA_DIR: dir,
      ENCLAVE_NOISE_SECRET: t.deps.settings.sandbox.noiseSecretHex,
      ENCLAVE_JWKS: jwks,
      SANDBOX_EXECUTORS: '1',
      // Polling an hour apart: runs are only taken promptly if the NOTIFY of a submit wakes the worker.
      SANDBOX_POLL_MS: '3600000',
      LOG_LEVEL: 'warn',
    },
  });
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('sandbox worker running')) resolve({ child, out: () => out });
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${out}`)));
  });
}

const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

// `enclave worker` needs a PostgreSQL server (on PGlite, `npm start` runs the executors itself and
// cli.test.ts checks that the worker command refuses to start); CI runs this file on the server.
describe.skipIf(!process.env.DATABASE_URL)('enclave worker processes on a PostgreSQL server', () => {
  let t: TestApp;
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    for (const w of workers) await stop(w);
    await t.close();
  });

  it('share the queue: every run is taken once, by either worker, woken by NOTIFY', {
    timeout: 120_000,
  }, async () => {
    const s = await sandboxSession(t);
    for (const w of await Promise.all([startWorker(t), startWorker(t)])) workers.push(w.child);
    const slug = JSON.stringify(s.slug);
    const real = `return enclave.table(${slug}).where('birth_year', 'gt', params.year).groupBy('district').count();`;
    // Four questions, the first asked three times, and busy dummy runs between them, so one worker
    // cannot take every run before the other wakes.
    const years = [1970, 1980, 1970, 1990, 1970, 1975];
    const busy = {
      target: 'dummy',
      script: 'let x = 0; for (let i = 0; i < 2e8; i++) x += i; return x > 0 ? 1 : 0;',
    };
    const scripts = [
      ...years.map((year) => ({ target: 'real', script: real, params: { year }, epsilon: 0.5 })),
      busy,
      busy,
    ];
    const submitted = await Promise.all(
      scripts.map((json) =>
        t.req('POST', `/v1/sandbox/sessions/${s.sessionId}/runs`, { token: s.op.token, json }),
      ),
    );
    for (const r of submitted) expect(r.status, r.text).toBe(202);
    const finished: {
      status: string;
      errorCode: string | null;
      result: any;
      epsilonCharged: number;
      id: string;
    }[] = [];
    for (const r of submitted) {
      for (;;) {
        // A long poll: the worker's NOTIFY of the finished run wakes this process.
        const run = await t.req('GET', `/v1/sandbox/runs/${r.json.id}?wait=30`, { token: s.op.token });
        if (run.json.status !== 'queued' && run.json.status !== 'running') {
          finished.push(run.json);
          break;
        }
      }
    }
    expect(finished.map((r) => `${r.status} ${r.errorCode ?? ''}`.trim())).toEqual(
      Array(8).fill('succeeded'),
    );
    expect(finished[0].result.rows.length).toBeGreaterThan(0);
    // Charged across both workers exactly once per question: four questions of 0.5, and the same
    // question answered the same whichever worker took it.
    const budget = await t.req('GET', `/v1/contracts/${s.contractId}/budget`, { token: s.op.token });
    expect(budget.json.spent).toBeCloseTo(2, 9);
    const same = [0, 2, 4].map((i) => finished[i]);
    for (const r of same) expect(r.result).toEqual(same[0].result);
    expect(same.map((r) => r.epsilonCharged).sort()).toEqual([0, 0, 0.5]);
    const rows = await Promise.all(
      finished.map(
        async (r) => (await t.deps.db.select().from(sandboxRuns).where(eq(sandboxRuns.id, r.id)))[0]!,
      ),
    );
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    expect(new Set(rows.map((r) => r.workerId)).size).toBe(2);
  });

  it('stop on SIGTERM and leave nothing running', async () => {
    for (const w of workers.splice(0)) expect(await stop(w)).toBe(0);
    const running = await t.deps.db.select().from(sandboxRuns).where(eq(sandboxRuns.status, 'running'));
    expect(running).toEqual([]);
  });
});
