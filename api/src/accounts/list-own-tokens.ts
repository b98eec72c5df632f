import { count, desc, eq } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import { apiTokens } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';

/** The caller's own API tokens, newest first, without their hashes; a page of them and the total. */
export async function listOwnTokens(deps: Deps, actor: TActor, page: { limit: number; offset: number }) {
  const [items, [total]] = await Promise.all([
    deps.db
      .select({
        id: apiTokens.id,
        label: apiTokens.label,
        createdAt: apiTokens.createdAt,
        expiresAt: apiTokens.expiresAt,
        revokedAt: apiTokens.revokedAt,
        lastUsedAt: apiTokens.lastUsedAt,
      })
      .from(apiTokens)
      .where(eq(apiTokens.userId, actor.userId))
      .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id))
      .limit(page.limit)
      .offset(page.offset),
    deps.db.select({ n: count() }).from(apiTokens).where(eq(apiTokens.userId, actor.userId)),
  ]);
  return { items, total: Number(total?.n ?? 0) };
}
