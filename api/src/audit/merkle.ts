import { createHash } from 'node:crypto';
import {
  checkCount,
  checkHashes,
  consistencyRanges,
  half,
  inclusionRanges,
  isOdd,
  LEAF_PREFIX,
  MerkleError,
  NODE_PREFIX,
  perfectSubtrees,
  type TNodeId,
  type TRange,
} from './verify/merkle-proofs.ts';

/**
 * Building Merkle trees as in RFC 9162 §2.1 (leaf `SHA-256(0x00 ‖ data)`, node
 * `SHA-256(0x01 ‖ left ‖ right)`) on the server and in bulk: appending leaves, the hashes proofs
 * are made of. Hashing here is synchronous (node:crypto): every append and every downloaded entry
 * hashes, and an await per hash would cost the log's writers and the CLI's million-entry runs.
 * Verifying proofs lives in `./verify/`, shared with the browser. Storage reaches this module only
 * through the `TFetchNodes` callback, which gets every hash a proof needs in one call.
 *
 * ```ts
 * const proof = await inclusionProof(3, 8, fetchNodes);
 * await verifyInclusion(3, 8, leafHash, proof, rootFromCheckpoint); // throws MerkleError if it does not hold
 * ```
 */

export {
  consistencyRanges,
  HASH_BYTES,
  inclusionRanges,
  MerkleError,
  perfectSubtrees,
  rootFromInclusionProof,
  type TMerkleErrorCode,
  type TNodeId,
  type TRange,
  verifyConsistency,
  verifyInclusion,
} from './verify/merkle-proofs.ts';

/** A perfect subtree with its hash, as stored. */
export type TNode = TNodeId & { hash: Buffer };
/** Returns the hashes of the given perfect subtrees, in the order asked. */
export type TFetchNodes = (nodes: readonly TNodeId[]) => Promise<readonly Uint8Array[]>;

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

export const hashLeaf = (data: Uint8Array): Buffer => sha256(LEAF_PREFIX, data);
export const hashChildren = (left: Uint8Array, right: Uint8Array): Buffer => sha256(NODE_PREFIX, left, right);
/** The root of the empty tree: SHA-256 of nothing. */
export const emptyRoot = (): Buffer => sha256();

export const equalHashes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && Buffer.compare(a, b) === 0;

/** The hash of a range from the hashes of its perfect subtrees (left to right). */
export function foldSubtrees(hashes: readonly Uint8Array[]): Buffer {
  if (hashes.length === 0) return emptyRoot();
  let acc: Buffer = Buffer.from(hashes[hashes.length - 1]!);
  for (let i = hashes.length - 2; i >= 0; i--) acc = hashChildren(hashes[i]!, acc);
  return acc;
}

/** The hashes of `ranges`, fetching every perfect subtree they need in one call (made even if none). */
export async function hashRanges(ranges: readonly TRange[], fetch: TFetchNodes): Promise<Buffer[]> {
  const parts = ranges.map(perfectSubtrees);
  const wanted = parts.flat();
  const hashes = await fetch(wanted);
  if (hashes.length !== wanted.length) throw new Error('fetchNodes returned the wrong number of hashes');
  let at = 0;
  return parts.map((p) => {
    const slice = hashes.slice(at, at + p.length);
    at += p.length;
    return foldSubtrees(slice);
  });
}

/** MTH of the first `size` leaves. */
export async function rootAtSize(size: number, fetch: TFetchNodes): Promise<Buffer> {
  checkCount(size, 'size');
  if (size === 0) return emptyRoot();
  const [root] = await hashRanges([{ start: 0, end: size }], fetch);
  return root!;
}

/** The inclusion proof of leaf `index` in the tree of `size` leaves, bottom-up. */
export function inclusionProof(index: number, size: number, fetch: TFetchNodes): Promise<Buffer[]> {
  return hashRanges(inclusionRanges(index, size), fetch);
}

/** The consistency proof from the tree of `from` leaves to the tree of `to` leaves. */
export function consistencyProof(from: number, to: number, fetch: TFetchNodes): Promise<Buffer[]> {
  return hashRanges(consistencyRanges(from, to), fetch);
}

