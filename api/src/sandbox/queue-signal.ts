import type { Database } from '../db/client.ts';
import type { Deps } from '../deps.ts';

/** The PostgreSQL notification channel on which a queued run wakes the workers. */
const CHANNEL = 'enclave_sandbox_runs';

/**
 * Tells the workers a run is waiting: this process's dispatcher directly, and on a PostgreSQL
 * server every `enclave worker` elsewhere through NOTIFY. Workers also poll, so a lost signal
 * only delays a run.
 */
export async function signalRunQueued(deps: Deps): Promise<void> {
  deps.sandbox?.wake();
  if (deps.database.kind === 'postgres') {
    await deps.database.sql.notify(CHANNEL, '').catch(() => {});
  }
}

/** Calls `onQueued` whenever a run is queued anywhere (PostgreSQL server only); returns the unsubscribe. */
export async function listenForQueuedRuns(
  database: Database,
  onQueued: () => void,
): Promise<() => Promise<void>> {
  if (database.kind !== 'postgres') return async () => {};
  const { unlisten } = await database.sql.listen(CHANNEL, onQueued);
  return unlisten;
}
