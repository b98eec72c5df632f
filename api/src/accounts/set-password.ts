import { and, eq, gt, isNull } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import { checkPasswordPolicy, hashPassword } from '../auth/passwords.ts';
import { hashToken } from '../auth/tokens.ts';
import { passwordLinks, users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { endSessionsOf } from './end-session.ts';
import { clearFailures } from './sign-in-failures.ts';

const linkInvalid = () =>
  new AppError('LINK_INVALID', 'the link is unknown, used or expired; ask the admin for a new one');

/**
 * Sets a user's password from a one-time link: the link must be unused and unexpired and its
 * user enabled. The link is used up, the user's sessions end and a lock-out of the login is
 * lifted. Logged as `password.set`. Returns the login to sign in with.
 */
export async function setPasswordFromLink(
  deps: Deps,
  input: { token: string; password: string },
  requestId: string,
): Promise<{ login: string }> {
  const at = deps.clock.now();
  const hash = hashToken(input.token);
  const [link] = await deps.db
    .select({ id: passwordLinks.id, userId: passwordLinks.userId, login: users.login })
    .from(passwordLinks)
    .innerJoin(users, and(eq(users.id, passwordLinks.userId), isNull(users.disabledAt)))
    .where(and(eq(passwordLinks.hash, hash), isNull(passwordLinks.usedAt), gt(passwordLinks.expiresAt, at)));
  if (!link?.login) throw linkInvalid();
  checkPasswordPolicy(input.password, link.login, 'body.password');
  const passwordHash = await hashPassword(input.password);
  return deps.db.transaction(async (tx) => {
    // Used up in the same statement that checks it, so two uses at once cannot both pass.
    const [used] = await tx
      .update(passwordLinks)
      .set({ usedAt: at })
      .where(
        and(eq(passwordLinks.id, link.id), isNull(passwordLinks.usedAt), gt(passwordLinks.expiresAt, at)),
      )
      .returning({ id: passwordLinks.id });
    if (!used) throw linkInvalid();
    const [user] = await tx
      .update(users)
      .set({ passwordHash })
      .where(eq(users.id, link.userId))
      .returning({ orgId: users.orgId, role: users.role });
    await endSessionsOf(tx, link.userId, at, null);
    await clearFailures(tx, link.login!);
    await appendAuditEntry(tx, {
      actor: { userId: link.userId, orgId: user!.orgId, role: user!.role, tokenId: link.id },
      action: 'password.set',
      objectType: 'user',
      objectId: link.userId,
      details: { linkId: link.id },
      requestId,
      at,
    });
    return { login: link.login! };
  });
}
