import { sql } from 'drizzle-orm';
import { doublePrecision, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
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

/**
 * Runs, which are also the work queue: executors claim `queued` rows with FOR UPDATE SKIP LOCKED.
 * `result` is what the operator may see; `held` is what only the reviewing providers see (a result
 * that needs review, error text and logs from real data).
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
    script: text('script').notNull(),
    params: jsonb('params'),
    epsilon: doublePrecision('epsilon'),
    status: text('status', { enum: RUN_STATUSES }).notNull().default('queued'),
    errorCode: text('error_code'),
    /** Shown to the operator: on dummy data everything, on real data only released output. */
    result: jsonb('result'),
    disclosure: jsonb('disclosure'),
    logs: jsonb('logs').$type<string[]>(),
    errorMessage: text('error_message'),
    /** Held for review on real data: the unreleased result, error text and logs. */
    held: jsonb('held').$type<{
      result?: unknown;
      errorMessage?: string;
      logs?: string[];
      reason?: string;
    }>(),
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
