import { isDatabaseUnavailable } from '../db/errors.ts';
import type { TSessionLock } from '../db/session-locks.ts';
import type { Deps } from '../deps.ts';
import {
  claimJob,
  finishJob,
  reclaimJobs,
  renewLeases,
  type TJob,
  workerIdFor,
  workerLockKey,
} from './job-queue.ts';

/** What a worker does with jobs of one kind. */
export type TJobHandler = {
  /** Does the job; a throw fails it (the handler records what that means for its object). */
  run(job: TJob): Promise<void>;
  /** Records a job that failed without its handler finishing: its worker died, or `run` threw. */
  fail(job: TJob, reason: { code: string; message: string }): Promise<void>;
};

export type TDispatcherOptions = {
  slots: number;
  /** Names this process's worker (host and pid); a suffix makes it unique to this life of it. */
  workerId: string;
  pollMs?: number;
  /** How long a claimed job is the worker's without a heartbeat; heartbeats come at a third of it. */
  leaseMs?: number;
  /** How often to take back the jobs of workers that died; also done at start. */
  reapMs?: number;
};

/** How long a failure that could not be recorded keeps trying, one attempt a second. */
const RECORD_ATTEMPTS = 300;

/**
 * Takes jobs from the one queue and runs them with the handler of their kind, `slots` at a time.
 * The same code runs inside `npm start` (embedded database) and in `enclave worker` processes on
 * other machines (a PostgreSQL server). The worker holds its session lock (`workerLockKey`)
 * whenever it takes jobs and renews its leases while it runs them; it takes back the jobs of
 * workers whose lock is free or whose leases ran out.
 */
export function createJobDispatcher(
  deps: Deps,
  handlers: Record<string, TJobHandler>,
  opts: TDispatcherOptions,
) {
  const workerId = workerIdFor(opts.workerId);
  const kinds = Object.keys(handlers);
  const leaseMs = opts.leaseMs ?? 30_000;
  let workerLock: TSessionLock | null = null;
  let active = 0;
  let isStopped = false;
  let isTicking = false;
  const idleWaiters: (() => void)[] = [];

  const settleIdle = () => {
    if (active === 0 && !isTicking) for (const w of idleWaiters.splice(0)) w();
  };

  /** The worker lock, taken again if the database lost it (a restart ends every session). */
  async function holdWorkerLock(): Promise<boolean> {
    if (workerLock && (await workerLock.isHeld())) return true;
    await workerLock?.release();
    workerLock = await deps.database.tryLock(workerLockKey(workerId));
    return workerLock !== null;
  }

  /** Records a failed job, trying again while the database is away (it comes back). */
  async function recordFailure(job: TJob, code: string) {
    const reason = { code, message: 'the job could not be completed' };
    for (let i = 0; i < RECORD_ATTEMPTS && !isStopped; i++) {
      try {
        await handlers[job.kind]!.fail(job, reason);
        await finishJob(deps, job, { status: 'failed', error: code });
        return;
      } catch (err) {
        if (!isDatabaseUnavailable(err)) {
          deps.logger.error('could not record a failed job', { jobId: job.id, error: String(err) });
          return;
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  async function runOne(job: TJob) {
    try {
      await handlers[job.kind]!.run(job);
      await finishJob(deps, job, { status: 'done' });
    } catch (err) {
      deps.logger.error('job failed in the dispatcher', {
        jobId: job.id,
        kind: job.kind,
        error: String(err),
      });
      await recordFailure(job, isDatabaseUnavailable(err) ? 'DATABASE_UNAVAILABLE' : 'WORKER_CRASHED');
    }
  }

  async function tick() {
    if (isTicking || isStopped) return;
    isTicking = true;
    try {
      // Without its lock a worker could be taken for dead while it runs what it claims.
      const isHolding = active < opts.slots && (await holdWorkerLock());
      while (isHolding && !isStopped && active < opts.slots) {
        const job = await claimJob(deps, workerId, kinds, leaseMs);
        if (!job) break;
        active++;
        void runOne(job).finally(() => {
          active--;
          void tick();
          settleIdle();
        });
      }
    } catch (err) {
      deps.logger.warn('job queue poll failed', { error: String(err) });
    } finally {
      isTicking = false;
      settleIdle();
    }
  }

  const isLost = async (other: string) => {
    if (other === workerId) return false;
    const lock = await deps.database.tryLock(workerLockKey(other));
    await lock?.release();
    return lock !== null;
  };

  const reap = async () => {
    try {
      const failed = await reclaimJobs(deps, isLost);
      for (const job of failed) {
        await handlers[job.kind]?.fail(job, {
          code: 'WORKER_CRASHED',
          message: 'the worker running it stopped',
        });
      }
      if (failed.length > 0)
        deps.logger.warn('failed the jobs of workers that stopped', { jobIds: failed.map((j) => j.id) });
    } catch (err) {
      deps.logger.warn('job reaper failed', { error: String(err) });
    }
  };

  const poll = setInterval(() => void tick(), opts.pollMs ?? 500);
  const heartbeat = setInterval(() => {
    if (active > 0) void renewLeases(deps, workerId, leaseMs).catch(() => {});
  }, leaseMs / 3);
  const reaper = setInterval(() => void reap(), opts.reapMs ?? 15_000);
  poll.unref();
  heartbeat.unref();
  reaper.unref();
  const started = reap().then(() => tick());

  return {
    workerId,
    /** Looks for work now rather than at the next poll. */
    wake: () => void tick(),
    /** Resolves once nothing is running and the queue looked empty. */
    async idle() {
      await started;
      await tick();
      if (active === 0 && !isTicking) return;
      await new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    async stop() {
      isStopped = true;
      clearInterval(poll);
      clearInterval(heartbeat);
      clearInterval(reaper);
      await started;
      while (active > 0) await new Promise((r) => setTimeout(r, 50));
      await workerLock?.release();
    },
  };
}

export type JobDispatcher = ReturnType<typeof createJobDispatcher>;
