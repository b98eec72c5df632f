import { auditCheckpoints } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { auditLogSize, nodeFetcher } from './audit-tree.ts';
import { formatCheckpoint, signNote } from './checkpoint.ts';
import { getCheckpoint, type TStoredCheckpoint } from './get-checkpoint.ts';
import { equalHashes, hashRanges } from './merkle.ts';

/**
 * Signs a checkpoint of the log at its current size, unless the latest one already covers it, and
 * keeps it. Issuing adds no audit entry (a schedule would otherwise grow the log forever). Before
 * signing, the stored tree must still give the latest checkpoint's root: C2SP forbids signing a
 * checkpoint inconsistent with an earlier one, so a tampered tree stops issuance instead.
 */
export async function issueCheckpoint(
  deps: Pick<Deps, 'db' | 'auditKey' | 'settings' | 'clock'>,
): Promise<{ checkpoint: TStoredCheckpoint; isNew: boolean }> {
  const { db } = deps;
  const latest = await getCheckpoint(db);
  const size = await auditLogSize(db);
  if (latest && latest.size >= size) return { checkpoint: latest, isNew: false };

  const ranges = [{ start: 0, end: size }, ...(latest ? [{ start: 0, end: latest.size }] : [])];
  const [rootHash, latestRoot] = await hashRanges(ranges, nodeFetcher(db));
  if (latest && !equalHashes(latestRoot!, latest.rootHash)) {
    throw new AppError(
      'AUDIT_LOG_INCONSISTENT',
      `the stored tree no longer matches the checkpoint at size ${latest.size}; nothing was signed`,
    );
  }
  const body = formatCheckpoint({ origin: deps.settings.audit.origin, size, rootHash: rootHash! });
  const note = signNote(body, deps.auditKey.signer());
  const [inserted] = await db
    .insert(auditCheckpoints)
    .values({ size, rootHash: rootHash!, note, createdAt: deps.clock.now() })
    .onConflictDoNothing()
    .returning();
  if (inserted) return { checkpoint: inserted, isNew: true };
  // Another process issued this size first; serve the one that was kept.
  const kept = await getCheckpoint(db, size);
  if (!kept) throw new Error(`checkpoint ${size} vanished`);
  return { checkpoint: kept, isNew: false };
}
