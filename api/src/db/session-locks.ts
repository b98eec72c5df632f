import type postgres from 'postgres';

/** A lock held until `release()`, or until the process holding it (or its database session) ends. */
export type TSessionLock = {
  release(): Promise<void>;
  /** False once the session that took it has ended (the database restarted, the connection dropped). */
  isHeld(): Promise<boolean>;
};

/**
 * Takes the named lock if nobody holds it, else resolves to null. A lock outlives no process: work
 * guarded by one whose lock is free was abandoned by a process that died, and may be cleaned up.
 */
export type TTryLock = (key: string) => Promise<TSessionLock | null>;

/**
 * Named locks for one process. Within the process, a set. Across processes on a PostgreSQL
 * server, a session advisory lock taken on `session`, a connection kept for locks alone: the server
 * frees it when the process dies, its connection drops, or the server restarts. An advisory lock
 * is re-entrant in its session, so the set is what keeps two holders in this process apart.
 */
export function createSessionLocks(session: postgres.Sql | null): TTryLock {
  const held = new Set<string>();
  return async (key) => {
    if (held.has(key)) return null;
    held.add(key);
    let pid: number | null = null;
    try {
      if (session) {
        const [row] = await session<{ ok: boolean; pid: number }[]>`
          select pg_try_advisory_lock(hashtextextended(${key}, 0)) as ok, pg_backend_pid() as pid`;
        if (!row?.ok) {
          held.delete(key);
          return null;
        }
        pid = row.pid;
      }
    } catch (err) {
      held.delete(key);
      throw err;
    }
    let isReleased = false;
    return {
      async isHeld() {
        if (isReleased) return false;
        if (!session) return true;
        const [row] = await session<{ pid: number }[]>`select pg_backend_pid() as pid`;
        return row?.pid === pid;
      },
      async release() {
        if (isReleased) return;
        isReleased = true;
        held.delete(key);
        if (!session) return;
        // Only in the session that took it: after a reconnect the lock is gone, and the same key
        // may since have been taken again on the new session.
        await session`
          select pg_advisory_unlock(hashtextextended(${key}, 0)) where pg_backend_pid() = ${pid}`.catch(
          () => {},
        );
      },
    };
  };
}
