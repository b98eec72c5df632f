import type { TActor } from '../auth/actor.ts';
import type { Deps } from '../deps.ts';
import { appendAuditEntry } from './append-audit-entry.ts';

export type TTamperAttempt = { method: string; path: string; requestId?: string | undefined };

const ENTRY_PATH = /^\/v1\/audit\/entries\/(\d{1,15})$/;
const MAX_LOGGED_PATH = 200;

/**
 * Records an attempt to change the log through its read-only routes (a write method on
 * `/v1/audit/entries…`), refused, in a transaction of its own. The entry names the targeted leaf
 * when the path holds one. Callers log only authenticated attempts, so that anonymous requests
 * cannot grow the log.
 */
export async function logTamperAttempt(deps: Deps, actor: TActor, attempt: TTamperAttempt): Promise<number> {
  const digits = ENTRY_PATH.exec(attempt.path)?.[1];
  const leaf = digits === undefined ? undefined : String(Number(digits));
  const path = attempt.path.slice(0, MAX_LOGGED_PATH);
  return deps.db.transaction((tx) =>
    appendAuditEntry(tx, {
      actor,
      action: 'audit.tamper_attempt',
      objectType: leaf ? 'audit_entry' : 'audit_log',
      objectId: leaf ?? path,
      outcome: 'refused',
      details: { method: attempt.method, path },
      requestId: attempt.requestId ?? null,
      at: deps.clock.now(),
    }),
  );
}
