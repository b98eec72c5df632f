import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const AUDIT_OUTCOMES = ['success', 'refused', 'failed'] as const;

/**
 * The audit log. `seq` is the entry's leaf index: gap-free and in commit order, because it is
 * taken from `audit_log_state` inside the transaction of the action it records.
 */
export const auditEntries = pgTable(
  'audit_entries',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
    actorUserId: text('actor_user_id'),
    actorOrgId: text('actor_org_id'),
    actorRole: text('actor_role'),
    action: text('action').notNull(),
    objectType: text('object_type').notNull(),
    objectId: text('object_id').notNull(),
    contractId: text('contract_id'),
    datasetId: text('dataset_id'),
    outcome: text('outcome', { enum: AUDIT_OUTCOMES }).notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    requestId: text('request_id'),
  },
  (t) => [
    index('audit_entries_time_idx').on(t.occurredAt),
    index('audit_entries_object_idx').on(t.objectType, t.objectId),
    index('audit_entries_actor_idx').on(t.actorOrgId, t.occurredAt),
  ],
);

/** A single row holding the log's size; updating it serialises appends into one order. */
export const auditLogState = pgTable(
  'audit_log_state',
  {
    id: integer('id').primaryKey(),
    size: bigint('size', { mode: 'number' }).notNull(),
  },
  (t) => [check('audit_log_state_single', sql`${t.id} = 1`)],
);
