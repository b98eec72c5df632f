import { describe, expect, it } from 'vitest';
import {
  addDiscreteLaplace,
  createNoiseStream,
  discreteLaplace,
  discreteLaplaceVariance,
  rationalScale,
} from './noise.ts';

const SECRET = new Uint8Array(32).fill(9);

/** P(Z = z) of the discrete Laplace distribution with scale b. */
const pmf = (z: number, b: number) => {
  const q = Math.exp(-1 / b);
  return ((1 - q) / (1 + q)) * q ** Math.abs(z);
};

/** Pearson's chi-square of draws against the pmf over |z| ≤ cut, the tails pooled into one bin each. */
function chiSquare(draws: number[], b: number, cut: number): { statistic: number; bins: number } {
  const observed = new Map<number, number>();
  for (const z of draws) {
    const k = Math.max(-cut - 1, Math.min(cut + 1, z));
    observed.set(k, (observed.get(k) ?? 0) + 1);
  }
  let tail = 0;
  for (let z = -cut; z <= cut; z++) tail += pmf(z, b);
  let statistic = 0;
  for (let k = -cut - 1; k <= cut + 1; k++) {
    const p = Math.abs(k) === cut + 1 ? (1 - tail) / 2 : pmf(k, b);
    const expected = p * draws.length;
    statistic += ((observed.get(k) ?? 0) - expected) ** 2 / expected;
  }
  return { statistic, bins: 2 * cut + 3 };
}

describe('discrete Laplace noise', () => {
  it('follows the exact distribution at small, odd and large scales (chi-square, fixed stream)', () => {
    for (const [b, cut] of [
      [0.5, 4],
      [3.7, 20],
      [40, 120],
    ] as const) {
      const stream = createNoiseStream(SECRET, `chi:${b}`);
      const scale = rationalScale(b);
      const draws = Array.from({ length: 60_000 }, () => discreteLaplace(stream, scale));
      const { statistic, bins } = chiSquare(draws, b, cut);
      // For k degrees of freedom, k + 6√(2k) is far in the upper tail (p < 1e-6 for these k); a
      // sampler off by a few percent in any bin lands well beyond it at 60 000 draws.
      const df = bins - 1;
      expect(statistic, `scale ${b}`).toBeLessThan(df + 6 * Math.sqrt(2 * df));
      const mean = draws.reduce((a, z) => a + z, 0) / draws.length;
      const variance = draws.reduce((a, z) => a + (z - mean) ** 2, 0) / (draws.length - 1);
      expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(discreteLaplaceVariance(b) / draws.length));
      expect(variance / discreteLaplaceVariance(b)).toBeGreaterThan(0.95);
      expect(variance / discreteLaplaceVariance(b)).toBeLessThan(1.05);
    }
  });

  it('tells a wrong scale apart: the test above would fail for a sampler 10 % too wide', () => {
    const stream = createNoiseStream(SECRET, 'chi:wrong');
    const draws = Array.from({ length: 60_000 }, () => discreteLaplace(stream, rationalScale(3.7 * 1.1)));
    const { statistic, bins } = chiSquare(draws, 3.7, 20);
    expect(statistic).toBeGreaterThan(bins - 1 + 6 * Math.sqrt(2 * (bins - 1)));
  });

  it('is a function of the label: the same label gives the same draws, another label others', () => {
    const a = addDiscreteLaplace(SECRET, 'q1', [10, 20, 30, 40], 1, 0.5);
    const b = addDiscreteLaplace(SECRET, 'q1', [10, 20, 30, 40], 1, 0.5);
    const c = addDiscreteLaplace(SECRET, 'q2', [10, 20, 30, 40], 1, 0.5);
    const d = addDiscreteLaplace(new Uint8Array(32).fill(1), 'q1', [10, 20, 30, 40], 1, 0.5);
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
    expect([...a]).not.toEqual([...d]);
    expect(a.every(Number.isInteger)).toBe(true);
  });

  it('adds noise to integers only, and never a scale below sensitivity/epsilon', () => {
    expect(() => addDiscreteLaplace(SECRET, 'q', [1.5], 1, 1)).toThrow(/integers/);
    for (const scale of [1e-3, 0.3, 1, 7.77, 1234.5, 2 ** 20 / 0.01, 2 ** 40]) {
      const { t, s } = rationalScale(scale);
      expect(t / s).toBeGreaterThanOrEqual(scale);
      expect((t / s - scale) / scale).toBeLessThan(1e-5);
      expect(Number.isSafeInteger(t) && t < 2 ** 48 && Number.isSafeInteger(s)).toBe(true);
    }
    expect(() => rationalScale(2 ** 50)).toThrow(/epsilon per statistic too small/);
  });

  it('draws uniform integers below any bound up to 2^53', () => {
    const stream = createNoiseStream(SECRET, 'uniform');
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[stream.below(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    const big = 2 ** 52 + 3;
    let isBelow = true;
    let hasHigh = false;
    for (let i = 0; i < 1000; i++) {
      const x = stream.below(big);
      isBelow &&= Number.isSafeInteger(x) && x >= 0 && x < big;
      hasHigh ||= x > 2 ** 51;
    }
    expect(isBelow && hasHigh).toBe(true);
  });
});
