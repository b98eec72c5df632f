import { afterEach, describe, expect, it, vi } from 'vitest';
import { randomPermutation } from './shuffle.ts';
import { codeOfSync } from './test-fixtures.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('randomPermutation', () => {
  it('is a permutation of 0 … n-1', () => {
    for (const n of [0, 1, 2, 3, 10, 1000, 20_000]) {
      const perm = randomPermutation(n);
      expect(perm).toBeInstanceOf(Uint32Array);
      expect(perm).toHaveLength(n);
      expect(Array.from(perm).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });

  it('moves things: two shuffles of 1000 differ, and few items stay put', () => {
    const a = randomPermutation(1000);
    expect(a).not.toEqual(randomPermutation(1000));
    expect(a.filter((to, from) => to === from).length).toBeLessThan(10);
  });

  it('draws each of the 6 orders of 3 about equally often', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const key = randomPermutation(3).join();
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // Expected 1000 each, standard deviation ~29: ±200 is ~7σ.
    for (const count of counts.values()) expect(Math.abs(count - 1000)).toBeLessThan(200);
  });

  it('rejects the draws that would bias the modulo', () => {
    // For i = 2 (range 3) a draw of 2^32 - 1 is past the last multiple of 3 and must be skipped.
    const draws = [0xffffffff, 4, 1];
    vi.spyOn(crypto, 'getRandomValues').mockImplementation(
      <T extends ArrayBufferView | null>(array: T): T => {
        const words = array as unknown as Uint32Array;
        words.fill(0);
        words.set(draws);
        return array;
      },
    );
    // 4 % 3 = 1 swaps positions 2 and 1; then 1 % 2 = 1 keeps 1 in place. Taking 2^32 - 1 (% 3 = 0)
    // instead would have given [1, 2, 0].
    expect(Array.from(randomPermutation(3))).toEqual([0, 2, 1]);
  });

  it('refuses a length that is not an integer in [0, 2^32 - 1]', () => {
    for (const n of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32]) {
      expect(codeOfSync(() => randomPermutation(n))).toBe('MPC_INPUT_INVALID');
    }
  });
});
