import { randomBytes } from 'node:crypto';

/**
 * `count` draws from Laplace(0, scale), from the operating system's CSPRNG (inverse CDF on a
 * 53-bit uniform that never hits ±½, so the logarithm is always finite).
 */
export function laplaceNoise(scale: number, count: number): Float64Array {
  const out = new Float64Array(count);
  const bytes = randomBytes(8 * count);
  for (let i = 0; i < count; i++) {
    const bits = bytes.readUInt32BE(8 * i) * 2 ** 21 + (bytes.readUInt32BE(8 * i + 4) >>> 11);
    const u = (bits + 0.5) / 2 ** 53 - 0.5;
    out[i] = -scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  }
  return out;
}
