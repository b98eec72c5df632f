import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.ts';
import type { Deps } from '../deps.ts';

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

/** Runs left `running` by a worker that died are failed, so they do not hang forever. */
export async function failAbandonedRuns(deps: Deps, olderThanMs: number): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - olderThanMs);
  const rows = rowsOf<{ id: string }>(
    await deps.db.execute(sql`
      update sandbox_runs set status = 'failed', error_code = 'SANDBOX_CRASHED', finished_at = ${deps.clock.now().toISOString()}::timestamptz
      where status = 'running' and started_at < ${cutoff.toISOString()}::timestamptz
      returning id`),
  );
  return rows.length;
}
