import { and, eq, isNull } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { apiTokens } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';

/**
 * Revokes a token. With `scope: 'own'` only the caller's own (another's is a 404, for the admin
 * too); with `'any-as-admin'` the admin may revoke any, anyone else only their own.
 */
export async function revokeToken(
  deps: Deps,
  call: { actor: TActor; requestId: string },
  tokenId: string,
  scope: 'own' | 'any-as-admin',
) {
  const { actor, requestId } = call;
  const mayRevokeAny = scope === 'any-as-admin' && actor.role === 'admin';
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [token] = await tx.select().from(apiTokens).where(eq(apiTokens.id, tokenId));
    if (!token || (!mayRevokeAny && token.userId !== actor.userId)) throw notFound('token');
    const [updated] = await tx
      .update(apiTokens)
      .set({ revokedAt: at })
      .where(and(eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    if (updated) {
      await appendAuditEntry(tx, {
        actor,
        action: 'token.revoke',
        objectType: 'token',
        objectId: tokenId,
        details: { userId: token.userId },
        requestId,
        at,
      });
    }
    return { id: tokenId, revokedAt: token.revokedAt ?? at };
  });
}
