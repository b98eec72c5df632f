import { and, eq, isNull } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { orgKeys } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';

/** An org's registered public keys: for its own members, the admin and regulators. */
export async function listOrgKeys(deps: Deps, actor: TActor, orgId: string) {
  if (actor.orgId !== orgId && actor.role !== 'admin' && actor.role !== 'regulator') throw notFound('org');
  return deps.db.select().from(orgKeys).where(eq(orgKeys.orgId, orgId)).orderBy(orgKeys.createdAt);
}

/**
 * Revokes one of an org's countersigning keys (its operator, or the admin): a key that leaked. From
 * then on no contract it countersigned can be used, and no application can name it.
 */
export async function revokeOrgKey(
  deps: Deps,
  actor: TActor,
  orgId: string,
  kid: string,
  requestId?: string,
) {
  if (orgId !== actor.orgId && actor.role !== 'admin') throw notFound('org');
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [key] = await tx
      .select()
      .from(orgKeys)
      .where(and(eq(orgKeys.kid, kid), eq(orgKeys.orgId, orgId)));
    if (!key) throw notFound('key');
    if (key.revokedAt) return key;
    const [row] = await tx
      .update(orgKeys)
      .set({ revokedAt: at })
      .where(and(eq(orgKeys.kid, kid), isNull(orgKeys.revokedAt)))
      .returning();
    await appendAuditEntry(tx, {
      actor,
      action: 'org.key_revoke',
      objectType: 'org_key',
      objectId: kid,
      details: { orgId },
      requestId,
      at,
    });
    return row!;
  });
}
