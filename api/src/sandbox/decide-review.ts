import { canonicalize } from '@enclave/contracts';
import { and, arrayContains, desc, eq, inArray, notExists, sql } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { sandboxRunReviews, sandboxRuns } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { sha256Hex } from '../lib/hash.ts';
import { refundPrivacyBudget } from '../licences/privacy-budget.ts';
import { runActor } from './execute-run.ts';

/** Held runs this provider has yet to decide: row runs that read its data. */
export async function listReviews(deps: Deps, actor: TActor) {
  const runs = await deps.db
    .select()
    .from(sandboxRuns)
    .where(
      and(
        eq(sandboxRuns.status, 'pending_review'),
        arrayContains(sandboxRuns.reviewOrgIds, [actor.orgId]),
        notExists(
          deps.db
            .select({ one: sql`1` })
            .from(sandboxRunReviews)
            .where(
              and(eq(sandboxRunReviews.runId, sandboxRuns.id), eq(sandboxRunReviews.orgId, actor.orgId)),
            ),
        ),
      ),
    )
    .orderBy(desc(sandboxRuns.finishedAt))
    .limit(200);
  const decisions = runs.length
    ? await deps.db
        .select()
        .from(sandboxRunReviews)
        .where(
          inArray(
            sandboxRunReviews.runId,
            runs.map((r) => r.id),
          ),
        )
    : [];
  return runs.map((run) => ({ run, decisions: decisions.filter((d) => d.runId === run.id) }));
}

/**
 * A provider whose data a held run read approves or rejects it, with a reason. The run is released
 * when every such provider has approved, and rejected as soon as one rejects. Approval releases the
 * result as it was held for release: aggregates under the same disclosure control as an aggregate
 * run's (suppression, rounding, noise, and the epsilon reserved when it was submitted), the rest as
 * the reviewers saw it. A rejection gives the reserved epsilon back. Another provider's run is
 * NOT_FOUND; a second decision of the same provider is INVALID_STATE.
 */
export async function decideReview(
  deps: Deps,
  actor: TActor,
  runId: string,
  decision: { decision: 'approve' | 'reject'; reason?: string | undefined },
  requestId?: string,
) {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [run] = await tx.select().from(sandboxRuns).where(eq(sandboxRuns.id, runId)).for('update');
    if (!run?.reviewOrgIds.includes(actor.orgId)) throw notFound('run');
    if (run.status !== 'pending_review')
      throw new AppError('INVALID_STATE', `the run is ${run.status}, not awaiting review`);
    const added = await tx
      .insert(sandboxRunReviews)
      .values({
        runId,
        orgId: actor.orgId,
        decision: decision.decision,
        reason: decision.reason ?? '',
        decidedBy: actor.userId,
        decidedAt: at,
      })
      .onConflictDoNothing()
      .returning();
    if (added.length === 0)
      throw new AppError('INVALID_STATE', 'your organisation has already decided this run');
    const decisions = await tx.select().from(sandboxRunReviews).where(eq(sandboxRunReviews.runId, runId));
    const approvals = decisions.filter((d) => d.decision === 'approve').length;
    const isRejected = decision.decision === 'reject';
    const isReleased =
      !isRejected &&
      run.reviewOrgIds.every((org) => decisions.some((d) => d.orgId === org && d.decision === 'approve'));
    let updated = run;
    let releasedText: string | null = null;
    if (isRejected) {
      [updated] = await tx
        .update(sandboxRuns)
        .set({
          status: 'rejected',
          reviewedBy: actor.userId,
          reviewedAt: at,
          reviewReason: decision.reason ?? null,
          epsilonCharged: 0,
        })
        .where(eq(sandboxRuns.id, runId))
        .returning();
      if (run.epsilonCharged > 0 && run.budgetPeriod) {
        await refundPrivacyBudget(
          deps,
          tx,
          runActor(run),
          { contractId: run.contractId, period: run.budgetPeriod, epsilon: run.epsilonCharged, runId },
          requestId,
        );
      }
    } else if (isReleased) {
      const held = run.held ?? {};
      const result = held.releasable ?? null;
      releasedText = canonicalize(result);
      [updated] = await tx
        .update(sandboxRuns)
        .set({
          status: 'succeeded',
          result: sql`${releasedText}::jsonb`,
          disclosure: (held.report ?? null) as never,
          errorCode: held.errorCode ?? null,
          errorMessage: held.errorMessage ?? null,
          logs: held.logs ?? null,
          reviewedBy: actor.userId,
          reviewedAt: at,
          reviewReason:
            decisions
              .map((d) => d.reason)
              .filter(Boolean)
              .join('; ') || null,
        })
        .where(eq(sandboxRuns.id, runId))
        .returning();
    }
    await appendAuditEntry(tx, {
      actor,
      action: isRejected ? 'sandbox.review_reject' : 'sandbox.review_approve',
      objectType: 'sandbox_run',
      objectId: runId,
      contractId: run.contractId,
      details: {
        ...(decision.reason ? { reason: decision.reason } : {}),
        approvals,
        reviewers: run.reviewOrgIds.length,
        status: updated!.status,
        ...(releasedText !== null ? { releasedSha256: sha256Hex(releasedText) } : {}),
        ...(isRejected && run.epsilonCharged > 0 ? { refunded: run.epsilonCharged } : {}),
      },
      requestId,
      at,
    });
    return updated!;
  });
}
