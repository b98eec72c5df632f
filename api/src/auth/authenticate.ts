import { and, eq, isNull } from 'drizzle-orm';
import type { MiddlewareHandler } from 'hono';
import { logRefusedToken } from '../audit/log-refused-token.ts';
import { apiTokens, users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';
import { hashToken } from './tokens.ts';

/**
 * Reads `Authorization: Bearer <token>`. No header: anonymous. A header with an unknown, revoked
 * or expired token: 401, never a silent fall-back to anonymous.
 */
export function authenticate(deps: Deps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) {
      c.set('actor', null);
      return next();
    }
    const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,200})$/.exec(header);
    if (!match) throw new AppError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"');
    const [row] = await deps.db
      .select({
        tokenId: apiTokens.id,
        expiresAt: apiTokens.expiresAt,
        revokedAt: apiTokens.revokedAt,
        userId: users.id,
        orgId: users.orgId,
        role: users.role,
      })
      .from(apiTokens)
      .innerJoin(users, and(eq(users.id, apiTokens.userId), isNull(users.disabledAt)))
      .where(eq(apiTokens.hash, hashToken(match[1]!)))
      .limit(1);
    const now = deps.clock.now();
    const refused = () => new AppError('UNAUTHENTICATED', 'the token is unknown, revoked or expired');
    if (!row) throw refused();
    const actor = { userId: row.userId, orgId: row.orgId, role: row.role, tokenId: row.tokenId };
    const stale = row.revokedAt ? 'revoked' : row.expiresAt && row.expiresAt <= now ? 'expired' : null;
    if (stale) {
      // A real token past its life (leaked, or a forgotten client) is the regulator's business.
      const request = { method: c.req.method, path: c.req.path, requestId: c.get('requestId') };
      await logRefusedToken(deps, { owner: actor, reason: stale, ...request });
      throw refused();
    }
    c.set('actor', actor);
    return next();
  };
}
