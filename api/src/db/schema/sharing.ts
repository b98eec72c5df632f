import { boolean, date, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { orgRef, userRef } from './accounts.ts';
import { createdAt, tsColumn } from './columns.ts';
import { datasets } from './datasets.ts';

/**
 * `granted` at once (unconditional), by the holder, or by the authority (overdue, or on arbitration);
 * `rejected` by the holder; `refused` for a `none` dataset, then `objected` while the authority
 * arbitrates (which grants or refuses for good); `revoked` once a grant is withdrawn.
 */
export const SHARING_REQUEST_STATUSES = [
  'pending',
  'granted',
  'rejected',
  'refused',
  'objected',
  'revoked',
] as const;

/** Calls a grant allows per day (China time) unless its decision says otherwise. */
export const DEFAULT_DAILY_CALLS = 10_000;

/**
 * A department's request for another's dataset (一站式申请): the columns, the duty it serves
 * (履职依据), the purpose, the systems that will call, the term; then the holder's decision.
 */
export const sharingRequests = pgTable(
  'sharing_requests',
  {
    id: text('id').primaryKey(),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    holderOrgId: orgRef('holder_org_id'),
    requesterOrgId: orgRef('requester_org_id'),
    requestedBy: userRef('requested_by'),
    columns: text('columns').array().notNull(),
    duty: text('duty').notNull(),
    purpose: text('purpose').notNull(),
    systems: text('systems').array().notNull(),
    notBefore: tsColumn('not_before').notNull(),
    notAfter: tsColumn('not_after').notNull(),
    status: text('status', { enum: SHARING_REQUEST_STATUSES }).notNull(),
    grantedColumns: text('granted_columns').array(),
    reason: text('reason'),
    /** When the holder must have decided a conditional request: working days on the official calendar. */
    dueAt: tsColumn('due_at'),
    /** False when the deadline crosses a year whose official schedule the calendar does not hold. */
    isDueOfficial: boolean('is_due_official'),
    decidedBy: text('decided_by'),
    decidedAt: tsColumn('decided_at'),
    /** Calls the grant allows per day. */
    dailyCalls: integer('daily_calls').notNull().default(DEFAULT_DAILY_CALLS),
    /** The authority's reminders to the holder of an overdue request. */
    urgeCount: integer('urge_count').notNull().default(0),
    urgedAt: tsColumn('urged_at'),
    /** The requester's objection to a refusal, and the authority's ruling on it. */
    objection: text('objection'),
    objectedAt: tsColumn('objected_at'),
    ruling: text('ruling'),
    ruledBy: text('ruled_by'),
    ruledAt: tsColumn('ruled_at'),
    revokedBy: text('revoked_by'),
    revokedAt: tsColumn('revoked_at'),
    revokeReason: text('revoke_reason'),
    createdAt: createdAt(),
  },
  (t) => [
    index('sharing_requests_holder_idx').on(t.holderOrgId, t.createdAt),
    index('sharing_requests_requester_idx').on(t.requesterOrgId, t.createdAt),
  ],
);

/** Calls served through a grant, per day (China time): the daily limit counts these. */
export const sharingGrantUsage = pgTable(
  'sharing_grant_usage',
  {
    requestId: text('request_id')
      .notNull()
      .references(() => sharingRequests.id),
    day: date('day').notNull(),
    calls: integer('calls').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.requestId, t.day] })],
);
