import type { TMpcErrorCode } from '../errors.ts';
import type { TModelEvaluation, TModelResult } from '../he/evaluate-model.ts';

/** What a worker process can be asked to do, with its input and output. */
export type TMpcOps = {
  'he.evaluate': { input: TModelEvaluation; output: TModelResult };
  /** Identifiers hashed to Curve25519 points, 32 bytes each. */
  'psi.hash': { input: { ids: string[] }; output: Uint8Array };
  /** For each point of `points`, 1 if it is one of `among`, else 0. */
  'psi.match': { input: { points: Uint8Array; among: Uint8Array }; output: Uint8Array };
  /** Every point multiplied by the secret scalar. */
  'psi.blind': { input: { secret: Uint8Array; points: Uint8Array }; output: Uint8Array };
};

export type TWorkerRequest = { id: number; op: keyof TMpcOps; input: unknown };
export type TWorkerResponse =
  | { id: number; ok: true; value: unknown; rss: number }
  | { id: number; ok: false; code: TMpcErrorCode; message: string; rss: number };
