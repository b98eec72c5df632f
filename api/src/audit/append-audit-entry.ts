import { eq, sql } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import type { Db } from '../db/client.ts';
import { auditEntries, auditLogState } from '../db/schema/index.ts';

export type TAuditEntry = {
  actor: TActor | null;
  action: string;
  objectType: string;
  objectId: string;
  outcome?: 'success' | 'refused' | 'failed';
  datasetId?: string | null;
  contractId?: string | null;
  details?: Record<string, unknown>;
  requestId?: string | null;
  at: Date;
};

/**
 * Appends one entry to the audit log. Call it with the transaction of the action it records, so
 * the entry exists exactly when the action does. Taking the next index from the single state row
 * locks that row until commit, which gives concurrent actions one gap-free order.
 */
export async function appendAuditEntry(tx: Db, entry: TAuditEntry): Promise<number> {
  const [state] = await tx
    .update(auditLogState)
    .set({ size: sql`${auditLogState.size} + 1` })
    .where(eq(auditLogState.id, 1))
    .returning({ size: auditLogState.size });
  if (!state) throw new Error('audit log state row missing');
  const seq = Number(state.size) - 1;
  await tx.insert(auditEntries).values({
    seq,
    occurredAt: entry.at,
    actorUserId: entry.actor?.userId ?? null,
    actorOrgId: entry.actor?.orgId ?? null,
    actorRole: entry.actor?.role ?? null,
    action: entry.action,
    objectType: entry.objectType,
    objectId: entry.objectId,
    contractId: entry.contractId ?? null,
    datasetId: entry.datasetId ?? null,
    outcome: entry.outcome ?? 'success',
    details: entry.details ?? {},
    requestId: entry.requestId ?? null,
  });
  return seq;
}
