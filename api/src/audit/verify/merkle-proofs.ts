import { concatBytes, equalBytes, sha256 } from './bytes.ts';

/**
 * Verifying RFC 9162 (§2.1) Merkle proofs: leaf `SHA-256(0x00 ‖ data)`, node
 * `SHA-256(0x01 ‖ left ‖ right)`, hashed by WebCrypto so the same code runs in the CLI and the
 * browser. Sizes and indices are JavaScript safe integers. Also the pure range arithmetic the
 * server uses to build proofs.
 *
 * ```ts
 * await verifyInclusion(3, 8, await hashLeaf(entryBytes), proof, checkpoint.rootHash); // throws MerkleError
 * ```
 */

export const HASH_BYTES = 32;

export type TMerkleErrorCode =
  /** A size or index that is not a non-negative safe integer, or a hash that is not 32 bytes. */
  | 'MERKLE_BAD_ARGUMENT'
  /** A leaf index at or beyond the tree size. */
  | 'MERKLE_INDEX_OUT_OF_RANGE'
  /** A consistency range with `from` of 0 or above `to`. */
  | 'MERKLE_BAD_RANGE'
  /** A proof with more or fewer hashes than the sizes call for. */
  | 'MERKLE_PROOF_LENGTH'
  /** A proof that does not lead to the expected root(s). */
  | 'MERKLE_ROOT_MISMATCH';

export class MerkleError extends Error {
  readonly code: TMerkleErrorCode;
  constructor(code: TMerkleErrorCode, message: string) {
    super(message);
    this.name = 'MerkleError';
    this.code = code;
  }
}

/** A perfect subtree: the `2^level` leaves starting at `index · 2^level`. */
export type TNodeId = { level: number; index: number };
/** The leaves `[start, end)`. */
export type TRange = { start: number; end: number };

export const LEAF_PREFIX = Uint8Array.of(0x00);
export const NODE_PREFIX = Uint8Array.of(0x01);

/** RFC 9162 leaf hash of an entry's bytes. */
export const hashLeaf = (data: Uint8Array): Promise<Uint8Array> => sha256(LEAF_PREFIX, data);
/** RFC 9162 interior node hash. */
export const hashChildren = (left: Uint8Array, right: Uint8Array): Promise<Uint8Array> =>
  sha256(NODE_PREFIX, left, right);

export function checkCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new MerkleError('MERKLE_BAD_ARGUMENT', `${what} must be a non-negative integer`);
}

export function checkHashes(hashes: readonly Uint8Array[]): void {
  for (const h of hashes)
    if (h.length !== HASH_BYTES) throw new MerkleError('MERKLE_BAD_ARGUMENT', 'a hash is not 32 bytes');
}

function checkInclusionArgs(index: number, size: number): void {
  checkCount(index, 'index');
  checkCount(size, 'size');
  if (index >= size)
    throw new MerkleError('MERKLE_INDEX_OUT_OF_RANGE', `index ${index} is not in a tree of size ${size}`);
}

function checkConsistencyArgs(from: number, to: number): void {
  checkCount(from, 'from');
  checkCount(to, 'to');
  if (from === 0)
    throw new MerkleError('MERKLE_BAD_RANGE', 'there is no consistency proof from the empty tree');
  if (from > to) throw new MerkleError('MERKLE_BAD_RANGE', `from ${from} is beyond to ${to}`);
}

/** The largest power of two strictly below `n` (n ≥ 2): the RFC's split point `k`. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Halving that stays exact beyond 32 bits, where `>>` would not. */
export const half = (n: number) => Math.floor(n / 2);
export const isOdd = (n: number) => n % 2 === 1;

function isPowerOfTwo(n: number): boolean {
  let p = 1;
  while (p < n) p *= 2;
  return p === n;
}

/**
 * The perfect subtrees that make up `[start, end)`, left to right, each the largest aligned one
 * that fits. For the ranges RFC 9162 hashes (a subtree and its right edge) folding their hashes
 * from the right gives the range's MTH.
 */
export function perfectSubtrees(range: TRange): TNodeId[] {
  const out: TNodeId[] = [];
  let start = range.start;
  while (start < range.end) {
    let width = 1;
    let level = 0;
    while (start % (width * 2) === 0 && start + width * 2 <= range.end) {
      width *= 2;
      level++;
    }
    out.push({ level, index: start / width });
    start += width;
  }
  return out;
}

