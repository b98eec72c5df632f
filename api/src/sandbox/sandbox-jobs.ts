import type { ExecutorPool } from '@enclave/sandbox';
import type { Db } from '../db/client.ts';
import type { Deps } from '../deps.ts';
import type { TJobHandler } from '../jobs/job-dispatcher.ts';
import { enqueueJob } from '../jobs/job-queue.ts';
import { executeRun } from './execute-run.ts';
import { failRuns } from './fail-runs.ts';

export const SANDBOX_RUN_JOB = 'sandbox.run';

/**
 * Queues a run's job in the transaction that creates the run. One attempt: a run whose worker
 * died is failed, not run again, so a script that crashes workers cannot try twice.
 */
export const queueRun = (tx: Db, runId: string, at: Date) =>
  enqueueJob(tx, { kind: SANDBOX_RUN_JOB, refId: runId, maxAttempts: 1, at });

/** The sandbox's handlers for the worker pool's job dispatcher. */
export function sandboxJobHandlers(deps: Deps, pool: ExecutorPool): Record<string, TJobHandler> {
  return {
    [SANDBOX_RUN_JOB]: {
      run: (job) => executeRun(deps, pool, job.refId, job.workerId ?? 'unknown'),
      async fail(job, reason) {
        const code = reason.code === 'DATABASE_UNAVAILABLE' ? reason.code : 'SANDBOX_CRASHED';
        const failed = await failRuns(deps, [job.refId], { code, message: reason.message });
        for (const id of failed) await deps.runEvents.finished(id);
      },
    },
  };
}
