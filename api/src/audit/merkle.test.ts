import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  createTreeBuilder,
  DIFF_MAX_EDITS,
  diffLeaves,
  emptyRoot,
  hashChildren,
  hashLeaf,
  inclusionProof,
  MerkleError,
  perfectSubtrees,
  rootAtSize,
  rootFromInclusionProof,
  rootOf,
  type TFetchNodes,
  type TMerkleErrorCode,
  type TNodeId,
  verifyConsistency,
  verifyInclusion,
} from './merkle.ts';

const hex = (s: string) => Buffer.from(s, 'hex');
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// The classic Certificate Transparency reference data: leaves, roots for sizes 1..8, perfect
// subtree hashes, inclusion paths and consistency proofs. Source: github.com/transparency-dev/merkle,
// testonly/constants.go (LeafInputs, NodeHashes, RootHashes) and proof/verify_test.go
// (inclusionProofs, whose leaf numbers are 1-based, and consistencyProofs); the same data as
// google/certificate-transparency's merkle_tree_test.
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const NODE_HASHES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];
const INCLUSION_VECTORS: { index: number; size: number; proof: string[] }[] = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const CONSISTENCY_VECTORS: { from: number; to: number; proof: string[] }[] = [
  { from: 1, to: 1, proof: [] },
  {
    from: 1,
    to: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    from: 6,
    to: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    from: 2,
    to: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    from: 6,
    to: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

// RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 written out literally, over leaf hashes.
const k = (n: number) => {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
};
function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return createHash('sha256').digest();
  if (d.length === 1) return d[0]!;
  const s = k(d.length);
  return hashChildren(mth(d.slice(0, s)), mth(d.slice(s)));
}
function path(m: number, d: Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  const s = k(d.length);
  return m < s
    ? [...path(m, d.slice(0, s)), mth(d.slice(s))]
    : [...path(m - s, d.slice(s)), mth(d.slice(0, s))];
}
function subproof(m: number, d: Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const s = k(d.length);
  return m <= s
    ? [...subproof(m, d.slice(0, s), b), mth(d.slice(s))]
    : [...subproof(m - s, d.slice(s), false), mth(d.slice(0, s))];
}
const proofRef = (m: number, d: Buffer[]) => subproof(m, d, true);

/** Serves perfect subtree hashes straight from a list of leaf hashes. */
const fetchFrom =
  (leaves: Buffer[]): TFetchNodes =>
  async (ids: readonly TNodeId[]) =>
    ids.map(({ level, index }) => mth(leaves.slice(index * 2 ** level, (index + 1) * 2 ** level)));

/** A deterministic generator (mulberry32), so a failure can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const leafHashes = LEAVES.map(hashLeaf);
const expectCode = async (fn: () => unknown, code: TMerkleErrorCode) => {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MerkleError);
    expect((err as MerkleError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
};
const flip = (h: Uint8Array, bit = 3) => {
  const c = Buffer.from(h);
  c[0]! ^= 1 << bit;
  return c;
};

describe('Merkle tree: published CT vectors', () => {
  it('gives the reference roots for sizes 0..8, from a list and from the builder', async () => {
    expect(toHex(emptyRoot())).toBe(ROOTS[0]);
    const builder = createTreeBuilder();
    for (let n = 1; n <= 8; n++) {
      expect(toHex(rootOf(leafHashes.slice(0, n))), `size ${n}`).toBe(ROOTS[n]);
      builder.append(leafHashes[n - 1]!);
      expect(toHex(builder.root()), `builder size ${n}`).toBe(ROOTS[n]);
    }
  });

  it('emits exactly the reference perfect subtrees as leaves are appended', async () => {
    const builder = createTreeBuilder();
    const made = leafHashes.flatMap((h) => builder.append(h));
    expect(made.length).toBe(15);
    for (const node of made) expect(toHex(node.hash)).toBe(NODE_HASHES[node.level]![node.index]);
  });

  it('generates and verifies the reference inclusion paths', async () => {
    const fetch = fetchFrom(leafHashes);
    for (const v of INCLUSION_VECTORS) {
      const proof = await inclusionProof(v.index, v.size, fetch);
      expect(proof.map(toHex), `${v.index}@${v.size}`).toEqual(v.proof);
      await verifyInclusion(v.index, v.size, leafHashes[v.index]!, v.proof.map(hex), hex(ROOTS[v.size]!));
    }
  });

  it('generates and verifies the reference consistency proofs', async () => {
    const fetch = fetchFrom(leafHashes);
    for (const v of CONSISTENCY_VECTORS) {
      const proof = await consistencyProof(v.from, v.to, fetch);
      expect(proof.map(toHex), `${v.from}→${v.to}`).toEqual(v.proof);
      await verifyConsistency(v.from, v.to, hex(ROOTS[v.from]!), hex(ROOTS[v.to]!), v.proof.map(hex));
    }
  });
});

describe('Merkle tree: refusals', () => {
  const root8 = hex(ROOTS[8]!);
  const v = INCLUSION_VECTORS[2]!;
  const proof = v.proof.map(hex);
  const leaf = leafHashes[v.index]!;

  it('rejects every single flipped bit of an inclusion proof, its leaf and its root', async () => {
    for (let i = 0; i < proof.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = proof.map((h, j) => (j === i ? flip(h, bit) : h));
        await expectCode(() => verifyInclusion(v.index, v.size, leaf, bad, root8), 'MERKLE_ROOT_MISMATCH');
      }
    }
    await expectCode(
      () => verifyInclusion(v.index, v.size, flip(leaf), proof, root8),
      'MERKLE_ROOT_MISMATCH',
    );
    await expectCode(
      () => verifyInclusion(v.index, v.size, leaf, proof, flip(root8)),
      'MERKLE_ROOT_MISMATCH',
    );
  });

  it('rejects an inclusion proof for another index or size, and an index at or beyond the size', async () => {
    await expectCode(() => verifyInclusion(v.index - 1, v.size, leaf, proof, root8), 'MERKLE_ROOT_MISMATCH');
    await expectCode(() => verifyInclusion(v.index + 1, v.size, leaf, proof, root8), 'MERKLE_ROOT_MISMATCH');
    await expectCode(() => verifyInclusion(v.index, 16, leaf, proof, root8), 'MERKLE_PROOF_LENGTH');
    await expectCode(() => verifyInclusion(v.index, 4, leaf, proof, root8), 'MERKLE_INDEX_OUT_OF_RANGE');
    await expectCode(() => verifyInclusion(8, 8, leaf, proof, root8), 'MERKLE_INDEX_OUT_OF_RANGE');
    await expectCode(() => verifyInclusion(0, 0, leaf, [], emptyRoot()), 'MERKLE_INDEX_OUT_OF_RANGE');
  });

  it('rejects inclusion proofs with a hash added, removed or malformed', async () => {
    await expectCode(
      () => verifyInclusion(v.index, v.size, leaf, proof.slice(1), root8),
      'MERKLE_PROOF_LENGTH',
    );
    await expectCode(
      () => verifyInclusion(v.index, v.size, leaf, [...proof, root8], root8),
      'MERKLE_PROOF_LENGTH',
    );
    await expectCode(
      () => verifyInclusion(v.index, v.size, leaf, [root8, ...proof], root8),
      'MERKLE_PROOF_LENGTH',
    );
    await expectCode(() => verifyInclusion(0, 1, leaf, [leaf], leaf), 'MERKLE_PROOF_LENGTH');
    const short = [proof[0]!, proof[1]!.subarray(1), proof[2]!];
    await expectCode(() => verifyInclusion(v.index, v.size, leaf, short, root8), 'MERKLE_BAD_ARGUMENT');
    await expectCode(
      () => verifyInclusion(v.index, v.size, Buffer.from('WrongLeaf'), proof, root8),
      'MERKLE_BAD_ARGUMENT',
    );
  });

  it('rejects sizes and indices that are not non-negative safe integers', async () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) {
      await expectCode(() => verifyInclusion(bad, 8, leaf, proof, root8), 'MERKLE_BAD_ARGUMENT');
      await expectCode(() => verifyInclusion(0, bad, leaf, proof, root8), 'MERKLE_BAD_ARGUMENT');
      await expectCode(() => verifyConsistency(bad, 8, root8, root8, []), 'MERKLE_BAD_ARGUMENT');
    }
  });

  it('rejects consistency proofs that are corrupt, misplaced, or for impossible sizes', async () => {
    const c = CONSISTENCY_VECTORS[4]!;
    const [r1, r2] = [hex(ROOTS[c.from]!), hex(ROOTS[c.to]!)];
    const p = c.proof.map(hex);
    for (let i = 0; i < p.length; i++) {
      const bad = p.map((h, j) => (j === i ? flip(h, 4) : h));
      await expectCode(() => verifyConsistency(c.from, c.to, r1, r2, bad), 'MERKLE_ROOT_MISMATCH');
    }
    await expectCode(() => verifyConsistency(c.from, c.to, r2, r1, p), 'MERKLE_ROOT_MISMATCH');
    await expectCode(() => verifyConsistency(c.from, c.to, flip(r1), r2, p), 'MERKLE_ROOT_MISMATCH');
    await expectCode(() => verifyConsistency(c.from - 1, c.to, r1, r2, p), 'MERKLE_PROOF_LENGTH');
    await expectCode(() => verifyConsistency(c.from, c.to * 2, r1, r2, p), 'MERKLE_PROOF_LENGTH');
    await expectCode(() => verifyConsistency(c.from, c.to, r1, r2, []), 'MERKLE_PROOF_LENGTH');
    await expectCode(() => verifyConsistency(c.from, c.to, r1, r2, p.slice(0, -1)), 'MERKLE_PROOF_LENGTH');
    await expectCode(() => verifyConsistency(c.from, c.to, r1, r2, [...p, r2]), 'MERKLE_PROOF_LENGTH');
    await expectCode(() => verifyConsistency(c.from, c.to, r1, r2, [p[0]!, ...p]), 'MERKLE_PROOF_LENGTH');
    await expectCode(() => verifyConsistency(c.to, c.from, r2, r1, p), 'MERKLE_BAD_RANGE');
    await expectCode(() => verifyConsistency(0, c.to, emptyRoot(), r2, []), 'MERKLE_BAD_RANGE');
    await expectCode(() => verifyConsistency(3, 3, r1, r2, []), 'MERKLE_ROOT_MISMATCH');
    await expectCode(() => verifyConsistency(3, 3, r1, r1, [r1]), 'MERKLE_PROOF_LENGTH');
  });

  it('refuses to generate proofs for impossible arguments', async () => {
    const fetch = fetchFrom(leafHashes);
    expect(() => inclusionProof(8, 8, fetch)).toThrow(MerkleError);
    expect(() => consistencyProof(0, 8, fetch)).toThrow(MerkleError);
    expect(() => consistencyProof(5, 4, fetch)).toThrow(MerkleError);
    expect(() => createTreeBuilder({ size: 3, edge: [leafHashes[0]!] })).toThrow(MerkleError);
  });
});

describe('Merkle tree: cross-checked against RFC 9162 written out', () => {
  const random = prng(9162);
  const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => hashLeaf(Buffer.from(`leaf ${i}`)));

  it('agrees on every root, inclusion path and consistency proof of trees up to 40 leaves', async () => {
    const all = leavesOf(40);
    const fetch = fetchFrom(all);
    for (let n = 1; n <= all.length; n++) {
      const d = all.slice(0, n);
      const root = mth(d);
      expect(toHex(await rootAtSize(n, fetch))).toBe(toHex(root));
      for (let m = 0; m < n; m++) {
        const proof = await inclusionProof(m, n, fetch);
        expect(proof.map(toHex)).toEqual(path(m, d).map(toHex));
        await verifyInclusion(m, n, d[m]!, proof, root);
      }
      for (let m = 1; m <= n; m++) {
        const proof = await consistencyProof(m, n, fetch);
        expect(proof.map(toHex)).toEqual(m === n ? [] : proofRef(m, d).map(toHex));
        await verifyConsistency(m, n, mth(d.slice(0, m)), root, proof);
      }
    }
  });

  it('agrees on random indices and sizes of a 3000-leaf tree, and a resumed builder matches', async () => {
    const all = leavesOf(3000);
    const builder = createTreeBuilder();
    const nodes = new Map<string, Buffer>();
    for (const h of all)
      for (const node of builder.append(h)) nodes.set(`${node.level}/${node.index}`, node.hash);
    expect(toHex(builder.root())).toBe(toHex(mth(all)));
    const fetch: TFetchNodes = async (ids) => ids.map((id) => nodes.get(`${id.level}/${id.index}`)!);
    for (let i = 0; i < 60; i++) {
      const to = 1 + random(all.length);
      const from = 1 + random(to);
      const index = random(to);
      const d = all.slice(0, to);
      const root = await rootAtSize(to, fetch);
      expect(toHex(root)).toBe(toHex(mth(d)));
      const inc = await inclusionProof(index, to, fetch);
      expect(inc.map(toHex)).toEqual(path(index, d).map(toHex));
      await verifyInclusion(index, to, d[index]!, inc, root);
      const con = await consistencyProof(from, to, fetch);
      await verifyConsistency(from, to, await rootAtSize(from, fetch), root, con);

      const edge = await fetch(perfectSubtrees({ start: 0, end: from }));
      const resumed = createTreeBuilder({ size: from, edge });
      for (const h of all.slice(from, to)) resumed.append(h);
      expect(toHex(resumed.root())).toBe(toHex(root));
    }
  });

  it('keeps its arithmetic exact beyond 32 bits', async () => {
    // All leaves equal, so any perfect subtree's hash depends only on its level.
    const byLevel = [hashLeaf(Buffer.from('same'))];
    for (let l = 1; l <= 52; l++) byLevel.push(hashChildren(byLevel[l - 1]!, byLevel[l - 1]!));
    const fetch: TFetchNodes = async (ids) => ids.map((id) => byLevel[id.level]!);
    for (const [index, size, from] of [
      [2 ** 32 + 5, 2 ** 33 + 3, 2 ** 32 + 1],
      [2 ** 40 - 1, 2 ** 40, 2 ** 39 + 7],
      [0, 2 ** 52 + 1, 3],
    ] as const) {
      const root = await rootAtSize(size, fetch);
      const inc = await inclusionProof(index, size, fetch);
      expect(toHex(await rootFromInclusionProof(index, size, byLevel[0]!, inc))).toBe(toHex(root));
      const con = await consistencyProof(from, size, fetch);
      await verifyConsistency(from, size, await rootAtSize(from, fetch), root, con);
    }
  });
});

describe('diffLeaves', () => {
  /** Leaves named by small numbers: leaf(n) stands for entry n of the log as first signed. */
  const leaf = (n: number) => hashLeaf(Buffer.from(`entry ${n}`));
  const log = (...ns: number[]) => ns.map(leaf);
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
  const kept = log(...range(0, 20));

  it('finds nothing when the kept leaves are a prefix: the log only grew', async () => {
    expect(diffLeaves(kept, kept)).toEqual([]);
    expect(diffLeaves(kept, log(...range(0, 25)))).toEqual([]);
    expect(diffLeaves([], log(1, 2))).toEqual([]);
  });

  it('names one entry changed in place', async () => {
    const now = log(...range(0, 22));
    now[7] = leaf(1000);
    expect(diffLeaves(kept, now)).toEqual([{ kind: 'changed', kept: 7, now: 7 }]);
  });

  it('names a deletion and where the renumbered log goes on', async () => {
    expect(diffLeaves(kept, log(...range(0, 4), ...range(5, 23)))).toEqual([
      { kind: 'deleted', kept: 4, now: 4, count: 1 },
    ]);
    expect(diffLeaves(kept, log(...range(0, 4), ...range(7, 23)))).toEqual([
      { kind: 'deleted', kept: 4, now: 4, count: 3 },
    ]);
  });

  it('names an insertion, at the end of the kept range too', async () => {
    expect(diffLeaves(kept, log(...range(0, 6), 500, ...range(6, 20)))).toEqual([
      { kind: 'inserted', kept: 6, now: 6, count: 1 },
    ]);
    expect(diffLeaves(kept, log(...range(0, 19), 500, 501, 19))).toEqual([
      { kind: 'inserted', kept: 19, now: 19, count: 2 },
    ]);
  });

  it('names swaps, adjacent or apart, rather than an edit or a move', async () => {
    const apart = log(...range(0, 20));
    [apart[3], apart[9]] = [apart[9]!, apart[3]!];
    expect(diffLeaves(kept, apart)).toEqual([{ kind: 'swapped', kept: 3, now: 3, with: 9 }]);
    const adjacent = log(...range(0, 21));
    [adjacent[12], adjacent[13]] = [adjacent[13]!, adjacent[12]!];
    expect(diffLeaves(kept, adjacent)).toEqual([{ kind: 'swapped', kept: 12, now: 12, with: 13 }]);
  });

  it('names a truncation, and a rollback regrown differently as a rewrite', async () => {
    expect(diffLeaves(kept, log(...range(0, 10)))).toEqual([
      { kind: 'truncated', kept: 10, now: 10, count: 10 },
    ]);
    expect(diffLeaves(kept, [])).toEqual([{ kind: 'truncated', kept: 0, now: 0, count: 20 }]);
    expect(diffLeaves(kept, log(...range(0, 10), ...range(100, 130)))).toEqual([
      { kind: 'rewritten', kept: 10, now: 10 },
    ]);
    expect(diffLeaves(kept, log(...range(0, 10), 100))).toEqual([{ kind: 'rewritten', kept: 10, now: 10 }]);
  });

  it('reports separate edits in order, positions on both sides', async () => {
    const now = log(...range(0, 3), ...range(4, 15), 900, ...range(15, 20));
    now[10] = leaf(1000);
    expect(diffLeaves(kept, now)).toEqual([
      { kind: 'deleted', kept: 3, now: 3, count: 1 },
      { kind: 'changed', kept: 11, now: 10 },
      { kind: 'inserted', kept: 15, now: 14, count: 1 },
    ]);
  });

  it('stops after DIFF_MAX_EDITS edits', async () => {
    const big = log(...range(0, 400));
    const now = big.map((h, k) => (k % 3 === 1 ? leaf(10_000 + k) : h));
    const edits = diffLeaves(big, now);
    expect(edits).toHaveLength(DIFF_MAX_EDITS);
    expect(edits[0]).toEqual({ kind: 'changed', kept: 1, now: 1 });
  });
});
