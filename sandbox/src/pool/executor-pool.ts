import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TExecuted, TReleaseMode } from '../execute.ts';
import type { TRunInput, TTable } from '../types.ts';
import type { TExecutorRequest, TExecutorResponse } from './executor-main.ts';

const EXECUTOR = fileURLToPath(new URL('./executor-main.ts', import.meta.url));

export type TPoolRun = {
  runId: string;
  script: string;
  params: unknown;
  limits: TRunInput['limits'];
  release: TReleaseMode;
  /** The run's tables by key; `load` is called only when the chosen process does not hold the table. */
  tables: { key: string; load: () => Promise<TTable> }[];
};

export type TExecutorPoolOptions = {
  size: number;
  /** V8 heap limit of each executor process (the tables it caches live there). */
  processMemoryMb?: number;
  /** Table cache budget of each process. */
  cacheBytes?: number;
  /** Extra time past a run's wall limit before its process is killed. */
  graceMs?: number;
};

type TExecutor = {
  child: ChildProcess;
  isReady: boolean;
  busy: {
    runId: string;
    resolve: (o: TExecuted) => void;
    timer: NodeJS.Timeout;
    onMissing?: (m: TExecutorResponse) => void;
  } | null;
  cached: Set<string>;
};

/**
 * Executor processes that run isolates, one run each at a time. An executor that crashes or is
 * killed (out of memory, past its wall limit) fails only its own run and is replaced; the caller
 * and the other executors carry on.
 */
export function createExecutorPool(opts: TExecutorPoolOptions) {
  const executors: TExecutor[] = [];
  const waiting: { job: TPoolRun; resolve: (o: TExecuted) => void }[] = [];
  let isClosed = false;

  const failed = (
    code: 'SANDBOX_CRASHED' | 'SANDBOX_TIMEOUT' | 'SANDBOX_MEMORY',
    message: string,
  ): TExecuted => ({
    output: {
      ok: false,
      code,
      errorMessage: message,
      logs: [],
      usage: { cpuMs: 0, wallMs: 0, peakHeapBytes: 0 },
    },
    decision: null,
  });

  function spawn(): TExecutor {
    const child = fork(EXECUTOR, [], {
      serialization: 'advanced',
      execArgv: [`--max-old-space-size=${opts.processMemoryMb ?? 2048}`],
      env: { ...process.env, ENCLAVE_EXECUTOR_CACHE_BYTES: String(opts.cacheBytes ?? 1024 ** 3) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ex: TExecutor = { child, isReady: false, busy: null, cached: new Set() };
    child.on('message', (m: TExecutorResponse) => onMessage(ex, m));
    child.on('exit', (code, signal) => onExit(ex, code, signal));
    child.on('error', () => {});
    return ex;
  }

  function onMessage(ex: TExecutor, m: TExecutorResponse) {
    if (m.type === 'ready') {
      ex.isReady = true;
      pump();
      return;
    }
    if (!ex.busy || ex.busy.runId !== m.runId) return;
    if (m.type === 'missing') {
      for (const k of m.keys) ex.cached.delete(k);
      return;
    }
    ex.cached = new Set(m.cachedKeys);
    const { resolve, timer, onMissing } = ex.busy;
    clearTimeout(timer);
    if (onMissing) ex.child.off('message', onMissing);
    ex.busy = null;
    resolve(m.executed);
    pump();
  }

  function onExit(ex: TExecutor, code: number | null, signal: NodeJS.Signals | null) {
    const i = executors.indexOf(ex);
    if (i >= 0) executors.splice(i, 1);
    if (ex.busy) {
      clearTimeout(ex.busy.timer);
      const isOom = code === 134 || signal === 'SIGABRT';
      ex.busy.resolve(
        isOom
          ? failed('SANDBOX_MEMORY', 'the executor ran out of memory')
          : failed('SANDBOX_CRASHED', `the executor stopped (${signal ?? code})`),
      );
      ex.busy = null;
    }
    if (!isClosed) {
      executors.push(spawn());
    }
  }

  async function dispatch(ex: TExecutor, job: TPoolRun, resolve: (o: TExecuted) => void) {
    const timer = setTimeout(
      () => {
        if (ex.busy?.runId !== job.runId) return;
        const r = ex.busy.resolve;
        ex.busy = null;
        r(failed('SANDBOX_TIMEOUT', 'the run passed its wall-clock limit'));
        ex.child.kill('SIGKILL');
      },
      job.limits.wallMs + (opts.graceMs ?? 5_000),
    );
    ex.busy = { runId: job.runId, resolve, timer };
    try {
      const tables: TExecutorRequest['tables'] = [];
      for (const t of job.tables) {
        tables.push(ex.cached.has(t.key) ? { key: t.key } : { key: t.key, table: await t.load() });
      }
      const request: TExecutorRequest = {
        type: 'run',
        runId: job.runId,
        script: job.script,
        params: job.params,
        limits: job.limits,
        release: job.release,
        tables,
      };
      // A process that evicted a table it was thought to hold answers `missing`; send everything then.
      const onMissing = async (m: TExecutorResponse) => {
        if (m.type !== 'missing' || m.runId !== job.runId) return;
        ex.child.off('message', onMissing);
        const full = await Promise.all(job.tables.map(async (t) => ({ key: t.key, table: await t.load() })));
        ex.child.send({ ...request, tables: full });
      };
      if (ex.busy?.runId === job.runId) ex.busy.onMissing = onMissing;
      ex.child.on('message', onMissing);
      ex.child.send(request, (err) => {
        if (err) ex.child.kill('SIGKILL');
      });
    } catch (err) {
      clearTimeout(timer);
      ex.busy = null;
      resolve(failed('SANDBOX_CRASHED', `could not load the run's tables: ${String(err)}`));
      pump();
    }
  }

  function pump() {
    while (waiting.length > 0) {
      const idle = executors.filter((e) => e.isReady && !e.busy && e.child.connected);
      if (idle.length === 0) return;
      const next = waiting.shift()!;
      // An executor that holds the run's tables spares a load and a copy of them.
      const warm = idle.find((e) => next.job.tables.every((t) => e.cached.has(t.key)));
      void dispatch(warm ?? idle[0]!, next.job, next.resolve);
    }
  }

  for (let i = 0; i < opts.size; i++) executors.push(spawn());

  return {
    run(job: TPoolRun): Promise<TExecuted> {
      if (isClosed) return Promise.resolve(failed('SANDBOX_CRASHED', 'the executor pool is closed'));
      return new Promise((resolve) => {
        waiting.push({ job, resolve });
        pump();
      });
    },
    /** Process ids of the executors, for tests and monitoring. */
    pids: () => executors.map((e) => e.child.pid),
    async close() {
      isClosed = true;
      for (const w of waiting.splice(0)) w.resolve(failed('SANDBOX_CRASHED', 'the executor pool closed'));
      await Promise.all(
        executors.map(
          (e) =>
            new Promise<void>((resolve) => {
              if (e.child.exitCode !== null) return resolve();
              e.child.once('exit', () => resolve());
              e.child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

export type ExecutorPool = ReturnType<typeof createExecutorPool>;