/** The ranges whose hashes form PATH(index, D[size]) (RFC 9162 §2.1.3.1), in proof order. */
export function inclusionRanges(index: number, size: number): TRange[] {
  checkInclusionArgs(index, size);
  const topDown: TRange[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      topDown.push({ start: start + k, end });
      end = start + k;
    } else {
      topDown.push({ start, end: start + k });
      start += k;
    }
  }
  return topDown.reverse();
}

/** The ranges whose hashes form PROOF(from, D[to]) (RFC 9162 §2.1.4.1), in proof order; none if equal. */
export function consistencyRanges(from: number, to: number): TRange[] {
  checkConsistencyArgs(from, to);
  const topDown: TRange[] = [];
  let start = 0;
  let end = to;
  let m = from;
  let isWholeOldTree = true;
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      topDown.push({ start: start + k, end });
      end = start + k;
    } else {
      topDown.push({ start, end: start + k });
      start += k;
      m -= k;
      isWholeOldTree = false;
    }
  }
  if (!isWholeOldTree) topDown.push({ start, end });
  return topDown.reverse();
}

/**
 * The root that an inclusion proof leads to (RFC 9162 §2.1.3.2), or a MerkleError if the
 * arguments or the proof's length are wrong.
 */
export async function rootFromInclusionProof(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Promise<Uint8Array> {
  checkInclusionArgs(index, size);
  checkHashes([leafHash, ...proof]);
  const expected = inclusionRanges(index, size).length;
  if (proof.length !== expected)
    throw new MerkleError('MERKLE_PROOF_LENGTH', `the proof has ${proof.length} hashes, not ${expected}`);
  let fn = index;
  let sn = size - 1;
  let r = concatBytes(leafHash);
  for (const p of proof) {
    if (isOdd(fn) || fn === sn) {
      r = await hashChildren(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = await hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new MerkleError('MERKLE_PROOF_LENGTH', 'the proof is too short for the tree size');
  return r;
}

/** Throws a MerkleError unless `proof` shows leaf `index` with `leafHash` in the tree with `root`. */
export async function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): Promise<void> {
  checkHashes([root]);
  if (!equalBytes(await rootFromInclusionProof(index, size, leafHash, proof), root))
    throw new MerkleError('MERKLE_ROOT_MISMATCH', 'the inclusion proof does not lead to the root');
}

/**
 * Throws a MerkleError unless `proof` shows that the tree of `from` leaves with `fromRoot` is a
 * prefix of the tree of `to` leaves with `toRoot` (RFC 9162 §2.1.4.2). Equal sizes need an empty
 * proof and equal roots; `from` = 0 is refused, there being nothing to prove.
 */
export async function verifyConsistency(
  from: number,
  to: number,
  fromRoot: Uint8Array,
  toRoot: Uint8Array,
  proof: readonly Uint8Array[],
): Promise<void> {
  checkConsistencyArgs(from, to);
  checkHashes([fromRoot, toRoot, ...proof]);
  const mismatch = () => new MerkleError('MERKLE_ROOT_MISMATCH', 'the consistency proof does not hold');
  if (from === to) {
    if (proof.length !== 0) throw new MerkleError('MERKLE_PROOF_LENGTH', 'equal sizes need an empty proof');
    if (!equalBytes(fromRoot, toRoot)) throw mismatch();
    return;
  }
  const expected = consistencyRanges(from, to).length;
  if (proof.length !== expected)
    throw new MerkleError('MERKLE_PROOF_LENGTH', `the proof has ${proof.length} hashes, not ${expected}`);
  // A power-of-two old tree is a subtree of the new one, so the proof leaves its root out.
  const path = isPowerOfTwo(from) ? [fromRoot, ...proof] : proof;
  let fn = from - 1;
  let sn = to - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) throw new MerkleError('MERKLE_PROOF_LENGTH', 'the proof is too long for the sizes');
    if (isOdd(fn) || fn === sn) {
      fr = await hashChildren(c, fr);
      sr = await hashChildren(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = await hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new MerkleError('MERKLE_PROOF_LENGTH', 'the proof is too short for the sizes');
  if (!equalBytes(fr, fromRoot) || !equalBytes(sr, toRoot)) throw mismatch();
}
