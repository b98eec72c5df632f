import { eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { verifyPassword } from '../auth/passwords.ts';
import { users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { clearFailures, lockedUntil, MAX_FAILURES, recordFailure } from './sign-in-failures.ts';
import { startSession, type TStartedSession } from './start-session.ts';

export const SESSION_REFUSED_ACTION = 'session.refused';

/** Refused sign-ins of a locked login logged a minute: a script hammering it must not flood the log. */
const REFUSED_ENTRIES_PER_MINUTE = 1;

/**
 * Signs a user in with login and password and opens a session. A wrong login and a wrong password
 * get the same answer in about the same time; {@link MAX_FAILURES} failures of one login lock it
 * for a while, the right password included. Disabled users cannot sign in.
 */
export async function signIn(
  deps: Deps,
  input: { login: string; password: string },
  requestId: string,
): Promise<TStartedSession> {
  const at = deps.clock.now();
  const login = input.login.toLowerCase();
  const [user] = await deps.db
    .select({
      id: users.id,
      orgId: users.orgId,
      role: users.role,
      passwordHash: users.passwordHash,
      disabledAt: users.disabledAt,
    })
    .from(users)
    .where(eq(users.login, login));
  const owner: TActor | null = user
    ? { userId: user.id, orgId: user.orgId, role: user.role, tokenId: 'sign-in' }
    : null;
  const locked = await lockedUntil(deps.db, login, at);
  if (locked) {
    if (owner) await logRefused(deps, owner, { reason: 'locked', login, requestId, at }, true);
    throw lockedOut(locked, at);
  }
  const isRight = await verifyPassword(input.password, user && !user.disabledAt ? user.passwordHash : null);
  if (!isRight) {
    const until = await recordFailure(deps.db, login, at);
    if (until) {
      if (owner) {
        const lock = {
          reason: 'locked-out',
          login,
          failures: MAX_FAILURES,
          lockedUntil: until.toISOString(),
        };
        await logRefused(deps, owner, { ...lock, requestId, at }, false);
      }
      throw lockedOut(until, at);
    }
    throw new AppError('INVALID_CREDENTIALS', 'wrong login or password');
  }
  return deps.db.transaction(async (tx) => {
    await clearFailures(tx, login);
    return startSession(tx, user!.id, { requestId, at });
  });
}

const lockedOut = (until: Date, at: Date) => {
  const retryAfter = Math.max(1, Math.ceil((until.getTime() - at.getTime()) / 1000));
  return new AppError(
    'ACCOUNT_LOCKED',
    `too many failed sign-ins of this login; try again after ${until.toISOString()}`,
    { retryAfter },
  );
};

/**
 * Records a refused sign-in of a real user (the lock-out, then attempts while locked, at most
 * {@link REFUSED_ENTRIES_PER_MINUTE} a minute) in a transaction of its own, as refused tokens are;
 * unknown logins are never logged (anyone can make those up). Never throws.
 */
async function logRefused(
  deps: Deps,
  owner: TActor,
  entry: { reason: string; requestId: string; at: Date } & Record<string, unknown>,
  isThrottled: boolean,
): Promise<void> {
  const { requestId, at, ...details } = entry;
  if (isThrottled) {
    const key = `refused-sign-in:${owner.userId}`;
    if (deps.rateLimiter.hit(key, REFUSED_ENTRIES_PER_MINUTE, at.getTime()).wait > 0) return;
  }
  await deps.db
    .transaction((tx) =>
      appendAuditEntry(tx, {
        actor: owner,
        action: SESSION_REFUSED_ACTION,
        objectType: 'user',
        objectId: owner.userId,
        outcome: 'refused',
        details,
        requestId,
        at,
      }),
    )
    .catch((e) => deps.logger.error('could not log a refused sign-in', { error: String(e) }));
}
