import { relations, sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type { TColumn } from '../../catalogue/dataset-schema.ts';
import { orgRef, orgs, userRef, users } from './accounts.ts';
import { createdAt, tsColumn } from './columns.ts';

export const DATASET_STATUSES = ['draft', 'submitted', 'published', 'retired'] as const;
export const OPENNESS = ['open', 'conditional', 'closed'] as const;
/** 共享属性: 无条件共享 · 有条件共享 · 不予共享. */
export const SHARING = ['unconditional', 'conditional', 'none'] as const;

export const datasets = pgTable(
  'datasets',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull().unique(),
    title: text('title').notNull(),
    titleEn: text('title_en'),
    description: text('description').notNull(),
    descriptionEn: text('description_en'),
    providerOrgId: orgRef('provider_org_id'),
    theme: text('theme').notNull(),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    updateFrequency: text('update_frequency').notNull(),
    license: text('license').notNull(),
    classification: integer('classification').notNull(),
    openness: text('openness', { enum: OPENNESS }).notNull(),
    sharing: text('sharing', { enum: SHARING }).notNull(),
    /** The rule that allows conditional sharing or forbids it; required unless unconditional. */
    sharingBasis: text('sharing_basis'),
    columns: jsonb('columns').$type<TColumn[]>().notNull(),
    status: text('status', { enum: DATASET_STATUSES }).notNull().default('draft'),
    reviewNote: text('review_note'),
    /** Lower-cased title, description and tags in both languages, for substring search. */
    searchText: text('search_text').notNull(),
    currentVersion: integer('current_version'),
    rowCount: bigint('row_count', { mode: 'number' }).notNull().default(0),
    createdBy: userRef('created_by'),
    createdAt: createdAt(),
    updatedAt: tsColumn('updated_at').notNull().defaultNow(),
    submittedAt: tsColumn('submitted_at'),
    publishedAt: tsColumn('published_at'),
    retiredAt: tsColumn('retired_at'),
  },
  (t) => [
    index('datasets_status_idx').on(t.status, t.createdAt),
    index('datasets_provider_idx').on(t.providerOrgId),
    check('datasets_sharing_basis', sql`${t.sharing} = 'unconditional' or ${t.sharingBasis} is not null`),
  ],
);

export const VERSION_STATUSES = ['pending', 'committed'] as const;

/**
 * One row per ingest. Rows of a dataset live in a typed table per generation (a replace starts a
 * new generation, an append adds rows to the current one); each row carries the version that
 * added it, so version n of a dataset is `_v <= n` of its generation table.
 */
export const datasetVersions = pgTable(
  'dataset_versions',
  {
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    version: integer('version').notNull(),
    status: text('status', { enum: VERSION_STATUSES }).notNull(),
    mode: text('mode', { enum: ['append', 'replace'] }).notNull(),
    tableName: text('table_name').notNull(),
    /** Rows in this version (the whole dataset as of this version). */
    rowCount: bigint('row_count', { mode: 'number' }).notNull().default(0),
    addedRows: bigint('added_rows', { mode: 'number' }).notNull().default(0),
    /** SHA-256 of the uploaded bytes, hex. */
    digest: text('digest'),
    format: text('format', { enum: ['csv', 'ndjson'] }).notNull(),
    createdBy: userRef('created_by'),
    createdAt: createdAt(),
    heartbeatAt: tsColumn('heartbeat_at').notNull().defaultNow(),
    committedAt: tsColumn('committed_at'),
  },
  (t) => [
    uniqueIndex('dataset_versions_pk').on(t.datasetId, t.version),
    uniqueIndex('dataset_versions_one_pending').on(t.datasetId).where(sql`status = 'pending'`),
  ],
);

export const datasetFeedback = pgTable(
  'dataset_feedback',
  {
    id: text('id').primaryKey(),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    authorUserId: text('author_user_id').references(() => users.id),
    kind: text('kind', { enum: ['error', 'objection', 'request', 'other'] }).notNull(),
    body: text('body').notNull(),
    contact: text('contact'),
    status: text('status', { enum: ['open', 'answered'] })
      .notNull()
      .default('open'),
    answer: text('answer'),
    answeredBy: text('answered_by').references(() => users.id),
    answeredAt: tsColumn('answered_at'),
    createdAt: createdAt(),
  },
  (t) => [index('dataset_feedback_dataset_idx').on(t.datasetId, t.createdAt)],
);

/** Reads of open data, counted per dataset and day instead of logged one by one. */
export const openDataReads = pgTable(
  'open_data_reads',
  {
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    day: text('day').notNull(),
    kind: text('kind', { enum: ['rows', 'query', 'download'] }).notNull(),
    anonymous: bigint('anonymous', { mode: 'number' }).notNull().default(0),
    authenticated: bigint('authenticated', { mode: 'number' }).notNull().default(0),
  },
  (t) => [uniqueIndex('open_data_reads_pk').on(t.datasetId, t.day, t.kind)],
);

export const datasetsRelations = relations(datasets, ({ one, many }) => ({
  provider: one(orgs, { fields: [datasets.providerOrgId], references: [orgs.id] }),
  versions: many(datasetVersions),
  feedback: many(datasetFeedback),
}));
export const datasetVersionsRelations = relations(datasetVersions, ({ one }) => ({
  dataset: one(datasets, { fields: [datasetVersions.datasetId], references: [datasets.id] }),
}));
export const datasetFeedbackRelations = relations(datasetFeedback, ({ one }) => ({
  dataset: one(datasets, { fields: [datasetFeedback.datasetId], references: [datasets.id] }),
}));
