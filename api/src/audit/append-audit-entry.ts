import { sql } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import type { Db } from '../db/client.ts';
import { auditEntries } from '../db/schema/index.ts';
import { auditLeafHash, type TAuditRow } from './entry-encoding.ts';

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
 * the entry exists exactly when the action does. `audit_tree_append()` takes the next index from
 * the single state row, which locks that row until commit and gives concurrent actions one
 * gap-free order, and stores the leaf hash and the subtrees it completes: one statement in all.
 */
export async function appendAuditEntry(tx: Db, entry: TAuditEntry): Promise<number> {
  const row: TAuditRow = {
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
    // As jsonb will give it back (undefined dropped, dates as strings), so the leaf hashes what is stored.
    details: JSON.parse(JSON.stringify(entry.details ?? {})) as Record<string, unknown>,
    requestId: entry.requestId ?? null,
  };
  const [inserted] = await tx
    .insert(auditEntries)
    .values({ ...row, seq: sql`audit_tree_append(${auditLeafHash(row)})` })
    .returning({ seq: auditEntries.seq });
  if (!inserted) throw new Error('audit entry not inserted');
  return inserted.seq;
}
