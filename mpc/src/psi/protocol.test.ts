/** The whole join, both parties in one process, with the primitives of this folder. */
import { describe, expect, it } from 'vitest';
import { blindPoints, createBlindingKey } from './blind.ts';
import { checkCurvePoints } from './curve-point.ts';
import { hashIdentifiers } from './hash-to-point.ts';
import { randomPermutation } from './shuffle.ts';
import { pointAt, toHex } from './test-fixtures.ts';

describe('DH-PSI over X25519, end to end', () => {
  it('the platform finds exactly its rows the operator also has', async () => {
    const shared = Array.from({ length: 20 }, (_, i) => `shared-${i}@example.com`);
    const operatorIds = [
      ...shared,
      ...Array.from({ length: 30 }, (_, i) => `operator-only-${i}@example.com`),
    ];
    // The platform's rows: shared ones at known, scattered positions.
    const platformIds = Array.from({ length: 200 }, (_, i) => `platform-only-${i}@example.com`);
    const sharedRows = Array.from({ length: 20 }, (_, i) => i * 10 + 3);
    sharedRows.forEach((row, i) => {
      platformIds[row] = shared[i]!;
    });

    // Operator: A = [a]H(x).
    const a = await createBlindingKey();
    const A = await blindPoints(a, hashIdentifiers(operatorIds));

    // Platform: B = [b]H(r), padded with dummies to 256 and shuffled; it keeps the permutation.
    const b = await createBlindingKey();
    const padded = hashIdentifiers([
      ...platformIds,
      ...Array.from({ length: 56 }, () => `dummy-${crypto.randomUUID()}`),
    ]);
    const perm = randomPermutation(256);
    const shuffled = new Uint8Array(padded.length);
    perm.forEach((from, to) => {
      shuffled.set(pointAt(padded, from), to * 32);
    });
    const B = await blindPoints(b, shuffled);

    // Operator: checks B and returns C = [a]B in the order received.
    checkCurvePoints(B);
    const C = await blindPoints(a, B);

    // Platform: checks A and C, computes [b]A, and matches C against it.
    checkCurvePoints(A);
    checkCurvePoints(C);
    const bA = await blindPoints(b, A);
    const operatorSet = new Set(Array.from({ length: operatorIds.length }, (_, i) => toHex(pointAt(bA, i))));
    const matched: number[] = [];
    for (let k = 0; k < 256; k++) {
      if (operatorSet.has(toHex(pointAt(C, k)))) matched.push(perm[k]!);
    }
    expect(matched.sort((x, y) => x - y)).toEqual(sharedRows);
    expect(matched.every((row) => row < platformIds.length)).toBe(true);

    // What travelled hides the identifiers: no blinded point equals a hashed one, nor A equals B.
    const hashedOperator = hashIdentifiers(operatorIds);
    for (let i = 0; i < operatorIds.length; i++)
      expect(pointAt(A, i)).not.toEqual(pointAt(hashedOperator, i));
    const bSet = new Set(Array.from({ length: 256 }, (_, k) => toHex(pointAt(B, k))));
    for (let i = 0; i < operatorIds.length; i++) expect(bSet.has(toHex(pointAt(A, i)))).toBe(false);
  });
});
