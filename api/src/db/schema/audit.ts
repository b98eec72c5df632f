import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { bytea, createdAt } from './columns.ts';

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
    // A regulator pages one contract's or one dataset's entries by leaf index.
    index('audit_entries_contract_idx').on(t.contractId, t.seq).where(sql`${t.contractId} is not null`),
    index('audit_entries_dataset_idx').on(t.datasetId, t.seq).where(sql`${t.datasetId} is not null`),
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

/**
 * The Merkle tree over `audit_entries` (RFC 9162): the hash of every perfect subtree, i.e. the
 * `2^level` leaves from `idx · 2^level`; level 0 holds the leaf hashes. Written by
 * `audit_tree_append()` in the transaction of each entry, never updated. Any root or proof for any
 * size up to the log's is made of O(log n) of these rows.
 */
export const auditNodes = pgTable(
  'audit_nodes',
  {
    level: smallint('level').notNull(),
    idx: bigint('idx', { mode: 'number' }).notNull(),
    hash: bytea('hash').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.level, t.idx] }),
    check('audit_nodes_hash_size', sql`octet_length(${t.hash}) = 32`),
  ],
);

/** Signed checkpoints (C2SP tlog-checkpoint) the log has issued, one per size, kept for good. */
export const auditCheckpoints = pgTable('audit_checkpoints', {
  size: bigint('size', { mode: 'number' }).primaryKey(),
  rootHash: bytea('root_hash').notNull(),
  /** The signed note exactly as served. */
  note: text('note').notNull(),
  createdAt: createdAt(),
});
