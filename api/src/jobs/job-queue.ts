import { randomBytes } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../db/client.ts';
import { jobs } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { newId } from '../lib/ids.ts';

export type TJob = typeof jobs.$inferSelect;

/** Queues a job in the caller's transaction: it exists exactly when the work it stands for does. */
export async function enqueueJob(
  tx: Db,
  job: { kind: string; refId: string; maxAttempts?: number; at: Date },
): Promise<string> {
  const id = newId('job');
  await tx.insert(jobs).values({
    id,
    kind: job.kind,
    refId: job.refId,
    maxAttempts: job.maxAttempts ?? 1,
    createdAt: job.at,
  });
  return id;
}

/**
 * Takes the oldest queued job of the given kinds for this worker, leased for `leaseMs`, or null.
 * FOR UPDATE SKIP LOCKED lets any number of workers on any number of machines share the queue
 * without taking a job twice.
 */
export async function claimJob(
  deps: Deps,
  workerId: string,
  kinds: readonly string[],
  leaseMs: number,
): Promise<TJob | null> {
  const now = deps.clock.now();
  const rows = rowsOf<{ id: string }>(
    await deps.db.execute(sql`
      update jobs set status = 'running', attempts = attempts + 1, worker_id = ${workerId},
        started_at = ${now.toISOString()}::timestamptz,
        lease_until = ${new Date(now.getTime() + leaseMs).toISOString()}::timestamptz
      where id = (
        select id from jobs where status = 'queued' and kind in (${sql.join(
          kinds.map((k) => sql`${k}`),
          sql`, `,
        )})
        order by created_at, id for update skip locked limit 1
      )
      returning id`),
  );
  if (!rows[0]) return null;
  const [job] = await deps.db.select().from(jobs).where(eq(jobs.id, rows[0].id));
  return job ?? null;
}

/** Extends the leases of a worker's running jobs; the heartbeat of a live worker. */
export async function renewLeases(deps: Deps, workerId: string, leaseMs: number): Promise<void> {
  const until = new Date(deps.clock.now().getTime() + leaseMs);
  await deps.db
    .update(jobs)
    .set({ leaseUntil: until })
    .where(and(eq(jobs.workerId, workerId), eq(jobs.status, 'running')));
}

/** Ends a job this worker holds: done, or failed with the reason. */
export async function finishJob(
  deps: Deps,
  job: Pick<TJob, 'id' | 'workerId'>,
  outcome: { status: 'done' } | { status: 'failed'; error: string },
): Promise<void> {
  await deps.db
    .update(jobs)
    .set({
      status: outcome.status,
      lastError: outcome.status === 'failed' ? outcome.error : null,
      finishedAt: deps.clock.now(),
      leaseUntil: null,
    })
    .where(and(eq(jobs.id, job.id), eq(jobs.status, 'running'), eq(jobs.workerId, job.workerId ?? '')));
}

/**
 * Takes back running jobs whose worker is gone: `isLost(workerId)` says so (its session lock is
 * free), or the lease ran out. A job with attempts left is queued again; the others fail and are
 * returned, for their handlers to record.
 */
export async function reclaimJobs(
  deps: Deps,
  isLost: (workerId: string) => Promise<boolean>,
): Promise<TJob[]> {
  const now = deps.clock.now();
  const running = await deps.db
    .selectDistinct({ workerId: jobs.workerId })
    .from(jobs)
    .where(eq(jobs.status, 'running'));
  const lost: string[] = [];
  for (const { workerId } of running) if (workerId && (await isLost(workerId))) lost.push(workerId);
  return deps.db.transaction(async (tx) => {
    const stale = await tx
      .select()
      .from(jobs)
      .where(
        and(
          eq(jobs.status, 'running'),
          lost.length > 0
            ? sql`(${jobs.workerId} in (${sql.join(
                lost.map((w) => sql`${w}`),
                sql`, `,
              )}) or ${jobs.leaseUntil} < ${now.toISOString()}::timestamptz)`
            : lt(jobs.leaseUntil, now),
        ),
      )
      .for('update', { skipLocked: true });
    const failed: TJob[] = [];
    for (const job of stale) {
      const isRetried = job.attempts < job.maxAttempts;
      const [row] = await tx
        .update(jobs)
        .set(
          isRetried
            ? { status: 'queued', workerId: null, leaseUntil: null, lastError: 'its worker stopped' }
            : { status: 'failed', leaseUntil: null, finishedAt: now, lastError: 'its worker stopped' },
        )
        .where(eq(jobs.id, job.id))
        .returning();
      if (!isRetried && row) failed.push(row);
    }
    return failed;
  });
}

/**
 * A worker's id for one life of its process, `<name>#<random>`: the process holds the session
 * lock `workerLockKey(id)` while it takes jobs, so a job running under an id whose lock is free
 * was left by a worker that died.
 */
export const workerIdFor = (name: string) => `${name}#${randomBytes(4).toString('hex')}`;
export const workerLockKey = (workerId: string) => `enclave.worker:${workerId}`;
