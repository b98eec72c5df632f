import { ContractError, jwkThumbprint, parsePublicEd25519Jwk } from '@enclave/contracts';
import { eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { orgKeys } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';

/**
 * Registers an Ed25519 public key on the operator's own org, for countersigning contracts. Its kid
 * is the RFC 7638 thumbprint; private keys and any other key type are refused.
 */
export async function registerOrgKey(
  deps: Deps,
  actor: TActor,
  orgId: string,
  jwk: unknown,
  requestId?: string,
) {
  if (orgId !== actor.orgId) throw notFound('org');
  let publicJwk: ReturnType<typeof parsePublicEd25519Jwk>;
  try {
    publicJwk = parsePublicEd25519Jwk(jwk);
  } catch (err) {
    if (err instanceof ContractError) {
      throw new AppError('VALIDATION_FAILED', `body.jwk: ${err.message}`, {
        errors: [{ path: 'body.jwk', message: err.message }],
      });
    }
    throw err;
  }
  const kid = await jwkThumbprint(publicJwk);
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [existing] = await tx.select().from(orgKeys).where(eq(orgKeys.kid, kid));
    if (existing) {
      if (existing.orgId !== orgId) throw new AppError('CONFLICT', 'this key is registered elsewhere');
      return existing;
    }
    const stored = { kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x };
    const [row] = await tx
      .insert(orgKeys)
      .values({ kid, orgId, publicJwk: stored, createdBy: actor.userId, createdAt: at })
      .returning();
    await appendAuditEntry(tx, {
      actor,
      action: 'org.key_register',
      objectType: 'org_key',
      objectId: kid,
      details: { orgId },
      requestId,
      at,
    });
    return row!;
  });
}
