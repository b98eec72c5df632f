import { randomBytes } from 'node:crypto';
import { and, eq, like, sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.ts';
import { sandboxRuns } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { failRuns } from './fail-runs.ts';

/**
 * Takes the oldest queued run for this worker, or null. FOR UPDATE SKIP LOCKED lets any number of
 * workers on any number of machines share the queue without taking the same run twice.
 */
export async function claimRun(deps: Deps, workerId: string): Promise<string | null> {
  const rows = rowsOf<{ id: string }>(
    await deps.db.execute(sql`
      update sandbox_runs set status = 'running', started_at = ${deps.clock.now().toISOString()}::timestamptz, worker_id = ${workerId},
        attempts = attempts + 1
      where id = (
        select id from sandbox_runs where status = 'queued' order by created_at, id
        for update skip locked limit 1
      )
      returning id`),
  );
  return rows[0]?.id ?? null;
}

/**
 * A worker's id for one life of its process, `<name>#<random>`: the process holds the lock
 * `workerLockKey(id)` while it takes runs, so a run `running` under an id whose lock is free was
 * left by a worker that died. Ids without `#` are of workers of an earlier release, which hold no
 * lock; only the time limit of `failAbandonedRuns` reclaims theirs.
 */
export const workerIdFor = (name: string) => `${name}#${randomBytes(4).toString('hex')}`;
export const workerLockKey = (workerId: string) => `enclave.worker:${workerId}`;

/** Fails the runs of workers whose lock is free: they died (or lost the database) mid-run. */
export async function failRunsOfLostWorkers(deps: Deps): Promise<string[]> {
  const workers = await deps.db
    .selectDistinct({ workerId: sandboxRuns.workerId })
    .from(sandboxRuns)
    .where(and(eq(sandboxRuns.status, 'running'), like(sandboxRuns.workerId, '%#%')));
  const failed: string[] = [];
  for (const { workerId } of workers) {
    if (!workerId) continue;
    const lock = await deps.database.tryLock(workerLockKey(workerId));
    if (!lock) continue;
    try {
      failed.push(
        ...(await failRuns(
          deps,
          { workerId },
          { code: 'SANDBOX_CRASHED', message: 'the worker running it stopped' },
        )),
      );
    } finally {
      await lock.release();
    }
  }
  return failed;
}

/** Runs left `running` longer than `olderThanMs` are failed, so they do not hang forever. */
export async function failAbandonedRuns(deps: Deps, olderThanMs: number): Promise<number> {
  const startedBefore = new Date(deps.clock.now().getTime() - olderThanMs);
  const failed = await failRuns(
    deps,
    { startedBefore },
    { code: 'SANDBOX_CRASHED', message: 'the run did not finish in time' },
  );
  return failed.length;
}
