import { createCipheriv, createHash, createHmac } from 'node:crypto';

/**
 * Cell-key perturbation (the ABS / Eurostat "cell key method"): every cell carries the sum, modulo
 * 2^64, of its contributing rows' record keys. The same set of rows always has the same cell key,
 * so repeating a query returns the same noise; sets differing by one row have unrelated keys, so
 * their noises are independent. Each statistic draws from its own stream of the cell key.
 */

/** Probabilities of count noise −2, −1, 0, +1, +2: symmetric, variance 2·(0.2·1 + 0.1·4) = 1.2. */
export const COUNT_NOISE_P = [0.1, 0.2, 0.4, 0.2, 0.1] as const;
const COUNT_NOISE_CDF = [0.1, 0.3, 0.7, 0.9, 1] as const;

/** Count noise in −2..+2 from a uniform u in [0, 1). */
export function countNoise(u: number): number {
  for (let k = 0; k < 4; k++) if (u < COUNT_NOISE_CDF[k]!) return k - 2;
  return 2;
}

/** Magnitude noise with mean 0 and variance 1 from a uniform u in [0, 1): uniform on [−√3, √3]. */
export function unitNoise(u: number): number {
  return Math.sqrt(3) * (2 * u - 1);
}

/**
 * Uniforms in [0, 1), one per cell, for one named stream: AES-256 (ECB, one block per cell) of
 * (cellKeyHi, cellKeyLo, stream tag) under a key derived from the secret. One native call per
 * statistic rather than one HMAC per cell.
 */
export function streamUniforms(
  secret: Uint8Array,
  stream: string,
  keyHi: Uint32Array,
  keyLo: Uint32Array,
  cells: ArrayLike<number>,
): Float64Array {
  const n = cells.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const tag = createHash('sha256').update(stream).digest().readUInt32BE(0);
  const input = Buffer.alloc(16 * n);
  for (let i = 0; i < n; i++) {
    const c = cells[i]!;
    input.writeUInt32BE(keyHi[c]!, 16 * i);
    input.writeUInt32BE(keyLo[c]!, 16 * i + 4);
    input.writeUInt32BE(tag, 16 * i + 8);
  }
  const cipher = createCipheriv('aes-256-ecb', streamKey(secret), null);
  cipher.setAutoPadding(false);
  const blocks = cipher.update(input);
  for (let i = 0; i < n; i++) {
    out[i] = (blocks.readUInt32BE(16 * i) * 2 ** 21 + (blocks.readUInt32BE(16 * i + 4) >>> 11)) / 2 ** 53;
  }
  return out;
}

function streamKey(secret: Uint8Array): Buffer {
  return createHmac('sha256', secret).update('enclave/cell-key-stream/v1').digest();
}
