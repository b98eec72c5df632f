import { describe, expect, it } from 'vitest';
import { euler, fromLe, P } from '../test-fixtures.ts';
import { legendreByPow, legendreSymbol } from './legendre.ts';

/** Euler's criterion from the test fixtures, as -1, 0 or 1. */
const expected = (v: bigint) => {
  const r = euler(v);
  return r === 0n ? 0 : r === 1n ? 1 : -1;
};

function randomBelowP(): bigint {
  for (;;) {
    const v = fromLe(crypto.getRandomValues(new Uint8Array(32))) & ((1n << 255n) - 1n);
    if (v < P) return v;
  }
}

describe('legendreSymbol', () => {
  it('knows the textbook values for p = 2^255 - 19', () => {
    expect(legendreSymbol(0n)).toBe(0);
    expect(legendreSymbol(P)).toBe(0);
    expect(legendreSymbol(1n)).toBe(1);
    expect(legendreSymbol(4n)).toBe(1);
    // p ≡ 5 (mod 8): 2 is not a square; p ≡ 1 (mod 4): -1 is.
    expect(legendreSymbol(2n)).toBe(-1);
    expect(legendreSymbol(P - 1n)).toBe(1);
    expect(legendreSymbol(-1n)).toBe(1);
    expect(legendreSymbol(P + 2n)).toBe(-1);
  });

  it('agrees with Euler’s criterion on 3000 random values', () => {
    let squares = 0;
    for (let i = 0; i < 3000; i++) {
      const v = randomBelowP();
      const want = expected(v);
      expect(legendreSymbol(v), v.toString()).toBe(want);
      if (want === 1) squares++;
    }
    // Half the field is square: both answers were exercised.
    expect(squares).toBeGreaterThan(1300);
    expect(squares).toBeLessThan(1700);
  });

  it('agrees on structured values: powers of two, their neighbours, squares and small numbers', () => {
    const values: bigint[] = [];
    for (let k = 0n; k < 255n; k++) values.push(1n << k, (1n << k) - 1n, (1n << k) + 1n, P - (1n << k));
    for (let k = 1n; k < 200n; k++) values.push(k, P - k, (k * 0x1234567890abcdefn) ** 2n % P);
    for (const v of values) expect(legendreSymbol(v), v.toString()).toBe(expected(v));
  });

  it('is a multiplicative character: (ab/p) = (a/p)(b/p)', () => {
    for (let i = 0; i < 200; i++) {
      const a = randomBelowP();
      const b = randomBelowP();
      expect(legendreSymbol((a * b) % P)).toBe(legendreSymbol(a) * legendreSymbol(b));
    }
  });

  it('has a slow path that agrees too', () => {
    for (let i = 0; i < 50; i++) {
      const v = randomBelowP();
      expect(legendreByPow(v)).toBe(expected(v));
    }
  });
});
