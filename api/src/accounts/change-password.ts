import { eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { checkPasswordPolicy, hashPassword, verifyPassword } from '../auth/passwords.ts';
import { users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { invalid, notFound } from '../errors.ts';
import { endSessionsOf } from './end-session.ts';

/**
 * Changes the caller's own password, given the current one. The caller's other sessions end (the
 * one it calls from, if any, goes on). Logged as `password.change`.
 */
export async function changePassword(
  deps: Deps,
  call: { actor: TActor; requestId: string; sessionId: string | null },
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  const at = deps.clock.now();
  const { actor } = call;
  const [user] = await deps.db
    .select({ login: users.login, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, actor.userId));
  if (!user) throw notFound('user');
  if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
    throw invalid([{ path: 'body.currentPassword', message: 'not the current password' }]);
  }
  checkPasswordPolicy(input.newPassword, user.login, 'body.newPassword');
  const passwordHash = await hashPassword(input.newPassword);
  await deps.db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, actor.userId));
    await endSessionsOf(tx, actor.userId, at, call.sessionId);
    await appendAuditEntry(tx, {
      actor,
      action: 'password.change',
      objectType: 'user',
      objectId: actor.userId,
      details: {},
      requestId: call.requestId,
      at,
    });
  });
}
