import type { TMpcErrorCode } from '../errors.ts';
import type { TModelEvaluation, TModelResult } from '../he/evaluate-model.ts';

/** What a worker process can be asked to do, with its input and output. */
export type TMpcOps = {
  'he.evaluate': { input: TModelEvaluation; output: TModelResult };
  /** Identifiers hashed to Curve25519 points, 32 bytes each. */
  'psi.hash': { input: { ids: string[] }; output: Uint8Array };
  /** Throws MPC_POINT_INVALID unless every 32-byte point is a valid curve point. */
  'psi.check': { input: { points: Uint8Array }; output: undefined };
  /** Every point multiplied by the secret scalar. */
  'psi.blind': { input: { secret: Uint8Array; points: Uint8Array }; output: Uint8Array };
};

export type TWorkerRequest = { id: number; op: keyof TMpcOps; input: unknown };
export type TWorkerResponse =
  | { id: number; ok: true; value: unknown; rss: number }
  | { id: number; ok: false; code: TMpcErrorCode; message: string; rss: number };
