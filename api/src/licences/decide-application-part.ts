import { and, eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { applicationParts, applications, type TPolicyInput } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, invalid, notFound } from '../errors.ts';
import { issueContract } from './issue-contract.ts';
import { policyProblems } from './policy.ts';

export type TDecision =
  | { datasetId: string; decision: 'approve'; policy?: TPolicyInput | undefined }
  | { datasetId: string; decision: 'reject'; reason: string };

/**
 * A provider decides its part of an application. One rejection rejects the application; the last
 * approval issues the contract, in the same transaction.
 */
export async function decideApplicationPart(
  deps: Deps,
  actor: TActor,
  applicationId: string,
  decision: TDecision,
  requestId?: string,
) {
  if (decision.decision === 'approve' && decision.policy) {
    const errors = policyProblems(decision.policy, deps.settings.policy, 'body.policy');
    if (errors.length > 0) throw invalid(errors);
  }
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [app] = await tx
      .select()
      .from(applications)
      .where(eq(applications.id, applicationId))
      .for('update');
    const partWhere = and(
      eq(applicationParts.applicationId, applicationId),
      eq(applicationParts.datasetId, decision.datasetId),
    );
    const [part] = app ? await tx.select().from(applicationParts).where(partWhere) : [];
    if (!app || !part || part.providerOrgId !== actor.orgId) throw notFound('application part');
    if (app.status !== 'pending' || part.status !== 'pending') {
      throw new AppError(
        'INVALID_STATE',
        `this part is already decided (application ${app.status}, part ${part.status})`,
      );
    }
    const isApprove = decision.decision === 'approve';
    await tx
      .update(applicationParts)
      .set({
        status: isApprove ? 'approved' : 'rejected',
        reason: isApprove ? null : decision.reason,
        policy: isApprove ? (decision.policy ?? {}) : {},
        decidedBy: actor.userId,
        decidedAt: at,
      })
      .where(partWhere);
    await appendAuditEntry(tx, {
      actor,
      action: isApprove ? 'application.approve_part' : 'application.reject_part',
      objectType: 'application',
      objectId: applicationId,
      datasetId: decision.datasetId,
      details: isApprove ? { policy: decision.policy ?? {} } : { reason: decision.reason },
      requestId,
      at,
    });
    if (!isApprove) {
      await tx
        .update(applications)
        .set({ status: 'rejected', decidedAt: at })
        .where(eq(applications.id, applicationId));
      return { applicationStatus: 'rejected' as const, contractId: null };
    }
    const parts = await tx
      .select()
      .from(applicationParts)
      .where(eq(applicationParts.applicationId, applicationId));
    if (parts.some((p) => p.status !== 'approved'))
      return { applicationStatus: 'pending' as const, contractId: null };
    const contractId = await issueContract(deps, tx, app, parts, requestId);
    await tx
      .update(applications)
      .set({ status: 'approved', decidedAt: at, contractId })
      .where(eq(applications.id, applicationId));
    return { applicationStatus: 'approved' as const, contractId };
  });
}
