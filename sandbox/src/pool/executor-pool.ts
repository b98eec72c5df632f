import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TCharger, TExecuted, TExecuteInput } from '../execute.ts';
import type { TSandboxErrorCode, TTable } from '../types.ts';
import type { TExecutorRequest, TExecutorResponse } from './executor-main.ts';

const EXECUTOR = fileURLToPath(new URL('./executor-main.ts', import.meta.url));
const MB = 1024 * 1024;

/**
 * A run's table by key; `load` is called only when the chosen process does not hold it. If it
 * throws, the run fails with SANDBOX_HOST_ERROR and a message that does not repeat the error (which
 * may name files): log it in `load`.
 */
export type TPoolTable = { key: string; load: () => Promise<TTable> };

export type TPoolRun = Pick<TExecuteInput, 'script' | 'params' | 'limits' | 'kind' | 'release'> & {
  runId: string;
  /** The tables the script sees and those released numbers come from (see `executeRun`). */
  scriptTables: TPoolTable[];
  hostTables: TPoolTable[];
  /** The budget, asked by the executor before each release; absent: releases are not charged. */
  charge?: TCharger;
};

export type TExecutorPoolOptions = {
  size: number;
  /** V8 heap limit of each executor process (the tables it caches live there). */
  processMemoryMb?: number;
  /** Table cache budget of each process. */
  cacheBytes?: number;
  /** The largest `limits.memoryMb` of the runs given to the pool (default 256); sizes `rssLimitBytes`. */
  isolateMemoryMb?: number;
  /**
   * Resident memory above which an executor retires after answering its run, so that none grows
   * without bound. Default: its heap limit, its cache, twice an isolate's memory (isolated-vm's limit
   * is a guideline) and 256 MB for Node itself.
   */
  rssLimitBytes?: number;
  /**
   * Extra time past a run's wall limit before its process is killed. Keep it above a second: an
   * executor whose isolate ignores termination answers about a second after the watchdog ended the run.
   */
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
    /** When the run was last sent to the executor with its tables (see TExecuted.handedAt). */
    handedAt?: number;
  } | null;
  cached: Set<string>;
};

/**
 * Executor processes that run isolates, one run each at a time. An executor that crashes or is
 * killed (out of memory, past its wall limit) fails only its own run and is replaced; the caller
 * and the other executors carry on. One that lost control of an isolate, or whose memory grew past
 * `rssLimitBytes`, answers its run saying it retires: it gets no other and is replaced at once.
 */
