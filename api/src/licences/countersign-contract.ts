import { type TJwsSignature, verifyContract } from '@enclave/contracts';
import { eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { contracts, orgKeys } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { apiErrorOf } from '../library-errors.ts';
import { contractState } from './get-contract.ts';

/**
 * The operator countersigns the payload the platform signed, with the key the contract names.
 * The platform verifies both signatures before the contract becomes active.
 */
export async function countersignContract(
  deps: Deps,
  actor: TActor,
  contractId: string,
  signature: TJwsSignature,
  requestId?: string,
) {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(contracts).where(eq(contracts.id, contractId)).for('update');
    if (!row || row.operatorOrgId !== actor.orgId) throw notFound('contract');
    const state = contractState(row, at);
    if (state !== 'awaiting_countersign') {
      throw new AppError(
        'INVALID_STATE',
        `the contract is ${state}; only one awaiting countersignature can be signed`,
      );
    }
    const [key] = await tx.select().from(orgKeys).where(eq(orgKeys.kid, row.licenseeKid));
    if (!key || key.revokedAt)
      throw new AppError('INVALID_STATE', 'the key this contract names has been revoked');
    const jws = { payload: row.jws.payload, signatures: [...row.jws.signatures, signature] };
    try {
      await verifyContract(jws, {
        platformJwks: await deps.keys.jwks(),
        operatorJwk: key.publicJwk,
        now: at,
        checkTerm: false,
      });
    } catch (err) {
      throw apiErrorOf(err) ?? err;
    }
    const [updated] = await tx
      .update(contracts)
      .set({ jws, status: 'active', countersignedAt: at })
      .where(eq(contracts.id, contractId))
      .returning();
    await appendAuditEntry(tx, {
      actor,
      action: 'contract.countersign',
      objectType: 'contract',
      objectId: contractId,
      contractId,
      details: { kid: row.licenseeKid },
      requestId,
      at,
    });
    return updated!;
  });
}
