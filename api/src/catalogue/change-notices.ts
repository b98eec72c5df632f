import { asc, eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { changeNotices } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { newId } from '../lib/ids.ts';
import { addWorkingDays } from '../sharing/working-days.ts';
import { getOwnDataset, getVisibleDataset } from './get-dataset.ts';
import { TIMELINESS_WORKING_DAYS } from './timeliness.ts';

export type TChangeNoticeRow = typeof changeNotices.$inferSelect;

/**
 * Records that a published entry's duties or catalogue information changed (职责或目录信息发生变化):
 * its holder (or the authority) must revise the entry within 20 working days. Another org's
 * dataset is NOT_FOUND; an entry that is not published is INVALID_STATE.
 */
export async function recordChangeNotice(
  deps: Deps,
  actor: TActor,
  datasetId: string,
  what: string,
  requestId?: string,
): Promise<TChangeNoticeRow> {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const dataset = await getOwnDataset(tx, actor, datasetId, true);
    if (dataset.status !== 'published') {
      throw new AppError(
        'INVALID_STATE',
        `a change notice is for a published entry; this one is ${dataset.status}`,
      );
    }
    const due = addWorkingDays(at, TIMELINESS_WORKING_DAYS);
    const id = newId('cn');
    const [row] = await tx
      .insert(changeNotices)
      .values({
        id,
        datasetId,
        what,
        recordedBy: actor.userId,
        recordedAt: at,
        dueAt: due.due,
        isDueOfficial: due.isOfficial,
      })
      .returning();
    await appendAuditEntry(tx, {
      actor,
      action: 'dataset.change_notice',
      objectType: 'change_notice',
      objectId: id,
      datasetId,
      details: { what, dueAt: due.due.toISOString() },
      requestId,
      at,
    });
    return row!;
  });
}

/** The change notices of an entry the caller may see, oldest first. */
export async function listChangeNotices(
  deps: Deps,
  actor: TActor | null,
  datasetId: string,
): Promise<TChangeNoticeRow[]> {
  await getVisibleDataset(deps.db, actor, datasetId);
  return deps.db
    .select()
    .from(changeNotices)
    .where(eq(changeNotices.datasetId, datasetId))
    .orderBy(asc(changeNotices.recordedAt), asc(changeNotices.id));
}
