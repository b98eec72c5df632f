import { relations, sql } from 'drizzle-orm';
import {
  bigint,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { TRuleResult } from '../../quality/rule-checker.ts';
import { users } from './accounts.ts';
import { createdAt, tsColumn } from './columns.ts';
import { datasets } from './datasets.ts';

/**
 * One quality report per committed version of a dataset: per quality rule, the rows checked and
 * failing (examples of failing values only for open datasets), and a score.
 */
export const qualityReports = pgTable(
  'quality_reports',
  {
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    version: integer('version').notNull(),
    /** 100 × passed checks / checks over every rule, 100 when nothing was checked. */
    score: doublePrecision('score').notNull(),
    /** Rows in the version (the whole dataset as of it). */
    rowCount: bigint('row_count', { mode: 'number' }).notNull(),
    checked: bigint('checked', { mode: 'number' }).notNull(),
    failing: bigint('failing', { mode: 'number' }).notNull(),
    results: jsonb('results').$type<TRuleResult[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('quality_reports_pk').on(t.datasetId, t.version)],
);

export const QUALITY_ISSUE_STATUSES = ['open', 'rectified', 'closed'] as const;

export type TIssueResponse = { note: string; by: string; at: string; isClosing: boolean };

/**
 * A warning rule that failed on a version: the provider must rectify it. It stays open while
 * versions keep failing the rule, becomes `rectified` with the first version that passes it, or is
 * `closed` by the provider with a note. At most one open issue per rule.
 */
export const qualityIssues = pgTable(
  'quality_issues',
  {
    id: text('id').primaryKey(),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    column: text('column').notNull(),
    /** The rule's place in the column's `rules`, and its kind. */
    rule: integer('rule').notNull(),
    kind: text('kind').notNull(),
    status: text('status', { enum: QUALITY_ISSUE_STATUSES }).notNull().default('open'),
    firstVersion: integer('first_version').notNull(),
    /** The last version found failing the rule, with its counts. */
    lastVersion: integer('last_version').notNull(),
    checked: bigint('checked', { mode: 'number' }).notNull(),
    failing: bigint('failing', { mode: 'number' }).notNull(),
    rectifiedVersion: integer('rectified_version'),
    responses: jsonb('responses').$type<TIssueResponse[]>().notNull().default(sql`'[]'::jsonb`),
    closedBy: text('closed_by').references(() => users.id),
    closedAt: tsColumn('closed_at'),
    createdAt: createdAt(),
    updatedAt: tsColumn('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('quality_issues_dataset_idx').on(t.datasetId, t.status),
    uniqueIndex('quality_issues_one_open').on(t.datasetId, t.column, t.rule).where(sql`status = 'open'`),
  ],
);

export const qualityReportsRelations = relations(qualityReports, ({ one }) => ({
  dataset: one(datasets, { fields: [qualityReports.datasetId], references: [datasets.id] }),
}));
export const qualityIssuesRelations = relations(qualityIssues, ({ one }) => ({
  dataset: one(datasets, { fields: [qualityIssues.datasetId], references: [datasets.id] }),
  closer: one(users, { fields: [qualityIssues.closedBy], references: [users.id] }),
}));
