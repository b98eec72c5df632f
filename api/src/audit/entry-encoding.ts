import { createHash } from 'node:crypto';
import { canonicalize } from '@enclave/contracts';

/**
 * One audit entry as the log commits to it: the leaf of the Merkle tree is the UTF-8 bytes of
 * this object in RFC 8785 (JCS) form. Its position in the log is its leaf index and is not part of
 * the bytes. `at` is an ISO 8601 instant in UTC with milliseconds. Version 1 of the encoding:
 *
 * ```json
 * {"action":"sandbox.run_finish","actor":{"orgId":"…","role":"operator","userId":"…"},
 *  "at":"2026-11-21T08:00:00.000Z","contractId":"…","datasetId":null,"details":{…},
 *  "objectId":"…","objectType":"sandbox_run","outcome":"success","requestId":"…","v":1}
 * ```
 */
export type TAuditRecord = {
  v: 1;
  at: string;
  actor: { userId: string | null; orgId: string | null; role: string | null } | null;
  action: string;
  objectType: string;
  objectId: string;
  contractId: string | null;
  datasetId: string | null;
  outcome: 'success' | 'refused' | 'failed';
  details: Record<string, unknown>;
  requestId: string | null;
};

/** The columns of an `audit_entries` row that the record is made of. */
export type TAuditRow = {
  occurredAt: Date;
  actorUserId: string | null;
  actorOrgId: string | null;
  actorRole: string | null;
  action: string;
  objectType: string;
  objectId: string;
  contractId: string | null;
  datasetId: string | null;
  outcome: 'success' | 'refused' | 'failed';
  details: Record<string, unknown>;
  requestId: string | null;
};

export function auditRecordOf(row: TAuditRow): TAuditRecord {
  const hasActor = row.actorUserId !== null || row.actorOrgId !== null || row.actorRole !== null;
  return {
    v: 1,
    at: row.occurredAt.toISOString(),
    actor: hasActor ? { userId: row.actorUserId, orgId: row.actorOrgId, role: row.actorRole } : null,
    action: row.action,
    objectType: row.objectType,
    objectId: row.objectId,
    contractId: row.contractId,
    datasetId: row.datasetId,
    outcome: row.outcome,
    details: row.details,
    requestId: row.requestId,
  };
}

/** The bytes the log commits to for one entry. */
export const encodeAuditRecord = (record: TAuditRecord): Buffer => Buffer.from(canonicalize(record), 'utf8');

/** RFC 9162 leaf hash: SHA-256(0x00 ‖ entry bytes). */
export function leafHash(entryBytes: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.of(0)).update(entryBytes).digest();
}

/** The leaf hash of an `audit_entries` row: what the tree stores at the entry's index. */
export const auditLeafHash = (row: TAuditRow): Buffer => leafHash(encodeAuditRecord(auditRecordOf(row)));
