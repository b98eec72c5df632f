import { MpcError } from '../errors.ts';

/** 32-bit words drawn from `crypto.getRandomValues` per call (its limit is 65 536 bytes). */
const RANDOM_WORDS = 4096;

/**
 * A uniformly random permutation of 0 … n-1 (Fisher–Yates, each index drawn from
 * `crypto.getRandomValues` with rejection sampling, so no index is favoured). `perm[k]` is the
 * original position of the item placed at k. Throws `MPC_INPUT_INVALID` unless n is an integer in
 * [0, 2^32 - 1].
 *
 * @example
 * const perm = randomPermutation(3) // e.g. Uint32Array [2, 0, 1]
 * const shuffled = Array.from(perm, (from) => rows[from])
 */
export function randomPermutation(n: number): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new MpcError('MPC_INPUT_INVALID', 'a permutation length must be an integer in [0, 2^32 - 1]');
  }
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const words = new Uint32Array(RANDOM_WORDS);
  let next = RANDOM_WORDS;
  for (let i = n - 1; i > 0; i--) {
    // j uniform in [0, i]: accept only draws below the largest multiple of i + 1 that fits.
    const range = i + 1;
    const limit = 2 ** 32 - (2 ** 32 % range);
    let draw: number;
    do {
      if (next === RANDOM_WORDS) {
        crypto.getRandomValues(words);
        next = 0;
      }
      draw = words[next++]!;
    } while (draw >= limit);
    const j = draw % range;
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm;
}
