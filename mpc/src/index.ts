/** Public surface of @enclave/mpc: parameter sets, hostile-bytes checks, the server's HE and PSI work, worker processes. */
export { MpcError, type TMpcErrorCode } from './errors.ts';
export {
  evaluateModel,
  MAX_MODEL_FEATURES,
  type TModelEvaluation,
  type TModelResult,
} from './he/evaluate-model.ts';
export { PARAM_SETS, paramSet, type TParamSet, type TParamSetId, type TSealObjectKind } from './params.ts';
export * from './psi/index.ts';
export { checkSerialized, SEAL_HEADER_BYTES, splitSerialized } from './serialized.ts';
export { createMpcPool, type MpcPool, type TMpcPoolOptions } from './worker/mpc-pool.ts';
