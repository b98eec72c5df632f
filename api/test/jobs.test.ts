import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../src/db/schema/index.ts';
import { createJobDispatcher, type TJobHandler } from '../src/jobs/job-dispatcher.ts';
import { claimJob, enqueueJob, reclaimJobs, renewLeases, workerLockKey } from '../src/jobs/job-queue.ts';
import { failRuns } from '../src/sandbox/fail-runs.ts';
import { sandboxSession } from './helpers/sandbox.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let now = new Date();
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock: { now: () => now } });
});
afterAll(() => t.close());

const enqueue = (kind: string, refId: string, maxAttempts = 1) =>
  t.deps.db.transaction((tx) => enqueueJob(tx, { kind, refId, maxAttempts, at: now }));
const jobOf = async (id: string) => (await t.deps.db.select().from(jobs).where(eq(jobs.id, id)))[0]!;
const nobodyLost = async () => false;
const everyoneLost = async () => true;

describe('the job queue', () => {
  it('hands a job to one claimant only, leased, oldest first', async () => {
    const first = await enqueue('test.a', 'ref-1');
    await enqueue('test.a', 'ref-2');
    const claims = await Promise.all([
      claimJob(t.deps, 'w1#a', ['test.a'], 10_000),
      claimJob(t.deps, 'w2#b', ['test.a'], 10_000),
      claimJob(t.deps, 'w3#c', ['test.a'], 10_000),
    ]);
    const taken = claims.filter((c) => c !== null);
    expect(taken.map((c) => c!.refId).sort()).toEqual(['ref-1', 'ref-2']);
    expect(new Set(taken.map((c) => c!.workerId)).size).toBe(2);
    const row = await jobOf(first);
    expect(row).toMatchObject({ status: 'running', attempts: 1 });
    expect(row.leaseUntil!.getTime()).toBe(now.getTime() + 10_000);
    // Kinds the claimant does not handle stay queued.
    await enqueue('test.other', 'ref-3');
    expect(await claimJob(t.deps, 'w1#a', ['test.a'], 10_000)).toBeNull();
  });

  it('keeps a job while its worker renews the lease, retries it when the lease runs out, and fails it after the last attempt', async () => {
    const id = await enqueue('test.retry', 'ref-r', 2);
    await claimJob(t.deps, 'w#live', ['test.retry'], 10_000);
    now = new Date(now.getTime() + 8_000);
    await renewLeases(t.deps, 'w#live', 10_000);
    now = new Date(now.getTime() + 8_000);
    const ids = async () => (await reclaimJobs(t.deps, nobodyLost)).map((j) => j.id);
    expect(await ids()).not.toContain(id);
    expect((await jobOf(id)).status).toBe('running');
    // No heartbeat: the lease runs out, and the job has an attempt left.
    now = new Date(now.getTime() + 11_000);
    expect(await ids()).not.toContain(id);
    expect(await jobOf(id)).toMatchObject({ status: 'queued', attempts: 1, workerId: null });
    const again = await claimJob(t.deps, 'w#next', ['test.retry'], 10_000);
    expect(again).toMatchObject({ id, attempts: 2 });
    now = new Date(now.getTime() + 11_000);
    expect(await ids()).toEqual([id]);
    expect(await jobOf(id)).toMatchObject({ status: 'failed', lastError: 'its worker stopped' });
  });

  it('takes back at once the jobs of a worker whose lock is free, whatever its lease', async () => {
    const id = await enqueue('test.lost', 'ref-l');
    await claimJob(t.deps, 'w#gone', ['test.lost'], 60_000);
    const failed = await reclaimJobs(t.deps, async (w) => w === 'w#gone' && everyoneLost());
    expect(failed.map((j) => j.id)).toContain(id);
  });
});

describe('the job dispatcher', () => {
  it('runs each job once with the handler of its kind, records a handler that throws, and holds its worker lock', async () => {
    const ran: string[] = [];
    const failed: [string, string][] = [];
    const handler: TJobHandler = {
      async run(job) {
        if (job.refId === 'boom') throw new Error('boom');
        ran.push(job.refId);
      },
      async fail(job, reason) {
        failed.push([job.refId, reason.code]);
      },
    };
    const ids = [
      await enqueue('test.echo', 'one'),
      await enqueue('test.echo', 'two'),
      await enqueue('test.echo', 'boom'),
    ];
    const dispatcher = createJobDispatcher(t.deps, { 'test.echo': handler }, { slots: 2, workerId: 'test' });
    try {
      await dispatcher.idle();
      expect(ran.sort()).toEqual(['one', 'two']);
      expect(failed).toEqual([['boom', 'WORKER_CRASHED']]);
      const rows = await Promise.all(ids.map(jobOf));
      expect(rows.map((r) => r.status)).toEqual(['done', 'done', 'failed']);
      // Its lock is held: another process taking it would fail.
      expect(await t.deps.database.tryLock(workerLockKey(dispatcher.workerId))).toBeNull();
    } finally {
      await dispatcher.stop();
    }
  });
});

describe('a sandbox run whose worker died', () => {
  it('fails a held row run no sooner than its outcome would have shown', async () => {
    const s = await sandboxSession(t);
    const submitted = await t.req('POST', `/v1/sandbox/sessions/${s.sessionId}/runs`, {
      token: s.op.token,
      json: { script: 'return 1', target: 'real', kind: 'rows', cpuMs: 50 },
    });
    expect(submitted.status).toBe(202);
    const id = submitted.json.id as string;
    expect(await failRuns(t.deps, [id], { code: 'SANDBOX_CRASHED', message: 'the worker stopped' })).toEqual([
      id,
    ]);
    const seen = async () => (await t.req('GET', `/v1/sandbox/runs/${id}`, { token: s.op.token })).json;
    // Its hold: the wall limit of 50 ms of CPU (1.1 s) and the executor's grace (5 s).
    expect(await seen()).toMatchObject({ status: 'running', errorCode: null });
    now = new Date(now.getTime() + 6_000);
    expect((await seen()).status).toBe('running');
    now = new Date(now.getTime() + 200);
    expect(await seen()).toMatchObject({ status: 'failed', errorCode: null, logs: null });
  });
});
