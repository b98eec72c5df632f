import { eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { csrfTokenOf, generateSessionSecret, SESSION_TTL_MS } from '../auth/sessions.ts';
import { hashToken } from '../auth/tokens.ts';
import type { Db } from '../db/client.ts';
import { orgs, sessions, users } from '../db/schema/index.ts';
import { notFound } from '../errors.ts';
import { newId } from '../lib/ids.ts';
import type { TSessionUser } from './account-call.ts';

export type TStartedSession = {
  id: string;
  /** The cookie's value; only its hash is stored. */
  secret: string;
  csrfToken: string;
  expiresAt: Date;
  user: TSessionUser;
};

/** Opens a browser session for a user in the caller's transaction and logs `session.create`. */
export async function startSession(
  tx: Db,
  userId: string,
  call: { requestId: string; at: Date },
): Promise<TStartedSession> {
  const user = await sessionUser(tx, userId);
  const secret = generateSessionSecret();
  const id = newId('ses');
  const expiresAt = new Date(call.at.getTime() + SESSION_TTL_MS);
  await tx
    .insert(sessions)
    .values({ id, userId, hash: hashToken(secret), createdAt: call.at, expiresAt, lastSeenAt: call.at });
  const actor: TActor = { userId, orgId: user.orgId, role: user.role, tokenId: id };
  await appendAuditEntry(tx, {
    actor,
    action: 'session.create',
    objectType: 'session',
    objectId: id,
    details: { userId, expiresAt: expiresAt.toISOString() },
    requestId: call.requestId,
    at: call.at,
  });
  return { id, secret, csrfToken: csrfTokenOf(secret), expiresAt, user };
}

/** The user as a session answer shows it, with the org's name. */
export async function sessionUser(db: Db, userId: string): Promise<TSessionUser> {
  const [row] = await db
    .select({
      id: users.id,
      orgId: users.orgId,
      orgName: orgs.name,
      name: users.name,
      login: users.login,
      role: users.role,
    })
    .from(users)
    .innerJoin(orgs, eq(orgs.id, users.orgId))
    .where(eq(users.id, userId));
  if (!row) throw notFound('user');
  return row;
}
