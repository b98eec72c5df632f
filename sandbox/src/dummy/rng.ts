import { createHash } from 'node:crypto';

/** A seeded random source: the same seed gives the same sequence on every machine and Node version. */
export type TRng = {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform integer in [0, n). */
  below(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
};

/**
 * xoshiro128** over 32-bit integer arithmetic (`Math.imul`), its state the first 16 bytes of the
 * SHA-256 of the seed string. Not for secrets: dummy data only needs a stable, well-mixed stream.
 */
export function createRng(seed: string): TRng {
  const digest = createHash('sha256').update(seed, 'utf8').digest();
  let s0 = digest.readUInt32LE(0);
  let s1 = digest.readUInt32LE(4);
  let s2 = digest.readUInt32LE(8);
  let s3 = digest.readUInt32LE(12);
  // The all-zero state is xoshiro's only fixed point.
  if ((s0 | s1 | s2 | s3) === 0) s0 = 0x9e3779b9;

  const next = () => {
    const m = Math.imul(s1, 5);
    const r = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return (r >>> 0) / 4294967296;
  };

  let spare = Number.NaN;
  const normal = () => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = Number.NaN;
      return s;
    }
    const u = 1 - next();
    const v = next();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };

  return { next, below: (n) => Math.floor(next() * n), normal };
}
