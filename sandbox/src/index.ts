/** Public surface of @enclave/sandbox: the isolate runner, its SDK, disclosure control and executor processes. */
export { allowedLabels, executeRun, type TExecuted, type TReleaseMode } from './execute.ts';
export {
  createExecutorPool,
  type ExecutorPool,
  type TExecutorPoolOptions,
  type TPoolRun,
} from './pool/executor-pool.ts';
export { AGGREGATE_CAPS, checkAggregateRequest } from './runner/check-aggregate-request.ts';
export { findForgedMarker, LOG_CAPS, runInIsolate, type TRunOptions } from './runner/run-in-isolate.ts';
export * from './types.ts';
