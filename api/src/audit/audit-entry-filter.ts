import { and, eq, gte, like, lt, type SQL } from 'drizzle-orm';
import { auditEntries } from '../db/schema/index.ts';
import type { TAuditRecord, TAuditRow } from './entry-encoding.ts';

/**
 * What a regulator may narrow the log to. Every field is optional and all given ones must hold.
 * Times are half-open (`from` ≤ at < `to`). An `action` ending in `.` is a prefix (`sandbox.`
 * matches `sandbox.run_submit` and `sandbox.run_finish`); otherwise it is matched exactly.
 */
export type TAuditEntryFilter = {
  from?: Date | undefined;
  to?: Date | undefined;
  actorUserId?: string | undefined;
  actorOrgId?: string | undefined;
  action?: string | undefined;
  objectType?: string | undefined;
  objectId?: string | undefined;
  datasetId?: string | undefined;
  contractId?: string | undefined;
  outcome?: TAuditRecord['outcome'] | undefined;
};

/** An entry as the regulator's API serves it: the committed record and its leaf index. */
export type TIndexedAuditRecord = { index: number } & TAuditRecord;

/** `_` and `%` are LIKE wildcards and `\` its escape; action names may hold `_`. */
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/** The SQL conditions of a filter, for a `where` over `audit_entries`. */
export function auditFilterConditions(f: TAuditEntryFilter): SQL[] {
  const t = auditEntries;
  const conditions: (SQL | undefined)[] = [
    f.from ? gte(t.occurredAt, f.from) : undefined,
    f.to ? lt(t.occurredAt, f.to) : undefined,
    f.actorUserId ? eq(t.actorUserId, f.actorUserId) : undefined,
    f.actorOrgId ? eq(t.actorOrgId, f.actorOrgId) : undefined,
    f.objectType ? eq(t.objectType, f.objectType) : undefined,
    f.objectId ? eq(t.objectId, f.objectId) : undefined,
    f.datasetId ? eq(t.datasetId, f.datasetId) : undefined,
    f.contractId ? eq(t.contractId, f.contractId) : undefined,
    f.outcome ? eq(t.outcome, f.outcome) : undefined,
  ];
  if (f.action) {
    conditions.push(
      f.action.endsWith('.') ? like(t.action, `${escapeLike(f.action)}%`) : eq(t.action, f.action),
    );
  }
  return conditions.filter((c): c is SQL => c !== undefined);
}

/** All filter conditions plus `extra`, as one condition (or none). */
export const whereAll = (f: TAuditEntryFilter, ...extra: SQL[]) => and(...auditFilterConditions(f), ...extra);

/** The columns a record is made of, for a select. */
export const auditRowColumns = {
  seq: auditEntries.seq,
  occurredAt: auditEntries.occurredAt,
  actorUserId: auditEntries.actorUserId,
  actorOrgId: auditEntries.actorOrgId,
  actorRole: auditEntries.actorRole,
  action: auditEntries.action,
  objectType: auditEntries.objectType,
  objectId: auditEntries.objectId,
  contractId: auditEntries.contractId,
  datasetId: auditEntries.datasetId,
  outcome: auditEntries.outcome,
  details: auditEntries.details,
  requestId: auditEntries.requestId,
};

export type TAuditRowWithSeq = TAuditRow & { seq: number };
