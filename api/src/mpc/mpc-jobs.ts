import type { MpcPool } from '@enclave/mpc';
import { createTableCache } from '@enclave/sandbox';
import { and, eq, inArray } from 'drizzle-orm';
import { mpcComputations, mpcSessions } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import type { TJobHandler } from '../jobs/job-dispatcher.ts';
import { executeHeScore, executePsiJoin, failSession, finish, preparePsi } from './execute-mpc.ts';

export const MPC_HE_SCORE_JOB = 'mpc.he.score';
export const MPC_PSI_PREPARE_JOB = 'mpc.psi.prepare';
export const MPC_PSI_JOIN_JOB = 'mpc.psi.join';

/** Memory for the tables joint computations last read, in the dispatcher's process. */
export const MPC_TABLE_CACHE_BYTES = 256 * 1024 ** 2;

/** A computation whose worker died: failed, nothing released. */
async function failComputation(deps: Deps, id: string, reason: { code: string; message: string }) {
  const [c] = await deps.db
    .select()
    .from(mpcComputations)
    .where(and(eq(mpcComputations.id, id), inArray(mpcComputations.status, ['queued', 'running'])));
  if (!c) return;
  if (c.status === 'queued')
    await deps.db.update(mpcComputations).set({ status: 'running' }).where(eq(mpcComputations.id, id));
  await finish(
    deps,
    { ...c, status: 'running' },
    { status: 'failed', errorCode: reason.code, errorMessage: reason.message },
  );
}

/** Joint computations' handlers for the job dispatcher; the work itself runs in `pool`'s processes. */
export function mpcJobHandlers(deps: Deps, pool: MpcPool): Record<string, TJobHandler> {
  const rt = { pool, tables: createTableCache(MPC_TABLE_CACHE_BYTES) };
  const workerFailed = (reason: { code: string; message: string }) =>
    reason.code === 'DATABASE_UNAVAILABLE'
      ? reason
      : { code: 'MPC_WORKER_FAILED', message: 'the worker running it stopped' };
  return {
    [MPC_HE_SCORE_JOB]: {
      run: (job) => executeHeScore(deps, rt, job.refId),
      fail: (job, reason) => failComputation(deps, job.refId, workerFailed(reason)),
    },
    [MPC_PSI_JOIN_JOB]: {
      run: (job) => executePsiJoin(deps, rt, job.refId),
      async fail(job, reason) {
        await failComputation(deps, job.refId, workerFailed(reason));
        const [c] = await deps.db.select().from(mpcComputations).where(eq(mpcComputations.id, job.refId));
        const [s] = c ? await deps.db.select().from(mpcSessions).where(eq(mpcSessions.id, c.sessionId)) : [];
        if (s) await failSession(deps, s, workerFailed(reason));
      },
    },
    [MPC_PSI_PREPARE_JOB]: {
      run: (job) => preparePsi(deps, rt, job.refId),
      async fail(job, reason) {
        const [s] = await deps.db.select().from(mpcSessions).where(eq(mpcSessions.id, job.refId));
        if (s && s.status !== 'ready') await failSession(deps, s, workerFailed(reason));
        await deps.runEvents.finished(job.refId);
      },
    },
  };
}
