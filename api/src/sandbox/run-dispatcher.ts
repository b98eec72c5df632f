import type { ExecutorPool } from '@enclave/sandbox';
import { eq } from 'drizzle-orm';
import { sandboxRuns } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { claimRun, failAbandonedRuns } from './claim-run.ts';
import { executeRun } from './execute-run.ts';

export type TDispatcherOptions = {
  slots: number;
  workerId: string;
  pollMs?: number;
  abandonAfterMs?: number;
};

/**
 * Takes queued runs from the database and executes them on the executor pool, `slots` at a time.
 * The same code runs inside `npm start` (embedded database) and in `enclave worker` processes on
 * other machines (a PostgreSQL server): the queue is the runs table.
 */
export function createRunDispatcher(deps: Deps, pool: ExecutorPool, opts: TDispatcherOptions) {
  let active = 0;
  let isStopped = false;
  let isTicking = false;
  const idleWaiters: (() => void)[] = [];

  const settleIdle = () => {
    if (active === 0 && !isTicking) for (const w of idleWaiters.splice(0)) w();
  };

  async function runOne(id: string) {
    try {
      await executeRun(deps, pool, id);
    } catch (err) {
      deps.logger.error('sandbox run failed in the dispatcher', { runId: id, error: String(err) });
      await deps.db
        .update(sandboxRuns)
        .set({ status: 'failed', errorCode: 'SANDBOX_CRASHED', finishedAt: deps.clock.now() })
        .where(eq(sandboxRuns.id, id))
        .catch(() => {});
      await deps.runEvents.finished(id);
    }
  }

  async function tick() {
    if (isTicking || isStopped) return;
    isTicking = true;
    try {
      while (!isStopped && active < opts.slots) {
        const id = await claimRun(deps, opts.workerId);
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

  const poll = setInterval(() => void tick(), opts.pollMs ?? 500);
  const reaper = setInterval(() => {
    failAbandonedRuns(deps, opts.abandonAfterMs ?? 15 * 60_000).catch(() => {});
  }, 60_000);
  poll.unref();
  reaper.unref();
  void tick();

  return {
    /** Looks for work now rather than at the next poll. */
    wake: () => void tick(),
    /** Resolves once nothing is running and the queue looked empty. */
    async idle() {
      await tick();
      if (active === 0 && !isTicking) return;
      await new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    async stop() {
      isStopped = true;
      clearInterval(poll);
      clearInterval(reaper);
      while (active > 0) await new Promise((r) => setTimeout(r, 50));
    },
  };
}

export type RunDispatcher = ReturnType<typeof createRunDispatcher>;
