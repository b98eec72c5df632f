import { and, eq, inArray } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import { sandboxRuns } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { heldUntil, isHeldRun, runFinishEntry } from './execute-run.ts';

/**
 * Fails runs that can no longer finish (their worker died, or their outcome could not be
 * recorded), each with its audit entry, in one transaction. Only runs still queued or running
 * change, so a run that finished meanwhile keeps its outcome. Returns the ids of the runs failed.
 */
export async function failRuns(
  deps: Deps,
  ids: string[],
  error: { code: string; message: string },
): Promise<string[]> {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const runs = await tx
      .select()
      .from(sandboxRuns)
      .where(and(inArray(sandboxRuns.status, ['queued', 'running']), inArray(sandboxRuns.id, ids)))
      .for('update');
    for (const run of runs) {
      // A held run's failure shows no sooner than its outcome would have: the moment says nothing.
      const visibleAt = isHeldRun(run)
        ? heldUntil(run.startedAt ?? at, run.cpuMs ?? 0, deps.settings.sandbox.graceMs)
        : null;
      await tx
        .update(sandboxRuns)
        .set({
          status: 'failed',
          errorCode: error.code,
          errorMessage: error.message,
          finishedAt: at,
          visibleAt,
        })
        .where(eq(sandboxRuns.id, run.id));
      await appendAuditEntry(
        tx,
        runFinishEntry(run, 'failed', at, {
          errorCode: error.code,
          queryShape: null,
          workerId: run.workerId,
        }),
      );
    }
    return runs.map((r) => r.id);
  });
}
