/** Public surface of @enclave/sandbox: the isolate runner, its SDK, disclosure control and executor processes. */
export * from './disclosure/index.ts';
export * from './dummy/index.ts';
export {
  executeRun,
  type TCharge,
  type TCharged,
  type TCharger,
  type TExecuted,
  type TExecuteInput,
  type TOutcome,
  type TReleaseSettings,
  type TRunKind,
} from './execute.ts';
export {
  createExecutorPool,
  type ExecutorPool,
  type TExecutorPoolOptions,
  type TPoolRun,
} from './pool/executor-pool.ts';
export { createTableCache, tableBytes } from './pool/table-cache.ts';
export { AGGREGATE_CAPS, checkAggregateRequest } from './runner/check-aggregate-request.ts';
export {
  findForgedMarker,
  LOG_CAPS,
  runInIsolate,
  type TInterimRelease,
  type TRunOptions,
} from './runner/run-in-isolate.ts';
export * from './types.ts';
