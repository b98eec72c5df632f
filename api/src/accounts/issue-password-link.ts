import { randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { hashToken } from '../auth/tokens.ts';
import type { Db } from '../db/client.ts';
import { pgCode } from '../db/errors.ts';
import { passwordLinks, users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, invalid, notFound } from '../errors.ts';
import { newId } from '../lib/ids.ts';

/** How long a password link works. */
export const PASSWORD_LINK_TTL_MS = 72 * 3_600_000;

export type TPasswordLink = { token: string; url: string; expiresAt: Date; login: string };

/**
 * Issues a one-time link with which a user sets a password, for 72 hours; earlier unused links of
 * the user stop working. `login` gives the user one (required when the user has none yet, a 409
 * `CONFLICT` when another user holds it). The token is returned here once; only its hash is kept.
 */
export async function issuePasswordLink(
  deps: Deps,
  call: { actor: TActor; requestId: string },
  userId: string,
  input: { login?: string | undefined },
): Promise<TPasswordLink> {
  const at = deps.clock.now();
  try {
    return await deps.db.transaction((tx) =>
      insertPasswordLink(tx, { ...call, at, publicUrl: deps.settings.publicUrl }, userId, input),
    );
  } catch (err) {
    if (pgCode(err) === '23505') throw new AppError('CONFLICT', `the login "${input.login}" is taken`);
    throw err;
  }
}

/** {@link issuePasswordLink} in the caller's transaction; the first start uses it with no actor. */
export async function insertPasswordLink(
  tx: Db,
  call: { actor: TActor | null; requestId: string | null; at: Date; publicUrl: string },
  userId: string,
  input: { login?: string | undefined },
): Promise<TPasswordLink> {
  const [user] = await tx.select({ login: users.login }).from(users).where(eq(users.id, userId));
  if (!user) throw notFound('user');
  const login = input.login ?? user.login;
  if (!login) throw invalid([{ path: 'body.login', message: 'required: the user has no login yet' }]);
  if (login !== user.login) await tx.update(users).set({ login }).where(eq(users.id, userId));
  // Earlier links end now; `used_at` stays null, as they were not used.
  await tx
    .update(passwordLinks)
    .set({ expiresAt: call.at })
    .where(
      and(
        eq(passwordLinks.userId, userId),
        isNull(passwordLinks.usedAt),
        gt(passwordLinks.expiresAt, call.at),
      ),
    );
  const token = randomBytes(32).toString('base64url');
  const id = newId('pwl');
  const expiresAt = new Date(call.at.getTime() + PASSWORD_LINK_TTL_MS);
  await tx.insert(passwordLinks).values({
    id,
    userId,
    hash: hashToken(token),
    createdBy: call.actor?.userId ?? null,
    createdAt: call.at,
    expiresAt,
  });
  await appendAuditEntry(tx, {
    actor: call.actor,
    action: 'password-link.issue',
    objectType: 'user',
    objectId: userId,
    details: { linkId: id, login, expiresAt: expiresAt.toISOString() },
    requestId: call.requestId,
    at: call.at,
  });
  const url = `${call.publicUrl}/password?token=${token}`;
  return { token, url, expiresAt, login };
}
