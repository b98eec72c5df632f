import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { signInFailures } from '../db/schema/index.ts';

/** Failed sign-ins of one login within {@link FAILURE_WINDOW_MS} that lock it. */
export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60_000;
/** How long a locked login stays locked. */
export const LOCK_MS = 15 * 60_000;

/** When the login's lock-out ends, if it is locked at `at`. */
export async function lockedUntil(db: Db, login: string, at: Date): Promise<Date | null> {
  const [row] = await db
    .select({ lockedUntil: signInFailures.lockedUntil })
    .from(signInFailures)
    .where(eq(signInFailures.login, login));
  return row?.lockedUntil && row.lockedUntil > at ? row.lockedUntil : null;
}

/**
 * Counts a failed sign-in of a login (known or not, so a lock-out tells nothing about which logins
 * exist) in one statement; the failure that reaches {@link MAX_FAILURES} within the window locks
 * the login and returns when the lock ends.
 */
export async function recordFailure(db: Db, login: string, at: Date): Promise<Date | null> {
  const windowFrom = sql`${new Date(at.getTime() - FAILURE_WINDOW_MS).toISOString()}::timestamptz`;
  const isInWindow = sql`${signInFailures.windowStart} > ${windowFrom}`;
  const [row] = await db
    .insert(signInFailures)
    .values({ login, count: 1, windowStart: at, lockedUntil: null })
    .onConflictDoUpdate({
      target: signInFailures.login,
      set: {
        count: sql`case when ${isInWindow} then ${signInFailures.count} + 1 else 1 end`,
        windowStart: sql`case when ${isInWindow} then ${signInFailures.windowStart} else ${at.toISOString()}::timestamptz end`,
      },
    })
    .returning({ count: signInFailures.count });
  if (!row || row.count < MAX_FAILURES) return null;
  const until = new Date(at.getTime() + LOCK_MS);
  await db
    .update(signInFailures)
    .set({ count: 0, windowStart: at, lockedUntil: until })
    .where(eq(signInFailures.login, login));
  return until;
}

/** Forgets a login's failures: after a successful sign-in or a new password. */
export async function clearFailures(db: Db, login: string): Promise<void> {
  await db.delete(signInFailures).where(eq(signInFailures.login, login));
}
