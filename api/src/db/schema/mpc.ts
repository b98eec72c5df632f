import { doublePrecision, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { orgRef, userRef } from './accounts.ts';
import { bytea, createdAt, tsColumn } from './columns.ts';
import { datasets } from './datasets.ts';
import { contracts } from './licences.ts';

export const MPC_KINDS = ['he', 'psi'] as const;
export const MPC_STATUSES = ['queued', 'running', 'ready', 'succeeded', 'failed'] as const;
export type TMpcStatus = (typeof MPC_STATUSES)[number];

/**
 * A joint-computation session under a contract. An `he` session holds the operator's parameter
 * set and, for a polynomial model, its relinearisation keys. A `psi` session is one private
 * join: its spec, the platform's fresh secret (erased once the join is done or failed) and its
 * shuffled blinded points, `ready` once they are.
 */
export const mpcSessions = pgTable(
  'mpc_sessions',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: MPC_KINDS }).notNull(),
    contractId: text('contract_id')
      .notNull()
      .references(() => contracts.id),
    operatorOrgId: orgRef('operator_org_id'),
    createdBy: userRef('created_by'),
    paramSet: text('param_set'),
    relinKeys: bytea('relin_keys'),
    relinKeysSha256: text('relin_keys_sha256'),
    datasetId: text('dataset_id').references(() => datasets.id),
    spec: jsonb('spec'),
    status: text('status', { enum: MPC_STATUSES }).notNull(),
    secret: bytea('secret'),
    /** For each blinded point sent, the index of its identifier value, or -1 for padding (int32 LE). */
    pointOrder: bytea('point_order'),
    points: bytea('points'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    createdAt: createdAt(),
  },
  (t) => [index('mpc_sessions_operator_idx').on(t.operatorOrgId, t.createdAt)],
);

/** An encrypted model uploaded to an `he` session: its ciphertexts, weights then bias. */
export const mpcModels = pgTable('mpc_models', {
  id: text('id').primaryKey(),
  sessionId: text('session_id')
    .notNull()
    .references(() => mpcSessions.id),
  ciphertexts: bytea('ciphertexts').notNull(),
  count: integer('count').notNull(),
  sha256: text('sha256').notNull(),
  createdAt: createdAt(),
});

/**
 * One computation: an encrypted model scored on protected aggregates (`he.score`) or a private
 * join (`psi.join`). `result` is what the operator may read; `output` the result ciphertexts.
 */
export const mpcComputations = pgTable(
  'mpc_computations',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => mpcSessions.id),
    kind: text('kind', { enum: ['he.score', 'psi.join'] }).notNull(),
    contractId: text('contract_id')
      .notNull()
      .references(() => contracts.id),
    operatorOrgId: orgRef('operator_org_id'),
    createdBy: userRef('created_by'),
    spec: jsonb('spec').notNull(),
    input: bytea('input'),
    inputSha256: text('input_sha256').notNull(),
    status: text('status', { enum: MPC_STATUSES }).notNull(),
    result: jsonb('result'),
    output: bytea('output'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    epsilonCharged: doublePrecision('epsilon_charged').notNull().default(0),
    datasetVersions: jsonb('dataset_versions'),
    createdAt: createdAt(),
    startedAt: tsColumn('started_at'),
    finishedAt: tsColumn('finished_at'),
  },
  (t) => [index('mpc_computations_session_idx').on(t.sessionId, t.createdAt)],
);

/**
 * Identifier values of a dataset version's column hashed to Curve25519, in the order of their
 * dictionary: hashing is most of a join's work and depends on nothing secret.
 */
export const mpcPointCache = pgTable(
  'mpc_point_cache',
  {
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    version: integer('version').notNull(),
    column: text('column').notNull(),
    points: bytea('points').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.datasetId, t.version, t.column] })],
);
