import { and, eq, isNull, ne } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import type { Db } from '../db/client.ts';
import { sessions } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';

/** Signs a browser out: its session stops working at once. Logged as `session.revoke`. */
export async function endSession(
  deps: Deps,
  call: { actor: TActor; requestId: string },
  sessionId: string,
): Promise<void> {
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const [ended] = await tx
      .update(sessions)
      .set({ revokedAt: at })
      .where(
        and(eq(sessions.id, sessionId), eq(sessions.userId, call.actor.userId), isNull(sessions.revokedAt)),
      )
      .returning({ id: sessions.id });
    if (!ended) return;
    await appendAuditEntry(tx, {
      actor: call.actor,
      action: 'session.revoke',
      objectType: 'session',
      objectId: sessionId,
      details: { userId: call.actor.userId },
      requestId: call.requestId,
      at,
    });
  });
}

/** Ends every live session of a user but `keep` (the caller's own, when it changes its password). */
export async function endSessionsOf(tx: Db, userId: string, at: Date, keep: string | null): Promise<void> {
  await tx
    .update(sessions)
    .set({ revokedAt: at })
    .where(
      and(eq(sessions.userId, userId), isNull(sessions.revokedAt), keep ? ne(sessions.id, keep) : undefined),
    );
}
