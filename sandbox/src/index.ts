/** Public surface of @enclave/sandbox: the isolate runner, its SDK, disclosure control and executor processes. */
export { allowedLabels, executeRun, type TExecuted, type TReleaseMode } from './execute.ts';
export {
  createExecutorPool,
  type ExecutorPool,
  type TExecutorPoolOptions,
  type TPoolRun,
} from './pool/executor-pool.ts';
export * from './types.ts';
