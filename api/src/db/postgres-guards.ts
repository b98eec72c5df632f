import type postgres from 'postgres';

/*
 * Two guards around postgres.js 3.4 for a connection that dies under it (a server restart, a
 * fail-over): without them the driver throws from a timer, outside any promise, and the process
 * ends. See porsager/postgres#1154 and #1208.
 */

/**
 * Makes `sql.reserve()` hand out a connection of a client of its own, ended on release, at most
 * `limit` at a time (further callers wait). postgres.js's own `reserve()` puts the connection back
 * into the pool on `release()` even when it died while reserved (the server restarted in the
 * middle of a COPY); the next query given to it then throws from a timer, outside any promise,
 * and takes the process down.
 */
export function isolateReservedConnections(sql: postgres.Sql, open: () => postgres.Sql, limit: number) {
  let inUse = 0;
  const waiting: (() => void)[] = [];
  const done = (own: postgres.Sql) => {
    void own.end({ timeout: 5 }).catch(() => {});
    inUse--;
    waiting.shift()?.();
  };
  sql.reserve = async () => {
    while (inUse >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    inUse++;
    const own = open();
    let reserved: postgres.ReservedSql;
    try {
      reserved = await own.reserve();
    } catch (err) {
      done(own);
      throw err;
    }
    const giveBack = reserved.release;
    let isReleased = false;
    reserved.release = () => {
      if (isReleased) return;
      isReleased = true;
      giveBack();
      done(own);
    };
    return reserved;
  };
}

/** Errors after which the connection is gone: the server ended the session or the socket closed. */
const LOST = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'ECONNRESET', 'EPIPE', '57P01', '57P02']);

/** Whether the error, or one it wraps (drizzle wraps the driver's), means the connection is gone. */
function isConnectionLost(err: unknown): boolean {
  for (let e = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && LOST.has(code)) return true;
  }
  return false;
}

/**
 * postgres.js rolls a failed transaction back on its connection even when that connection has
 * just closed, and the write throws from a timer, outside any promise (porsager/postgres#1208):
 * a database restart under load would take the process down. So a transaction whose connection
 * is lost never reaches that rollback: its callback stays pending, and the caller gets the
 * connection's error from postgres.js, which fails the transaction when the connection closes.
 */
export function settleLostTransactions(sql: postgres.Sql) {
  const begin = sql.begin.bind(sql) as (
    options: string,
    fn: (tx: postgres.TransactionSql) => unknown,
  ) => Promise<unknown>;
  sql.begin = ((options: unknown, fn?: unknown) => {
    const [opts, body] = (typeof options === 'function' ? ['', options] : [options, fn]) as [
      string,
      (tx: postgres.TransactionSql) => unknown,
    ];
    return begin(opts, async (tx) => {
      try {
        return await body(tx);
      } catch (err) {
        if (isConnectionLost(err)) return new Promise(() => {});
        throw err;
      }
    });
  }) as typeof sql.begin;
}
