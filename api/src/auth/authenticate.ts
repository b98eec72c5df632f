import { and, eq, isNull } from 'drizzle-orm';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { logRefusedToken } from '../audit/log-refused-token.ts';
import { apiTokens, sessions, users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';
import {
  checkCsrf,
  checkOrigin,
  csrfTokenOf,
  SESSION_COOKIE,
  SESSION_IDLE_MS,
  SESSION_TOUCH_MS,
} from './sessions.ts';
import { hashToken } from './tokens.ts';

/** Methods that change nothing: no CSRF token needed, and a stale cookie reads as anonymous. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Routes used before there is a session (sign-in, registration, setting a password from a link):
 * the cookie is not read, so a stale one does not get in the way, and only `Origin` is checked.
 */
const SESSIONLESS = new Set(['POST /v1/session', 'POST /v1/registrations', 'POST /v1/password']);

/**
 * Reads `Authorization: Bearer <token>`, else the session cookie. No header and no cookie:
 * anonymous. A header with an unknown, revoked or expired token: 401, never a silent fall-back
 * to anonymous. A cookie of an ended session reads as anonymous for GET and HEAD (public pages
 * still work) and for signing out, and is a 401 for any other write. A cookie-authenticated write
 * needs the session's CSRF token (`X-CSRF-Token`) and, when `Origin` is sent, the site's own.
 */
export function authenticate(deps: Deps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('actor', null);
    c.set('session', null);
    const header = c.req.header('authorization');
    if (header) {
      await authenticateBearer(deps, c, header);
      return next();
    }
    if (SESSIONLESS.has(`${c.req.method} ${c.req.path}`)) {
      checkOrigin(c, deps.settings.publicUrl);
      return next();
    }
    const secret = getCookie(c, SESSION_COOKIE);
    if (secret) await authenticateSession(deps, c, secret);
    return next();
  };
}

async function authenticateBearer(deps: Deps, c: Context<AppEnv>, header: string): Promise<void> {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,200})$/.exec(header);
  if (!match) throw new AppError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"');
  const [row] = await deps.db
    .select({
      tokenId: apiTokens.id,
      expiresAt: apiTokens.expiresAt,
      revokedAt: apiTokens.revokedAt,
      lastUsedAt: apiTokens.lastUsedAt,
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
  if (isDue(row.lastUsedAt, now)) {
    await deps.db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.tokenId));
  }
  c.set('actor', actor);
}

async function authenticateSession(deps: Deps, c: Context<AppEnv>, secret: string): Promise<void> {
  const [row] =
    secret.length > 200
      ? []
      : await deps.db
          .select({
            sessionId: sessions.id,
            expiresAt: sessions.expiresAt,
            lastSeenAt: sessions.lastSeenAt,
            revokedAt: sessions.revokedAt,
            userId: users.id,
            orgId: users.orgId,
            role: users.role,
          })
          .from(sessions)
          .innerJoin(users, and(eq(users.id, sessions.userId), isNull(users.disabledAt)))
          .where(eq(sessions.hash, hashToken(secret)))
          .limit(1);
  const now = deps.clock.now();
  const isLive =
    row &&
    !row.revokedAt &&
    row.expiresAt > now &&
    row.lastSeenAt.getTime() + SESSION_IDLE_MS > now.getTime();
  const isSafe = SAFE_METHODS.has(c.req.method);
  if (!isLive) {
    if (isSafe || (c.req.method === 'DELETE' && c.req.path === '/v1/session')) return;
    throw new AppError('UNAUTHENTICATED', 'the session has ended; sign in again');
  }
  const session = { id: row.sessionId, csrfToken: csrfTokenOf(secret) };
  if (!isSafe) checkCsrf(c, session, deps.settings.publicUrl);
  if (isDue(row.lastSeenAt, now)) {
    await deps.db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, row.sessionId));
  }
  c.set('actor', { userId: row.userId, orgId: row.orgId, role: row.role, tokenId: row.sessionId });
  c.set('session', session);
}

const isDue = (last: Date | null, now: Date) => !last || now.getTime() - last.getTime() >= SESSION_TOUCH_MS;
