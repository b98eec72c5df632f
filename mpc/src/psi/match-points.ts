import { MpcError } from '../errors.ts';
import { POINT_BYTES } from './curve-point.ts';

const latin1 = new TextDecoder('latin1');

/**
 * For each 32-byte point of `points`, 1 if it equals one of the points of `among`, else 0: how the
 * platform finds which of its values the operator's list holds.
 *
 * @example
 * const flags = matchPoints(returnedByOperator, blindedOperatorPoints)
 */
export function matchPoints(points: Uint8Array, among: Uint8Array): Uint8Array<ArrayBuffer> {
  if (points.length % POINT_BYTES !== 0 || among.length % POINT_BYTES !== 0) {
    throw new MpcError('MPC_INPUT_INVALID', `points must be packed in multiples of ${POINT_BYTES} bytes`);
  }
  const key = (b: Uint8Array, i: number) => latin1.decode(b.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES));
  const seen = new Set<string>();
  for (let i = 0; i < among.length / POINT_BYTES; i++) seen.add(key(among, i));
  const flags = new Uint8Array(points.length / POINT_BYTES);
  for (let j = 0; j < flags.length; j++) flags[j] = seen.has(key(points, j)) ? 1 : 0;
  return flags;
}
