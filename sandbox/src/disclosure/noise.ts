import { createCipheriv, createHmac } from 'node:crypto';
import { DisclosureError } from './errors.ts';

/**
 * Differential-privacy noise that is private in floating point.
 *
 * Every released statistic is an integer (a count, or a sum of values rounded to a grid) plus an
 * integer drawn from the discrete Laplace distribution, P(z) ∝ exp(−|z|/scale), with the exact
 * sampler of Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy"
 * (NeurIPS 2020), Algorithms 1 and 2. The sampler uses only integer arithmetic on uniform integers,
 * so no floating-point rounding can leak the unnoised value through the low bits of the output
 * (the attack of Mironov, "On Significance of the Least Significant Bits for Differential
 * Privacy", CCS 2012, on inverse-CDF Laplace over doubles). Turning the noisy integer into a
 * double afterwards is post-processing.
 *
 * The uniform integers come from AES-256-CTR keyed by HMAC-SHA256(secret, label): a
 * cryptographically secure stream, deterministic per label. Each noisy statistic is labelled by the
 * digest of the question it answers, so an identical question gets the identical answer, while a
 * question that differs in anything (rows, grouping, bounds, epsilon, data version) draws noise
 * independent of every other.
 */

export type TNoiseStream = {
  /** A uniform integer in [0, m), m a positive integer ≤ 2^53. */
  below(m: number): number;
  /** A uniform double in [0, 1) (53 bits); for simulations, never for released noise. */
  unit(): number;
};

const CHUNK_WORDS = 4096;
const TWO_32 = 2 ** 32;
const TWO_53 = 2 ** 53;

export function createNoiseStream(secret: Uint8Array, label: string): TNoiseStream {
  const key = createHmac('sha256', secret).update(`enclave/noise/v1\n${label}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(4 * CHUNK_WORDS);
  let words = new Uint32Array(0);
  let at = 0;
  const u32 = (): number => {
    if (at === words.length) {
      const bytes = cipher.update(zeros);
      words = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      at = 0;
    }
    return words[at++]!;
  };
  const u53 = () => (u32() >>> 11) * TWO_32 + u32();
  return {
    below(m) {
      if (m <= TWO_32) {
        // Rejection sampling: accept only below the largest multiple of m, so x % m is uniform.
        const limit = TWO_32 - (TWO_32 % m);
        for (;;) {
          const x = u32();
          if (x < limit) return x % m;
        }
      }
      if (!(m <= TWO_53)) throw new RangeError('below(m) needs m ≤ 2^53');
      const limit = TWO_53 - (TWO_53 % m);
      for (;;) {
        const x = u53();
        if (x < limit) return x % m;
      }
    },
    unit: () => u53() / TWO_53,
  };
}

/** Bernoulli(exp(−num/den)) for integers 0 ≤ num, 0 < den: Algorithm 1 of Canonne, Kamath, Steinke. */
function bernoulliExp(s: TNoiseStream, num: number, den: number): boolean {
  let n = num;
  while (n > den) {
    if (!bernoulliExpAtMostOne(s, den, den)) return false;
    n -= den;
  }
  return bernoulliExpAtMostOne(s, n, den);
}

/** Bernoulli(exp(−γ)) for γ = num/den in [0, 1]: K counts successes of Bernoulli(γ/K); odd K is 1. */
function bernoulliExpAtMostOne(s: TNoiseStream, num: number, den: number): boolean {
  let k = 1;
  while (s.below(den * k) < num) {
    k++;
    // Reaching k = 32 has probability below 1/32!; den · k must stay within 2^53.
    if (den * k > TWO_53) throw new Error('discrete Laplace sampler out of range');
  }
  return k % 2 === 1;
}

/** A rational t/s of integers not below `scale`: the sampler's exact parameter. */
export type TScale = { t: number; s: number };

/** Largest noise scale the sampler takes (sensitivity/epsilon). */
export const MAX_SCALE = 2 ** 44;
/**
 * t is kept near 2^30 (relative precision 2^-30): then the uniform draws of Algorithm 1, below t·k
 * with k rarely above 2, fit in 32 bits. Larger scales take s = 1 and a larger t.
 */
const T_TARGET = 2 ** 30;

export function rationalScale(scale: number): TScale {
  if (!(scale > 0) || !(scale <= MAX_SCALE)) {
    throw new DisclosureError(
      'DISCLOSURE_INVALID_REQUEST',
      `a noise scale of ${scale} is out of range: epsilon per statistic too small`,
    );
  }
  const s = Math.max(1, Math.floor(T_TARGET / scale));
  // One more unit than the product, so that t/s ≥ scale whatever the product's rounding.
  return { t: Math.ceil(scale * s) + 1, s };
}

/** One draw of the discrete Laplace distribution with scale t/s: Algorithm 2 of Canonne, Kamath, Steinke. */
export function discreteLaplace(stream: TNoiseStream, { t, s }: TScale): number {
  for (;;) {
    const u = stream.below(t);
    if (!bernoulliExp(stream, u, t)) continue;
    let v = 0;
    while (bernoulliExp(stream, 1, 1)) v++;
    const y = Math.floor((u + t * v) / s);
    const isNegative = stream.below(2) === 1;
    if (isNegative && y === 0) continue;
    return isNegative ? -y : y;
  }
}

/** The variance of the discrete Laplace distribution with scale b: 2q/(1−q)², q = exp(−1/b). */
export function discreteLaplaceVariance(scale: number): number {
  const q = Math.exp(-1 / scale);
  return (2 * q) / (1 - q) ** 2;
}

/**
 * `values[i] + Z_i` for integer-valued `values`, Z_i independent discrete Laplace draws of scale
 * sensitivity/epsilon, from the stream labelled `label`. The ith draw is always the ith value's,
 * so the same label and length give the same noise.
 */
export function addDiscreteLaplace(
  secret: Uint8Array,
  label: string,
  values: ArrayLike<number>,
  sensitivity: number,
  epsilon: number,
): Float64Array {
  const stream = createNoiseStream(secret, label);
  const scale = rationalScale(sensitivity / epsilon);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isSafeInteger(v)) throw new Error('noise is added to integers only');
    out[i] = v + discreteLaplace(stream, scale);
  }
  return out;
}