/**
 * A tree built by appending leaf hashes, holding only the perfect subtrees of its right edge
 * (a compact range: O(log n) hashes). `append` returns the subtrees the leaf completes, from the
 * leaf itself up, which is exactly what storage must add.
 */
export type TTreeBuilder = {
  readonly size: number;
  append(leafHash: Uint8Array): TNode[];
  root(): Buffer;
};

/**
 * A builder for an empty tree, or for a tree of `size` leaves given the hashes of
 * `perfectSubtrees({ start: 0, end: size })`.
 */
export function createTreeBuilder(
  start: { size: number; edge: readonly Uint8Array[] } = { size: 0, edge: [] },
): TTreeBuilder {
  checkCount(start.size, 'size');
  checkHashes(start.edge);
  if (start.edge.length !== perfectSubtrees({ start: 0, end: start.size }).length)
    throw new MerkleError('MERKLE_BAD_ARGUMENT', 'the edge does not match the size');
  const edge: Buffer[] = start.edge.map((h) => Buffer.from(h));
  let size = start.size;
  return {
    get size() {
      return size;
    },
    append(leafHash) {
      checkHashes([leafHash]);
      let hash: Buffer = Buffer.from(leafHash);
      let index = size;
      let level = 0;
      const made: TNode[] = [{ level, index, hash }];
      while (isOdd(index)) {
        hash = hashChildren(edge.pop()!, hash);
        index = half(index);
        level++;
        made.push({ level, index, hash });
      }
      edge.push(hash);
      size++;
      return made;
    },
    root: () => foldSubtrees(edge),
  };
}

/** MTH of a list of leaf hashes. */
export function rootOf(leafHashes: readonly Uint8Array[]): Buffer {
  const builder = createTreeBuilder();
  for (const h of leafHashes) builder.append(h);
  return builder.root();
}

/**
 * One way a list of leaf hashes departs from the list it should extend, as `diffLeaves` finds it.
 * `kept` is a position in the expected list, `now` the matching position in the actual one.
 *
 * - `changed`: the leaf at `kept` is replaced by another (at `now`).
 * - `deleted`: the `count` leaves from `kept` are gone; the actual list goes on at `now` with the next.
 * - `inserted`: the `count` leaves from `now` are not in the expected list; `kept` follows them.
 * - `swapped`: the leaves at `kept` and `with` traded places.
 * - `rewritten`: from `kept` on, no expected leaf is found in the rest of the actual list.
 * - `truncated`: the actual list ends at `now`; the `count` expected leaves from `kept` are past it.
 */
export type TLeafEdit =
  | { kind: 'changed'; kept: number; now: number }
  | { kind: 'deleted'; kept: number; now: number; count: number }
  | { kind: 'inserted'; kept: number; now: number; count: number }
  | { kind: 'swapped'; kept: number; now: number; with: number }
  | { kind: 'rewritten'; kept: number; now: number }
  | { kind: 'truncated'; kept: number; now: number; count: number };

/** Matches looked ahead to choose between explanations of a mismatch. */
const DIFF_LOOKAHEAD = 16;
/** Edits reported at most; the first is what matters. */
export const DIFF_MAX_EDITS = 50;

/**
 * How `actual` differs from `expected`, which it should start with (an append-only log's leaves
 * against the leaves of a size it once had): `[]` when `expected` is a prefix of `actual`, else the
 * edits in order, the first being the first break. At each mismatch it takes the explanation (an
 * edit, a swap, a deletion or an insertion) after which the two lists agree longest, the smaller
 * one on a tie. Leaves beyond `expected` in `actual` are appends and not reported. O(n) time and
 * memory, plus hashing lookups only once a mismatch is found.
 *
 * @example
 * diffLeaves([a, b, c, d], [a, c, d, e]); // [{ kind: 'deleted', kept: 1, now: 1, count: 1 }]
 */
