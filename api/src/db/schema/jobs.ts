import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, tsColumn } from './columns.ts';

export const JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type TJobStatus = (typeof JOB_STATUSES)[number];

/**
 * The one queue of work for worker processes, whatever its kind (a sandbox run today): claimed
 * with a lease that its worker's heartbeats extend, taken back when the lease runs out or the
 * worker's session lock is free, retried up to `max_attempts` times.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    /** What to do, e.g. `sandbox.run`; each kind has one handler. */
    kind: text('kind').notNull(),
    /** The object the job works on (a run id). */
    refId: text('ref_id').notNull(),
    status: text('status', { enum: JOB_STATUSES }).notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(1),
    workerId: text('worker_id'),
    leaseUntil: tsColumn('lease_until'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    startedAt: tsColumn('started_at'),
    finishedAt: tsColumn('finished_at'),
  },
  (t) => [
    uniqueIndex('jobs_kind_ref_idx').on(t.kind, t.refId),
    index('jobs_queued_idx').on(t.createdAt, t.id).where(sql`${t.status} = 'queued'`),
    index('jobs_running_idx').on(t.workerId, t.leaseUntil).where(sql`${t.status} = 'running'`),
  ],
);
