import { and, eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { contractDatasets, contracts } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';

/** A provider of one of the contract's datasets, or the admin, revokes it with a reason. */
export async function revokeContract(
  deps: Deps,
  actor: TActor,
  contractId: string,
  reason: string,
  requestId?: string,
) {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(contracts).where(eq(contracts.id, contractId)).for('update');
    if (!row) throw notFound('contract');
    if (actor.role !== 'admin') {
      const [mine] = await tx
        .select()
        .from(contractDatasets)
        .where(
          and(eq(contractDatasets.contractId, contractId), eq(contractDatasets.providerOrgId, actor.orgId)),
        );
      if (!mine) throw notFound('contract');
    }
    if (row.status === 'revoked') throw new AppError('INVALID_STATE', 'the contract is already revoked');
    const [updated] = await tx
      .update(contracts)
      .set({ status: 'revoked', revokedAt: at, revokedBy: actor.userId, revokeReason: reason })
      .where(eq(contracts.id, contractId))
      .returning();
    await appendAuditEntry(tx, {
      actor,
      action: 'contract.revoke',
      objectType: 'contract',
      objectId: contractId,
      contractId,
      details: { reason },
      requestId,
      at,
    });
    return updated!;
  });
}
