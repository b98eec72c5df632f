import { and, inArray } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import { sandboxRuns } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { runFinishEntry } from './execute-run.ts';

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
    const failed = await tx
      .update(sandboxRuns)
      .set({ status: 'failed', errorCode: error.code, errorMessage: error.message, finishedAt: at })
      .where(and(inArray(sandboxRuns.status, ['queued', 'running']), inArray(sandboxRuns.id, ids)))
      .returning();
    for (const run of failed) {
      await appendAuditEntry(
        tx,
        runFinishEntry(run, 'failed', at, {
          errorCode: error.code,
          queryShape: null,
          workerId: run.workerId,
        }),
      );
    }
    return failed.map((r) => r.id);
  });
}
