import { EventEmitter } from 'node:events';
import type { Database } from '../db/client.ts';

/** PostgreSQL notification channels: a run was queued; a run finished (payload: its id). */
const QUEUED = 'enclave_sandbox_runs';
const FINISHED = 'enclave_sandbox_run_done';

export type RunEvents = {
  /** Announces a queued run to the workers: in this process, and on a server to every process. */
  queued(): Promise<void>;
  /** Calls `listener` whenever a run is queued anywhere; resolves to the unsubscribe. */
  onQueued(listener: () => void): Promise<() => Promise<void>>;
  /** Announces that a run left `queued`/`running`, here and on a server to every API process. */
  finished(runId: string): Promise<void>;
  /**
   * Resolves when `runId` is announced finished or after `ms`, whichever comes first. Subscribe
   * before reading the run, then `cancel()` if it had already finished, so no announcement is missed.
   */
  waitFinished(runId: string, ms: number): { done: Promise<void>; cancel(): void };
};

/**
 * Sandbox run announcements: an in-process emitter, and on a PostgreSQL server NOTIFY/LISTEN as
 * well, so a submit wakes an `enclave worker` elsewhere and a run finished there wakes the API
 * process whose client waits for it (`GET /v1/sandbox/runs/{id}?wait=`). Listeners also poll, so a
 * lost announcement only delays.
 */
export function createRunEvents(database: Database): RunEvents {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const local = Symbol('queued');
  const announce = async (channel: string, payload: string, event: string | symbol) => {
    emitter.emit(event);
    if (database.kind === 'postgres') await database.sql.notify(channel, payload).catch(() => {});
  };
  let listeningFinished: Promise<unknown> | null = null;
  const listenFinished = () => {
    if (database.kind !== 'postgres' || listeningFinished) return;
    listeningFinished = database.sql
      .listen(FINISHED, (id) => emitter.emit(id))
      .catch(() => {
        listeningFinished = null;
      });
  };
  return {
    queued: () => announce(QUEUED, '', local),
    async onQueued(listener) {
      emitter.on(local, listener);
      const remote = database.kind === 'postgres' ? await database.sql.listen(QUEUED, listener) : null;
      return async () => {
        emitter.off(local, listener);
        await remote?.unlisten();
      };
    },
    finished: (runId) => announce(FINISHED, runId, runId),
    waitFinished(runId, ms) {
      listenFinished();
      let settle: () => void = () => {};
      const done = new Promise<void>((resolve) => {
        settle = resolve;
      });
      const timer = setTimeout(() => cancel(), ms);
      const cancel = () => {
        clearTimeout(timer);
        emitter.off(runId, cancel);
        settle();
      };
      emitter.on(runId, cancel);
      return { done, cancel };
    },
  };
}
