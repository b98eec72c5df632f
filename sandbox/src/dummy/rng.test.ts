import { describe, expect, it } from 'vitest';
import { createRng } from './rng.ts';

const draws = (seed: string, n: number) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.next());
};

describe('createRng', () => {
  it('repeats its sequence for a seed, and pins it (every dummy table depends on it)', () => {
    expect(draws('a', 100)).toEqual(draws('a', 100));
    expect(draws('a', 3)).not.toEqual(draws('b', 3));
    expect(draws('enclave', 3)).toEqual(PINNED);
  });

  it('is uniform in [0, 1) and normal() is standard normal', () => {
    const xs = draws('uniform', 100_000);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const deciles = new Array(10).fill(0);
    for (const x of xs) deciles[Math.floor(x * 10)]++;
    for (const d of deciles) expect(Math.abs(d - 10_000)).toBeLessThan(400);
    const rng = createRng('normal');
    const zs = Array.from({ length: 100_000 }, () => rng.normal());
    const mean = zs.reduce((s, z) => s + z, 0) / zs.length;
    const variance = zs.reduce((s, z) => s + (z - mean) ** 2, 0) / zs.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    const below = createRng('below');
    const ints = new Set(Array.from({ length: 1000 }, () => below.below(7)));
    expect(ints).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
  });
});

const PINNED = [0.6376954421866685, 0.16453759535215795, 0.44339893432334065];
