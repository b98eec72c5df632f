import { EventEmitter } from 'node:events';
import type { Database } from '../db/client.ts';

/** The PostgreSQL notification channel on which a finished run wakes waiting API processes. */
const CHANNEL = 'enclave_sandbox_run_done';

export type RunEvents = {
  /** Announces that a run left `queued`/`running`: here, and on a server to every API process. */
  finished(runId: string): Promise<void>;
  /**
   * Resolves when `runId` is announced finished or after `ms`, whichever comes first. Subscribe
   * before reading the run, then `cancel()` if it had already finished, so no announcement is missed.
   */
  waitFinished(runId: string, ms: number): { done: Promise<void>; cancel(): void };
};

/**
 * Finished-run announcements for long polls (`GET /v1/sandbox/runs/{id}?wait=`): an in-process
 * emitter, fed on a PostgreSQL server by LISTEN as well, so a run finished by an `enclave worker`
 * elsewhere wakes the API process whose client waits for it.
 */
export function createRunEvents(database: Database): RunEvents {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let listening: Promise<unknown> | null = null;
  const listen = () => {
    if (database.kind !== 'postgres' || listening) return;
    listening = database.sql
      .listen(CHANNEL, (id) => emitter.emit(id))
      .catch(() => {
        listening = null;
      });
  };
  return {
    async finished(runId) {
      emitter.emit(runId);
      if (database.kind === 'postgres') await database.sql.notify(CHANNEL, runId).catch(() => {});
    },
    waitFinished(runId, ms) {
      listen();
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
