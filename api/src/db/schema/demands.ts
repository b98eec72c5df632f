import { bigint, boolean, date, index, pgTable, text } from 'drizzle-orm/pg-core';
import { orgs, users } from './accounts.ts';
import { createdAt, tsColumn } from './columns.ts';
import { datasets } from './datasets.ts';

/**
 * `open` until the authority routes it or a department claims it; then the department answers:
 * `fulfilled` (a published dataset), `planned` (by a date, later fulfilled) or `refused` (a reason).
 */
export const DEMAND_STATUSES = ['open', 'routed', 'claimed', 'fulfilled', 'planned', 'refused'] as const;
export type TDemandStatus = (typeof DEMAND_STATUSES)[number];

/** What a department's answer can be. */
export const DEMAND_ANSWERS = ['fulfilled', 'planned', 'refused'] as const;

/**
 * A demand for data (需求清单): what is wanted, for what, and who may hold it; filed by a user or
 * anonymously. The contact is private: never on the board, in the log or with other departments.
 * The current assignment is kept here; every assignment and answer is also a `demand_events` row.
 */
export const demands = pgTable(
  'demands',
  {
    id: text('id').primaryKey(),
    title: text('title').notNull(),
    purpose: text('purpose').notNull(),
    suggestedHolder: text('suggested_holder'),
    filedBy: text('filed_by').references(() => users.id),
    /** An e-mail address or phone number; private. */
    contact: text('contact'),
    /** SHA-256 of the follow token an anonymous filer was given once. */
    followHash: text('follow_hash'),
    status: text('status', { enum: DEMAND_STATUSES }).notNull(),
    assignedOrgId: text('assigned_org_id').references(() => orgs.id),
    routedAt: tsColumn('routed_at'),
    claimedAt: tsColumn('claimed_at'),
    /** When the assigned department must have answered: working days on the official calendar. */
    dueAt: tsColumn('due_at'),
    isDueOfficial: boolean('is_due_official'),
    answeredAt: tsColumn('answered_at'),
    datasetId: text('dataset_id').references(() => datasets.id),
    plannedFor: date('planned_for', { mode: 'string' }),
    /** Why it was refused. */
    reason: text('reason'),
    createdAt: createdAt(),
  },
  (t) => [
    index('demands_created_idx').on(t.createdAt),
    index('demands_assigned_idx').on(t.assignedOrgId, t.createdAt),
  ],
);

export const DEMAND_EVENT_KINDS = ['filed', 'routed', 'claimed', ...DEMAND_ANSWERS] as const;

/**
 * A demand's public history, one row per change: which department it concerned and when. An
 * assignment (`routed`, `claimed`) carries its deadline, so a department that had a demand
 * re-routed away still counts it as received, answered or overdue.
 */
export const demandEvents = pgTable(
  'demand_events',
  {
    /** In the order the changes were made. */
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    demandId: text('demand_id')
      .notNull()
      .references(() => demands.id),
    kind: text('kind', { enum: DEMAND_EVENT_KINDS }).notNull(),
    orgId: text('org_id').references(() => orgs.id),
    dueAt: tsColumn('due_at'),
    datasetId: text('dataset_id').references(() => datasets.id),
    plannedFor: date('planned_for', { mode: 'string' }),
    reason: text('reason'),
    at: tsColumn('at').notNull(),
  },
  (t) => [
    index('demand_events_demand_idx').on(t.demandId, t.at),
    index('demand_events_org_idx').on(t.orgId, t.at),
  ],
);
