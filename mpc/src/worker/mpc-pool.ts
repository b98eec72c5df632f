import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MpcError } from '../errors.ts';
import type { TMpcOps, TWorkerRequest, TWorkerResponse } from './ops.ts';

const WORKER = fileURLToPath(new URL('./worker-main.ts', import.meta.url));

export type TMpcPoolOptions = {
  /** Worker processes (default 2). */
  size?: number;
  /** Resident memory past which a worker retires after its task (default 1 GiB). */
  rssLimitBytes?: number;
  /** A task running longer is killed with its worker (default 10 minutes). */
  taskTimeoutMs?: number;
};

type TTask = { req: TWorkerRequest; resolve: (v: unknown) => void; reject: (e: Error) => void };
type TWorker = {
  child: ChildProcess;
  isReady: boolean;
  task: TTask | null;
  timer?: NodeJS.Timeout;
  rss: number;
};

/** The pool's public face: run an operation in some worker process. */
export type MpcPool = {
  run<K extends keyof TMpcOps>(op: K, input: TMpcOps[K]['input']): Promise<TMpcOps[K]['output']>;
  /** Workers started so far (replacements included), those retired for their memory, and each live one's last RSS. */
  stats(): { started: number; retired: number; size: number; rssBytes: number[] };
  close(): Promise<void>;
};

/**
 * Worker processes for joint computations. Tasks queue and each goes to one idle worker. A worker
 * that crashes or overruns fails its own task with MPC_WORKER_FAILED and is replaced; one whose
 * memory passed the bound exits after answering and is replaced.
 */
export function createMpcPool(opts: TMpcPoolOptions = {}): MpcPool {
  const size = opts.size ?? 2;
  const rssLimit = opts.rssLimitBytes ?? 1024 ** 3;
  const timeoutMs = opts.taskTimeoutMs ?? 600_000;
  const workers: TWorker[] = [];
  const queue: TTask[] = [];
  let nextId = 0;
  let started = 0;
  let retired = 0;
  let isClosed = false;

  const spawn = () => {
    const child = fork(WORKER, [], {
      serialization: 'advanced',
      env: { ...process.env, ENCLAVE_MPC_RSS_LIMIT_BYTES: String(rssLimit) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    started++;
    const w: TWorker = { child, isReady: false, task: null, rss: 0 };
    child.on('message', (m: TWorkerResponse) => {
      w.rss = m.rss;
      if (m.id === -1) {
        w.isReady = true;
        return pump();
      }
      const task = w.task;
      if (!task || task.req.id !== m.id) return;
      clearTimeout(w.timer);
      w.task = null;
      if (m.ok) task.resolve(m.value);
      else task.reject(new MpcError(m.code, m.message));
      if (m.rss > rssLimit) {
        retired++;
        w.isReady = false;
      } else pump();
    });
    child.on('exit', () => {
      clearTimeout(w.timer);
      workers.splice(workers.indexOf(w), 1);
      w.task?.reject(new MpcError('MPC_WORKER_FAILED', 'the worker process running the computation stopped'));
      w.task = null;
      pump();
    });
    child.on('error', () => {});
    workers.push(w);
  };

  const pump = () => {
    if (isClosed) return;
    for (const w of workers) {
      if (queue.length === 0) return;
      if (!w.isReady || w.task) continue;
      const task = queue.shift()!;
      w.task = task;
      w.timer = setTimeout(() => w.child.kill('SIGKILL'), timeoutMs);
      w.child.send(task.req);
    }
    if (queue.length > 0 && workers.length < size) spawn();
  };

  return {
    run(op, input) {
      if (isClosed) return Promise.reject(new MpcError('MPC_WORKER_FAILED', 'the worker pool is closed'));
      return new Promise((resolve, reject) => {
        queue.push({ req: { id: nextId++, op, input }, resolve: resolve as (v: unknown) => void, reject });
        pump();
      });
    },
    stats: () => ({ started, retired, size: workers.length, rssBytes: workers.map((w) => w.rss) }),
    async close() {
      isClosed = true;
      for (const t of queue.splice(0)) t.reject(new MpcError('MPC_WORKER_FAILED', 'the worker pool closed'));
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((r) => {
              w.child.once('exit', () => r());
              w.child.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}
