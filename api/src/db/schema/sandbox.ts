import { sql } from 'drizzle-orm';
import { doublePrecision, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { orgRef, userRef, users } from './accounts.ts';
import { createdAt, tsColumn } from './columns.ts';
import { contracts } from './licences.ts';

export const sandboxSessions = pgTable(
  'sandbox_sessions',
  {
    id: text('id').primaryKey(),
    contractId: text('contract_id')
      .notNull()
      .references(() => contracts.id),
    operatorOrgId: orgRef('operator_org_id'),
    createdBy: userRef('created_by'),
    createdAt: createdAt(),
  },
  (t) => [index('sandbox_sessions_operator_idx').on(t.operatorOrgId, t.createdAt)],
);

export const RUN_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'pending_review',
  'rejected',
  'failed',
] as const;
export type TRunStatus = (typeof RUN_STATUSES)[number];

export const RUN_KINDS = ['aggregate', 'rows'] as const;
export type TRunKind = (typeof RUN_KINDS)[number];

/** What a row run holds for its reviewers (never shown to the operator). */
export type THeld = {
  /** The result with every aggregate computed exactly. */
  result?: unknown;
  /** The result as approval would release it: aggregates under disclosure control, the rest as is. */
  releasable?: unknown;
  /** The disclosure report of the releasable aggregates. */
  report?: unknown;
  unreleasable?: { aggregate: number; reason: string }[];
  /** Automatic checks: values equal to a row's, cells under the threshold. */
  findings?: { path: string; finding: string }[];
  /** Slugs of the tables the script read. */
  touched?: string[];
  errorCode?: string;
  errorMessage?: string;
  logs?: string[];
};

/**
 * Runs, which are also the work queue: executors claim `queued` rows with FOR UPDATE SKIP LOCKED.
 * `result` is what the operator may see; `held` is what only the reviewing providers see (a row
 * run's output, error text and logs from real data).
 */
export const sandboxRuns = pgTable(
  'sandbox_runs',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sandboxSessions.id),
    contractId: text('contract_id')
      .notNull()
      .references(() => contracts.id),
    operatorOrgId: orgRef('operator_org_id'),
    createdBy: userRef('created_by'),
    target: text('target', { enum: ['real', 'dummy'] }).notNull(),
    kind: text('kind', { enum: RUN_KINDS }).notNull().default('aggregate'),
    script: text('script').notNull(),
    params: jsonb('params'),
    /** The run's epsilon: what it may spend (an aggregate run), or what approval spends (a row run). */
    epsilon: doublePrecision('epsilon'),
    /** Epsilon taken from the budget: by an aggregate run's new statistics, or a row run's reservation. */
    epsilonCharged: doublePrecision('epsilon_charged').notNull().default(0),
    /** The budget period charged (`all`, or the day, month or year), for a refund. */
    budgetPeriod: text('budget_period'),
    /** CPU limit of the run, ms: the contract's, or less if the operator asked. */
    cpuMs: integer('cpu_ms'),
    /** A row run's outcome is shown to its operator from this time on, however soon it ended. */
    visibleAt: tsColumn('visible_at'),
    status: text('status', { enum: RUN_STATUSES }).notNull().default('queued'),
    errorCode: text('error_code'),
    /** Shown to the operator: on dummy data everything, on real data only released output. */
    result: jsonb('result'),
    disclosure: jsonb('disclosure'),
    logs: jsonb('logs').$type<string[]>(),
    errorMessage: text('error_message'),
    /** Held for review on real data (row runs): the unreleased output, error text and logs. */
    held: jsonb('held').$type<THeld>(),
    usage: jsonb('usage').$type<{ cpuMs: number; wallMs: number; peakHeapBytes: number }>(),
    datasetVersions: jsonb('dataset_versions').$type<Record<string, number | null>>(),
    reviewOrgIds: text('review_org_ids').array().notNull().default(sql`'{}'::text[]`),
    reviewedBy: text('reviewed_by').references(() => users.id),
    reviewedAt: tsColumn('reviewed_at'),
    reviewReason: text('review_reason'),
    attempts: integer('attempts').notNull().default(0),
    workerId: text('worker_id'),
    createdAt: createdAt(),
    startedAt: tsColumn('started_at'),
    finishedAt: tsColumn('finished_at'),
  },
  (t) => [
    index('sandbox_runs_queue_idx').on(t.status, t.createdAt),
    index('sandbox_runs_session_idx').on(t.sessionId, t.createdAt),
  ],
);

/** Each reviewing provider's decision on a held run: it is released once every one approved. */
export const sandboxRunReviews = pgTable(
  'sandbox_run_reviews',
  {
    runId: text('run_id')
      .notNull()
      .references(() => sandboxRuns.id),
    orgId: orgRef('org_id'),
    decision: text('decision', { enum: ['approve', 'reject'] }).notNull(),
    reason: text('reason').notNull(),
    decidedBy: userRef('decided_by'),
    decidedAt: tsColumn('decided_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.orgId] })],
);
