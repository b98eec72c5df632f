import { boolean, index, pgTable, text } from 'drizzle-orm/pg-core';
import { orgRef, userRef } from './accounts.ts';
import { createdAt, tsColumn } from './columns.ts';
import { datasets } from './datasets.ts';

/** `granted` at once (unconditional) or by the holder; `rejected` by the holder; `refused` for a `none` dataset. */
export const SHARING_REQUEST_STATUSES = ['pending', 'granted', 'rejected', 'refused'] as const;

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
    createdAt: createdAt(),
  },
  (t) => [
    index('sharing_requests_holder_idx').on(t.holderOrgId, t.createdAt),
    index('sharing_requests_requester_idx').on(t.requesterOrgId, t.createdAt),
  ],
);
