import { relations, sql } from 'drizzle-orm';
import { doublePrecision, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { orgRef, userRef, users } from './accounts.ts';
import { createdAt, tsColumn } from './columns.ts';
import { datasets } from './datasets.ts';

export const OPERATIONS = ['sandbox', 'he', 'psi'] as const;
export type TOperation = (typeof OPERATIONS)[number];

/** Policy a provider sets on its part of an application; unset fields take the platform defaults. */
export type TPolicyInput = {
  minCellCount?: number;
  rounding?: number;
  epsilon?: number;
  delta?: number;
  epsilonPerRun?: number;
  period?: 'day' | 'month' | 'year';
  dominance?: { n: 1 | 2; k: number };
  maxRunsPerDay?: number;
  maxCpuMsPerRun?: number;
  maxResultBytes?: number;
};

/** Operators' public Ed25519 keys for countersigning; `kid` is the RFC 7638 thumbprint. */
export const orgKeys = pgTable(
  'org_keys',
  {
    kid: text('kid').primaryKey(),
    orgId: orgRef('org_id'),
    publicJwk: jsonb('public_jwk').$type<Record<string, string>>().notNull(),
    createdBy: userRef('created_by'),
    createdAt: createdAt(),
    revokedAt: tsColumn('revoked_at'),
  },
  (t) => [index('org_keys_org_idx').on(t.orgId)],
);

export const APPLICATION_STATUSES = ['pending', 'approved', 'rejected'] as const;

export const applications = pgTable(
  'applications',
  {
    id: text('id').primaryKey(),
    operatorOrgId: orgRef('operator_org_id'),
    createdBy: userRef('created_by'),
    purpose: text('purpose').notNull(),
    scenario: text('scenario').notNull(),
    operations: text('operations', { enum: OPERATIONS }).array().notNull(),
    notBefore: tsColumn('not_before').notNull(),
    notAfter: tsColumn('not_after').notNull(),
    licenseeKid: text('licensee_kid')
      .notNull()
      .references(() => orgKeys.kid),
    status: text('status', { enum: APPLICATION_STATUSES }).notNull().default('pending'),
    createdAt: createdAt(),
    decidedAt: tsColumn('decided_at'),
    contractId: text('contract_id'),
  },
  (t) => [index('applications_operator_idx').on(t.operatorOrgId, t.createdAt)],
);

/** One dataset of an application, decided by that dataset's provider. */
export const applicationParts = pgTable(
  'application_parts',
  {
    applicationId: text('application_id')
      .notNull()
      .references(() => applications.id),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    providerOrgId: orgRef('provider_org_id'),
    columns: text('columns').array().notNull(),
    status: text('status', { enum: APPLICATION_STATUSES }).notNull().default('pending'),
    reason: text('reason'),
    policy: jsonb('policy').$type<TPolicyInput>().notNull().default(sql`'{}'::jsonb`),
    decidedBy: text('decided_by').references(() => users.id),
    decidedAt: tsColumn('decided_at'),
  },
  (t) => [
    primaryKey({ columns: [t.applicationId, t.datasetId] }),
    index('application_parts_provider_idx').on(t.providerOrgId, t.status),
  ],
);

export const CONTRACT_STATUSES = ['awaiting_countersign', 'active', 'revoked'] as const;

/**
 * Issued contracts. `jws` (General JSON serialization) is the authority: its payload is the
 * contract, and enforcement verifies it on every use; the other columns are for lookups.
 */
export const contracts = pgTable(
  'contracts',
  {
    id: text('id').primaryKey(),
    applicationId: text('application_id')
      .notNull()
      .references(() => applications.id),
    operatorOrgId: orgRef('operator_org_id'),
    jws: jsonb('jws')
      .$type<{ payload: string; signatures: { protected: string; signature: string }[] }>()
      .notNull(),
    status: text('status', { enum: CONTRACT_STATUSES }).notNull(),
    issuerKid: text('issuer_kid').notNull(),
    licenseeKid: text('licensee_kid').notNull(),
    notBefore: tsColumn('not_before').notNull(),
    notAfter: tsColumn('not_after').notNull(),
    issuedAt: tsColumn('issued_at').notNull(),
    countersignedAt: tsColumn('countersigned_at'),
    revokedAt: tsColumn('revoked_at'),
    revokedBy: text('revoked_by').references(() => users.id),
    revokeReason: text('revoke_reason'),
  },
  (t) => [index('contracts_operator_idx').on(t.operatorOrgId, t.issuedAt)],
);

export const contractDatasets = pgTable(
  'contract_datasets',
  {
    contractId: text('contract_id')
      .notNull()
      .references(() => contracts.id),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    providerOrgId: orgRef('provider_org_id'),
  },
  (t) => [
    primaryKey({ columns: [t.contractId, t.datasetId] }),
    index('contract_datasets_provider_idx').on(t.providerOrgId),
  ],
);

/** Runs per contract and UTC day, counted atomically against `maxRunsPerDay`. */
export const contractUsage = pgTable(
  'contract_usage',
  {
    contractId: text('contract_id')
      .notNull()
      .references(() => contracts.id),
    day: text('day').notNull(),
    runs: integer('runs').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.contractId, t.day] })],
);

/**
 * A contract's privacy budget for one period (`all` when it never refreshes, else the day, month or
 * year it covers, e.g. `2026-12`): spent only by an update that cannot overspend.
 */
export const privacyBudgets = pgTable(
  'privacy_budgets',
  {
    contractId: text('contract_id')
      .notNull()
      .references(() => contracts.id),
    period: text('period').notNull().default('all'),
    epsilonGranted: doublePrecision('epsilon_granted').notNull(),
    epsilonSpent: doublePrecision('epsilon_spent').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.contractId, t.period] })],
);

/**
 * Every noisy statistic a contract has been charged for, by the digest of its question (which
 * includes the data version and the epsilon): asking it again is free and gets the same noise.
 */
export const privacyLedger = pgTable(
  'privacy_ledger',
  {
    contractId: text('contract_id')
      .notNull()
      .references(() => contracts.id),
    digest: text('digest').notNull(),
    epsilon: doublePrecision('epsilon').notNull(),
    runId: text('run_id').notNull(),
    chargedAt: tsColumn('charged_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.contractId, t.digest] })],
);

export const applicationsRelations = relations(applications, ({ many }) => ({
  parts: many(applicationParts),
}));
export const applicationPartsRelations = relations(applicationParts, ({ one }) => ({
  application: one(applications, { fields: [applicationParts.applicationId], references: [applications.id] }),
}));
