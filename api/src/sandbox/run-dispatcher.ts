import type { ExecutorPool } from '@enclave/sandbox';
import { isDatabaseUnavailable } from '../db/errors.ts';
import type { TSessionLock } from '../db/session-locks.ts';
import type { Deps } from '../deps.ts';
import {
  claimRun,
  failAbandonedRuns,
  failRunsOfLostWorkers,
  workerIdFor,
  workerLockKey,
} from './claim-run.ts';
import { executeRun } from './execute-run.ts';
import { failRuns } from './fail-runs.ts';

export type TDispatcherOptions = {
  slots: number;
  /** Names this process's worker (host and pid); a suffix makes it unique to this life of it. */
  workerId: string;
  pollMs?: number;
  abandonAfterMs?: number;
  /** How often to look for runs of workers that died; also done at start. */
  reapMs?: number;
};

/** How long a run whose outcome could not be recorded keeps trying, one attempt a second. */
const RECORD_ATTEMPTS = 300;

/**
 * Takes queued runs from the database and executes them on the executor pool, `slots` at a time.
 * The same code runs inside `npm start` (embedded database) and in `enclave worker` processes on
 * other machines (a PostgreSQL server): the queue is the runs table. The worker holds its lock
 * (`workerLockKey`) whenever it takes runs, and fails the runs of workers whose lock is free.
 */
export function createRunDispatcher(deps: Deps, pool: ExecutorPool, opts: TDispatcherOptions) {
  const workerId = workerIdFor(opts.workerId);
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

  /** Records a run as failed, trying again while the database is away (it comes back). */
  async function recordFailure(id: string, code: string) {
    const error = { code, message: 'the run could not be completed' };
    for (let i = 0; i < RECORD_ATTEMPTS && !isStopped; i++) {
      try {
        await failRuns(deps, { ids: [id] }, error);
        return;
      } catch (err) {
        if (!isDatabaseUnavailable(err)) {
          deps.logger.error('could not record a failed run', { runId: id, error: String(err) });
          return;
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  async function runOne(id: string) {
    try {
      await executeRun(deps, pool, id);
    } catch (err) {
      deps.logger.error('sandbox run failed in the dispatcher', { runId: id, error: String(err) });
      await recordFailure(id, isDatabaseUnavailable(err) ? 'DATABASE_UNAVAILABLE' : 'SANDBOX_CRASHED');
      await deps.runEvents.finished(id);
    }
  }

  async function tick() {
    if (isTicking || isStopped) return;
    isTicking = true;
    try {
      // Without its lock a worker could be taken for dead while it runs what it claims.
      const isHolding = active < opts.slots && (await holdWorkerLock());
      while (isHolding && !isStopped && active < opts.slots) {
        const id = await claimRun(deps, workerId);
        if (!id) break;
        active++;
        void runOne(id).finally(() => {
          active--;
          void tick();
          settleIdle();
        });
      }
    } catch (err) {
      deps.logger.warn('sandbox queue poll failed', { error: String(err) });
    } finally {
      isTicking = false;
      settleIdle();
    }
  }

  const reap = async () => {
    try {
      const lost = await failRunsOfLostWorkers(deps);
      if (lost.length > 0) deps.logger.warn('failed the runs of workers that stopped', { runIds: lost });
      await failAbandonedRuns(deps, opts.abandonAfterMs ?? 15 * 60_000);
    } catch (err) {
      deps.logger.warn('sandbox reaper failed', { error: String(err) });
    }
  };

  const poll = setInterval(() => void tick(), opts.pollMs ?? 500);
  const reaper = setInterval(() => void reap(), opts.reapMs ?? 15_000);
  poll.unref();
  reaper.unref();
  const started = reap().then(() => tick());

  return {
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
      clearInterval(reaper);
      await started;
      while (active > 0) await new Promise((r) => setTimeout(r, 50));
      await workerLock?.release();
    },
  };
}

export type RunDispatcher = ReturnType<typeof createRunDispatcher>;
