import { MpcError } from '../errors.ts';
import {
  blindPoints,
  createBlindingKey,
  hashIdentifiers,
  randomPermutation,
  type TBlindingKey,
} from '../psi/index.ts';

/** The operator's side of a join in progress: its key never leaves this object. */
export type TPsiOperator = {
  key: TBlindingKey;
  /** The operator's identifiers hashed and blinded, shuffled: what the platform receives. */
  points: Uint8Array;
};

export type TPsiProgress = (stage: 'hash' | 'blind' | 'answer', done: number, total: number) => void;

/**
 * First step of the operator's side: hashes its identifiers (distinct) to the curve and blinds
 * them with a fresh secret, in a random order so their position says nothing.
 *
 * @example
 * const op = await startPsi(['customer-1', 'customer-2'])
 */
export async function startPsi(ids: readonly string[], onProgress?: TPsiProgress): Promise<TPsiOperator> {
  const distinct = [...new Set(ids.map((id) => id.normalize('NFC')))];
  if (distinct.length === 0) throw new MpcError('MPC_INPUT_INVALID', 'no identifiers');
  const order = randomPermutation(distinct.length);
  const shuffled = Array.from(order, (i) => distinct[i]!);
  const hashed = hashIdentifiers(shuffled, (done) => onProgress?.('hash', done, shuffled.length));
  const key = await createBlindingKey();
  const points = await blindPoints(key, hashed, {
    onProgress: (done) => onProgress?.('blind', done, shuffled.length),
  });
  return { key, points };
}

/**
 * Second step: blinds the platform's points with the operator's secret, in the order received, and
 * returns the body of the join: its own blinded identifiers, then these.
 */
export async function answerPsi(
  op: TPsiOperator,
  platformPoints: Uint8Array,
  onProgress?: TPsiProgress,
): Promise<Uint8Array> {
  if (platformPoints.length === 0 || platformPoints.length % 32 !== 0) {
    throw new MpcError('MPC_INPUT_INVALID', 'platform points must be 32-byte points');
  }
  const n = platformPoints.length / 32;
  const back = await blindPoints(op.key, platformPoints, {
    onProgress: (done) => onProgress?.('answer', done, n),
  });
  const body = new Uint8Array(op.points.length + back.length);
  body.set(op.points, 0);
  body.set(back, op.points.length);
  return body;
}
