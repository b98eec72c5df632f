import { eq } from 'drizzle-orm';
import { auditEntries } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { auditRowColumns, type TIndexedAuditRecord } from './audit-entry-filter.ts';
import { inclusionProofFor } from './audit-proofs.ts';
import { auditRecordOf } from './entry-encoding.ts';
import { getCheckpoint } from './get-checkpoint.ts';

/** An RFC 9162 inclusion proof of one leaf in the tree of the checkpoint of `size` entries. */
export type TEntryProof = { size: number; hashes: string[] };

export type TAuditEntryWithProof = { entry: TIndexedAuditRecord; proof: TEntryProof | null };

/**
 * One entry by leaf index (404 when the log holds none there), with its inclusion proof against
 * the latest signed checkpoint; the proof is null while no checkpoint covers the entry yet.
 */
export async function getAuditEntry(deps: Deps, index: number): Promise<TAuditEntryWithProof> {
  const [row] = await deps.db.select(auditRowColumns).from(auditEntries).where(eq(auditEntries.seq, index));
  if (!row) throw notFound('audit entry');
  const entry = { index: row.seq, ...auditRecordOf(row) };
  const checkpoint = await getCheckpoint(deps.db);
  if (!checkpoint || checkpoint.size <= index) return { entry, proof: null };
  const { size, hashes } = await inclusionProofFor(deps.db, index, checkpoint.size);
  return { entry, proof: { size, hashes } };
}
