import type { Db } from '../db/client.ts';
import { AppError } from '../errors.ts';
import { auditLogSize, readNodes } from './audit-tree.ts';
import {
  consistencyRanges,
  hashRanges,
  inclusionRanges,
  type TFetchNodes,
  type TNodeId,
  type TRange,
} from './merkle.ts';

/** An RFC 9162 inclusion proof: sibling hashes from the leaf up, standard base64. */
export type TInclusionProof = { index: number; size: number; hashes: string[] };
/** An RFC 9162 consistency proof from the tree of `from` entries to the tree of `to` entries. */
export type TConsistencyProof = { from: number; to: number; hashes: string[] };

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;
const badRange = (detail: string) => new AppError('AUDIT_BAD_RANGE', detail);

/**
 * The inclusion proof of entry `index` (its `seq`) in the log at `size` entries, to check against
 * the checkpoint of that size. One query.
 */
export async function inclusionProofFor(db: Db, index: number, size: number): Promise<TInclusionProof> {
  if (!isCount(index) || !isCount(size)) throw badRange('index and size must be non-negative integers');
  if (index >= size) throw badRange(`entry ${index} is not in a log of ${size} entries`);
  const hashes = await proofHashes(db, inclusionRanges(index, size), [
    { level: 0, index },
    { level: 0, index: size - 1 },
  ]);
  return { index, size, hashes };
}

/** The consistency proof between two sizes of the log (`0 < from ≤ to`). One query. */
export async function consistencyProofFor(db: Db, from: number, to: number): Promise<TConsistencyProof> {
  if (!isCount(from) || !isCount(to)) throw badRange('from and to must be non-negative integers');
  if (from === 0) throw badRange('there is nothing to prove from the empty log; from must be at least 1');
  if (from > to) throw badRange(`from (${from}) is beyond to (${to})`);
  const hashes = await proofHashes(db, consistencyRanges(from, to), [{ level: 0, index: to - 1 }]);
  return { from, to, hashes };
}

/**
 * The hashes of `ranges`, fetched with `probes` (leaves that must exist) in the same query: a
 * missing node can only mean a size beyond the log, since nodes are written with their entries.
 */
async function proofHashes(db: Db, ranges: TRange[], probes: TNodeId[]): Promise<string[]> {
  const fetch: TFetchNodes = async (ids) => {
    const found = await readNodes(db, [...ids, ...probes]);
    if (found.some((h) => !h)) {
      const size = await auditLogSize(db);
      throw new AppError('AUDIT_SIZE_BEYOND_LOG', `the log has ${size} entries`, { logSize: size });
    }
    return found.slice(0, ids.length) as Buffer[];
  };
  const hashes = await hashRanges(ranges, fetch);
  return hashes.map((h) => h.toString('base64'));
}
