import { canonicalize } from '@enclave/contracts';
import { and, arrayContains, desc, eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { sandboxRuns } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { sha256Hex } from '../lib/hash.ts';

/** Runs waiting for this provider's review: results that are not SDK aggregates. */
export async function listReviews(deps: Deps, actor: TActor) {
  return deps.db
    .select()
    .from(sandboxRuns)
    .where(
      and(eq(sandboxRuns.status, 'pending_review'), arrayContains(sandboxRuns.reviewOrgIds, [actor.orgId])),
    )
    .orderBy(desc(sandboxRuns.finishedAt))
    .limit(200);
}

/**
 * A provider whose data a run used approves (the held result is released to the operator) or
 * rejects it with a reason. Another provider's run is NOT_FOUND.
 */
export async function decideReview(
  deps: Deps,
  actor: TActor,
  runId: string,
  decision: { decision: 'approve' | 'reject'; reason: string },
  requestId?: string,
) {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [run] = await tx.select().from(sandboxRuns).where(eq(sandboxRuns.id, runId)).for('update');
    if (!run?.reviewOrgIds.includes(actor.orgId)) throw notFound('run');
    if (run.status !== 'pending_review')
      throw new AppError('INVALID_STATE', `the run is ${run.status}, not awaiting review`);
    const isApproved = decision.decision === 'approve';
    const released = isApproved ? (run.held?.result ?? null) : null;
    const [updated] = await tx
      .update(sandboxRuns)
      .set({
        status: isApproved ? 'succeeded' : 'rejected',
        result: released,
        reviewedBy: actor.userId,
        reviewedAt: at,
        reviewReason: decision.reason,
      })
      .where(eq(sandboxRuns.id, runId))
      .returning();
    await appendAuditEntry(tx, {
      actor,
      action: isApproved ? 'sandbox.review_approve' : 'sandbox.review_reject',
      objectType: 'sandbox_run',
      objectId: runId,
      contractId: run.contractId,
      details: {
        reason: decision.reason,
        ...(isApproved ? { releasedSha256: sha256Hex(canonicalize(released)) } : {}),
      },
      requestId,
      at,
    });
    return updated!;
  });
}
