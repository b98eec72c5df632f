import { and, eq } from 'drizzle-orm';
import { auditRowColumns } from '../audit/audit-entry-filter.ts';
import { inclusionProofFor } from '../audit/audit-proofs.ts';
import { auditRecordOf, type TAuditRecord } from '../audit/entry-encoding.ts';
import { getCheckpoint } from '../audit/get-checkpoint.ts';
import { issueCheckpoint } from '../audit/issue-checkpoint.ts';
import { auditEntries } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';

/**
 * Where a contract stands in the transparency log, as Certificate Transparency binds certificates:
 * the `contract.issue` entry that carries the payload's digest, its leaf index, a signed checkpoint
 * that covers it and the inclusion proof against that checkpoint. Anyone holding the log's verifier
 * key can check it offline; a contract signed with a stolen key has no such entry.
 */
export type TContractLogProof = {
  index: number;
  entry: TAuditRecord;
  /** The signed checkpoint note (C2SP tlog-checkpoint). */
  checkpoint: string;
  /** RFC 9162 inclusion proof of the entry in the checkpoint's tree, standard base64. */
  proof: string[];
};

/**
 * The log proof of a contract; a checkpoint is signed when none covers its entry yet. Null for a
 * contract the log does not hold (none the platform issued).
 */
export async function contractLogProof(deps: Deps, contractId: string): Promise<TContractLogProof | null> {
  const [row] = await deps.db
    .select(auditRowColumns)
    .from(auditEntries)
    .where(
      and(
        eq(auditEntries.objectType, 'contract'),
        eq(auditEntries.objectId, contractId),
        eq(auditEntries.action, 'contract.issue'),
      ),
    )
    .limit(1);
  if (!row) return null;
  const latest = await getCheckpoint(deps.db);
  const checkpoint = latest && latest.size > row.seq ? latest : (await issueCheckpoint(deps)).checkpoint;
  const { hashes } = await inclusionProofFor(deps.db, row.seq, checkpoint.size);
  return { index: row.seq, entry: auditRecordOf(row), checkpoint: checkpoint.note, proof: hashes };
}
