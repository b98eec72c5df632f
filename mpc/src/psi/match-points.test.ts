import { describe, expect, it } from 'vitest';
import { hashIdentifiers } from './hash-to-point.ts';
import { matchPoints } from './match-points.ts';

describe('matchPoints', () => {
  it('flags exactly the points that are among the others, bytes compared in full', () => {
    const points = hashIdentifiers(['a', 'b', 'c', 'd']);
    const among = hashIdentifiers(['x', 'c', 'a']);
    expect(Array.from(matchPoints(points, among))).toEqual([1, 0, 1, 0]);
    // A point differing in its last byte only is not a match.
    const near = points.slice(0, 32);
    near[31] = near[31]! ^ 1;
    expect(Array.from(matchPoints(near, points))).toEqual([0]);
    expect(() => matchPoints(points.subarray(0, 31), among)).toThrow(
      expect.objectContaining({ code: 'MPC_INPUT_INVALID' }),
    );
  });
});