export function diffLeaves(expected: readonly Uint8Array[], actual: readonly Uint8Array[]): TLeafEdit[] {
  const n = expected.length;
  const m = actual.length;
  const edits: TLeafEdit[] = [];
  const swapped = new Map<number, number>();
  const same = (i: number, j: number) => swapped.get(i) === j || equalHashes(expected[i]!, actual[j]!);
  const agreement = (i: number, j: number, partner?: readonly [number, number]) => {
    let run = 0;
    while (
      run < DIFF_LOOKAHEAD &&
      i < n &&
      j < m &&
      (same(i, j) || (partner?.[0] === i && partner[1] === j))
    ) {
      run++;
      i++;
      j++;
    }
    return run;
  };
  let index: ReturnType<typeof indexLeaves> | null = null;
  let i = 0;
  let j = 0;
  while (i < n && j < m && edits.length < DIFF_MAX_EDITS) {
    if (same(i, j)) {
      i++;
      j++;
      continue;
    }
    index ??= indexLeaves(expected, actual);
    const inExpected = index.nextIn(index.expected, actual[j]!, i);
    const inActual = index.nextIn(index.actual, expected[i]!, j);
    type TChoice = { edit: TLeafEdit; score: number; cost: number; next: [number, number] };
    const choices: TChoice[] = [
      {
        edit: { kind: 'changed', kept: i, now: j },
        score: agreement(i + 1, j + 1),
        cost: 1,
        next: [i + 1, j + 1],
      },
    ];
    if (inExpected !== undefined && inActual !== undefined && inExpected - i === inActual - j) {
      const partner = [inExpected, inActual] as const;
      choices.push({
        edit: { kind: 'swapped', kept: i, now: j, with: inExpected },
        score: agreement(i + 1, j + 1, partner),
        cost: 2,
        next: [i + 1, j + 1],
      });
    }
    if (inExpected !== undefined) {
      const count = inExpected - i;
      choices.push({
        edit: { kind: 'deleted', kept: i, now: j, count },
        score: agreement(inExpected, j),
        cost: count,
        next: [inExpected, j],
      });
    }
    if (inActual !== undefined) {
      const count = inActual - j;
      choices.push({
        edit: { kind: 'inserted', kept: i, now: j, count },
        score: agreement(i, inActual),
        cost: count,
        next: [i, inActual],
      });
    }
    const best = choices.reduce((a, b) =>
      b.score > a.score || (b.score === a.score && b.cost < a.cost) ? b : a,
    );
    if (best.edit.kind === 'changed' && best.score === 0 && n - i > 1 && !index.survives(i, j)) {
      edits.push({ kind: 'rewritten', kept: i, now: j });
      return edits;
    }
    edits.push(best.edit);
    if (best.edit.kind === 'swapped')
      swapped.set(best.edit.with, best.edit.now + best.edit.with - best.edit.kept);
    [i, j] = best.next;
  }
  if (i < n && j >= m && edits.length < DIFF_MAX_EDITS)
    edits.push({ kind: 'truncated', kept: i, now: j, count: n - i });
  return edits;
}

/** Where each leaf occurs in both lists, and whether any expected leaf from a point on occurs later. */
function indexLeaves(expected: readonly Uint8Array[], actual: readonly Uint8Array[]) {
  const key = (h: Uint8Array) => Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('latin1');
  const positions = (hashes: readonly Uint8Array[]) => {
    const at = new Map<string, number[]>();
    hashes.forEach((h, p) => {
      const list = at.get(key(h));
      if (list) list.push(p);
      else at.set(key(h), [p]);
    });
    return at;
  };
  const inActual = positions(actual);
  // lastFrom[k]: the last position in `actual` of any of expected[k…], or −1.
  const lastFrom = new Array<number>(expected.length + 1).fill(-1);
  for (let k = expected.length - 1; k >= 0; k--)
    lastFrom[k] = Math.max(lastFrom[k + 1]!, inActual.get(key(expected[k]!))?.at(-1) ?? -1);
  return {
    expected: positions(expected),
    actual: inActual,
    nextIn: (at: Map<string, number[]>, h: Uint8Array, after: number) =>
      at.get(key(h))?.find((p) => p > after),
    survives: (i: number, j: number) => lastFrom[i]! >= j,
  };
}
