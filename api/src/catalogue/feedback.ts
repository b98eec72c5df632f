import { and, desc, eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { datasetFeedback, datasets } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { newId } from '../lib/ids.ts';
import { getVisibleDataset } from './get-dataset.ts';

export type TFeedbackInput = {
  kind: 'error' | 'objection' | 'request' | 'other';
  body: string;
  contact?: string | undefined;
};

/** Files feedback (异议反馈) on a dataset anyone can see; callers need no token. */
export async function fileFeedback(
  deps: Deps,
  actor: TActor | null,
  datasetId: string,
  input: TFeedbackInput,
  requestId?: string,
) {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    await getVisibleDataset(tx, actor, datasetId);
    const id = newId('fb');
    const [row] = await tx
      .insert(datasetFeedback)
      .values({
        id,
        datasetId,
        authorUserId: actor?.userId ?? null,
        kind: input.kind,
        body: input.body,
        contact: input.contact ?? null,
        createdAt: at,
      })
      .returning();
    await appendAuditEntry(tx, {
      actor,
      action: 'feedback.file',
      objectType: 'feedback',
      objectId: id,
      datasetId,
      details: { kind: input.kind },
      requestId,
      at,
    });
    return row!;
  });
}

/**
 * Feedback on a dataset. Its provider's org and the admin see everything, contact details
 * included; everyone else sees answered feedback only, without who filed it.
 */
export async function listFeedback(deps: Deps, actor: TActor | null, datasetId: string) {
  const dataset = await getVisibleDataset(deps.db, actor, datasetId);
  const isOwner =
    !!actor &&
    (actor.role === 'admin' || (actor.role === 'provider' && actor.orgId === dataset.providerOrgId));
  const rows = await deps.db
    .select()
    .from(datasetFeedback)
    .where(
      isOwner
        ? eq(datasetFeedback.datasetId, datasetId)
        : and(eq(datasetFeedback.datasetId, datasetId), eq(datasetFeedback.status, 'answered')),
    )
    .orderBy(desc(datasetFeedback.createdAt))
    .limit(500);
  return rows.map((r) => (isOwner ? r : { ...r, contact: null, authorUserId: null }));
}

/** The provider answers feedback on its own dataset; another org's feedback is NOT_FOUND. */
export async function answerFeedback(
  deps: Deps,
  actor: TActor,
  feedbackId: string,
  answer: string,
  requestId?: string,
) {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ fb: datasetFeedback, providerOrgId: datasets.providerOrgId })
      .from(datasetFeedback)
      .innerJoin(datasets, eq(datasets.id, datasetFeedback.datasetId))
      .where(eq(datasetFeedback.id, feedbackId))
      .for('update', { of: datasetFeedback });
    if (!row || (actor.role !== 'admin' && row.providerOrgId !== actor.orgId)) throw notFound('feedback');
    if (row.fb.status === 'answered') throw new AppError('INVALID_STATE', 'this feedback has been answered');
    const [updated] = await tx
      .update(datasetFeedback)
      .set({ status: 'answered', answer, answeredBy: actor.userId, answeredAt: at })
      .where(eq(datasetFeedback.id, feedbackId))
      .returning();
    await appendAuditEntry(tx, {
      actor,
      action: 'feedback.answer',
      objectType: 'feedback',
      objectId: feedbackId,
      datasetId: row.fb.datasetId,
      requestId,
      at,
    });
    return updated!;
  });
}