export function createExecutorPool(opts: TExecutorPoolOptions) {
  const executors: TExecutor[] = [];
  const waiting: { job: TPoolRun; resolve: (o: TExecuted) => void }[] = [];
  let isClosed = false;

  const cacheBytes = opts.cacheBytes ?? 1024 ** 3;
  const processMemoryMb = opts.processMemoryMb ?? 2048;
  const rssLimitBytes =
    opts.rssLimitBytes ?? (processMemoryMb + 2 * (opts.isolateMemoryMb ?? 256) + 256) * MB + cacheBytes;

  const failed = (
    code: Extract<
      TSandboxErrorCode,
      'SANDBOX_CRASHED' | 'SANDBOX_TIMEOUT' | 'SANDBOX_MEMORY' | 'SANDBOX_HOST_ERROR'
    >,
    message: string,
  ): TExecuted => ({
    output: {
      ok: false,
      code,
      errorMessage: message,
      logs: [],
      usage: { cpuMs: 0, wallMs: 0, peakHeapBytes: 0 },
      touched: [],
    },
    outcome: null,
  });

  function spawn(): TExecutor {
    const child = fork(EXECUTOR, [], {
      serialization: 'advanced',
      execArgv: [`--max-old-space-size=${processMemoryMb}`],
      env: {
        ...process.env,
        ENCLAVE_EXECUTOR_CACHE_BYTES: String(cacheBytes),
        ENCLAVE_EXECUTOR_RSS_LIMIT_BYTES: String(rssLimitBytes),
      },
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
    if (m.type === 'retiring') {
      // It started no run after saying so; one sent meanwhile fails when it exits.
      replace(ex);
      pump();
      return;
    }
    if (!ex.busy || ex.busy.runId !== m.runId) return;
    if (m.type === 'missing') {
      for (const k of m.keys) ex.cached.delete(k);
      return;
    }
    if (m.type !== 'done') return;
    ex.cached = new Set(m.cachedKeys);
    const { resolve, timer, onMissing, handedAt } = ex.busy;
    clearTimeout(timer);
    if (onMissing) ex.child.off('message', onMissing);
    ex.busy = null;
    if (m.isRetiring) replace(ex);
    resolve(handedAt === undefined ? m.executed : { ...m.executed, handedAt });
    pump();
  }

  /**
   * Takes an executor out of the pool and starts another in its place. Idempotent; the process is
   * killed in case it has not ended itself (a retiring executor does).
   */
  function replace(ex: TExecutor) {
    const i = executors.indexOf(ex);
    if (i < 0) return;
    executors.splice(i, 1);
    if (ex.child.exitCode === null && ex.child.signalCode === null) ex.child.kill('SIGKILL');
    if (!isClosed) executors.push(spawn());
  }

  function onExit(ex: TExecutor, code: number | null, signal: NodeJS.Signals | null) {
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
    replace(ex);
    pump();
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
    const tables = [...job.scriptTables, ...job.hostTables];
    const loaded = new Map<string, TTable>();
    try {
      for (const t of tables)
        if (!ex.cached.has(t.key) && !loaded.has(t.key)) loaded.set(t.key, await t.load());
    } catch {
      return failOnHost(ex, job.runId, "The run's tables could not be loaded.");
    }
    // Answered meanwhile: past its wall limit, or the executor ended.
    if (ex.busy?.runId !== job.runId) return;
    const sent = (list: TPoolTable[]) =>
      list.map((t) => (loaded.has(t.key) ? { key: t.key, table: loaded.get(t.key)! } : { key: t.key }));
    const request: TExecutorRequest = {
      type: 'run',
      runId: job.runId,
      script: job.script,
      params: job.params,
      limits: job.limits,
      kind: job.kind,
      release: job.release,
      scriptTables: sent(job.scriptTables),
      hostTables: sent(job.hostTables),
      isCharged: job.charge !== undefined,
    };
    // A process that evicted a table it was thought to hold answers `missing`: send everything
    // then. A release asks for its charge: ask the budget and answer.
    const onRequest = async (m: TExecutorResponse) => {
      if (m.type === 'charge' && m.runId === job.runId) {
        const charge = job.charge
          ? await job.charge(m.statistics).catch(() => ({
              ok: false as const,
              code: 'SANDBOX_HOST_ERROR',
              message: 'the privacy budget could not be charged',
            }))
          : { ok: true as const, epsilon: 0, cached: 0 };
        ex.child.send({ type: 'charged', runId: job.runId, seq: m.seq, charge } satisfies TExecutorRequest);
        return;
      }
      if (m.type !== 'missing' || m.runId !== job.runId) return;
      const full = async (list: TPoolTable[]) =>
        Promise.all(list.map(async (t) => ({ key: t.key, table: await t.load() })));
      try {
        const resent = {
          ...request,
          scriptTables: await full(job.scriptTables),
          hostTables: await full(job.hostTables),
        };
        if (ex.busy?.runId !== job.runId) return;
        ex.busy.handedAt = Date.now();
        ex.child.send(resent);
      } catch {
        failOnHost(ex, job.runId, "The run's tables could not be loaded.");
      }
    };
    ex.busy.onMissing = onRequest;
    ex.child.on('message', onRequest);
    try {
      ex.busy.handedAt = Date.now();
      ex.child.send(request, (err) => {
        if (err) ex.child.kill('SIGKILL');
      });
    } catch {
      // Not serialisable (the caller's params): nothing ran.
      failOnHost(ex, job.runId, 'The run could not be handed to an executor.');
    }
  }

  /** The host side failed before the executor ran anything: the run fails, the executor is free. */
  function failOnHost(ex: TExecutor, runId: string, message: string) {
    if (ex.busy?.runId !== runId) return;
    const { resolve, timer, onMissing } = ex.busy;
    clearTimeout(timer);
    if (onMissing) ex.child.off('message', onMissing);
    ex.busy = null;
    resolve(failed('SANDBOX_HOST_ERROR', message));
    pump();
  }

  function pump() {
    while (waiting.length > 0) {
      const idle = executors.filter((e) => e.isReady && !e.busy && e.child.connected);
      if (idle.length === 0) return;
      const next = waiting.shift()!;
      // An executor that holds the run's tables spares a load and a copy of them.
      const warm = idle.find((e) =>
        [...next.job.scriptTables, ...next.job.hostTables].every((t) => e.cached.has(t.key)),
      );
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
