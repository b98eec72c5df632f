import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { isolateReservedConnections, settleLostTransactions } from './postgres-guards.ts';
import * as schema from './schema/index.ts';
import { createSessionLocks, type TTryLock } from './session-locks.ts';

export type Schema = typeof schema;
/** The drizzle handle; a transaction is one too, so services take `Db` and work in either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

type TDatabaseBase = {
  db: Db;
  /**
   * Takes a named lock that this process holds until it releases it or dies; null when another
   * holder, here or in another process, has it. See `createSessionLocks`.
   */
  tryLock: TTryLock;
  close(): Promise<void>;
};

/**
 * The database port: drizzle for the platform's own tables, plus the bulk paths (COPY) that
 * dataset tables need, and locks that die with their process. Two adapters: PGlite (embedded)
 * and postgres.js (a server).
 */
export type Database =
  | ({ kind: 'pglite'; pglite: PGlite } & TDatabaseBase)
  | ({ kind: 'postgres'; sql: postgres.Sql } & TDatabaseBase);

const SESSION_SETTINGS = { DateStyle: 'ISO, YMD', TimeZone: 'UTC' };

/**
 * Seconds before a connection is opened again after failures, at most one: postgres.js's own
 * grows to 20 s over an outage, and so holds requests that long after the server is back.
 */
const reconnectDelayS = (failures: number) => (0.5 + Math.random() / 2) * Math.min(2 ** failures / 100, 1);

export type TDatabaseOptions = { url?: string; dataDir?: string; maxConnections?: number };

/** Opens PostgreSQL: a server when `url` is given, else PGlite in `dataDir` (in memory when neither). */
export async function openDatabase(opts: TDatabaseOptions): Promise<Database> {
  if (opts.url) {
    const max = opts.maxConnections ?? 10;
    const client = (size: number) =>
      postgres(opts.url!, {
        max: size,
        onnotice: () => {},
        connect_timeout: 5,
        backoff: reconnectDelayS,
        // Fixed output formats: COPY writes dates as YYYY-MM-DD whatever the server's defaults.
        connection: SESSION_SETTINGS,
      });
    const sql = client(max);
    isolateReservedConnections(sql, () => client(1), max);
    settleLostTransactions(sql);
    const db = drizzlePostgres(sql, { schema }) as unknown as Db;
    // One connection of its own, never recycled while it lives: recycling it would drop the locks.
    const lockSession = postgres(opts.url, {
      max: 1,
      onnotice: () => {},
      connect_timeout: 5,
      backoff: reconnectDelayS,
      max_lifetime: 0,
    });
    return {
      kind: 'postgres',
      db,
      sql,
      tryLock: createSessionLocks(lockSession),
      close: async () => {
        await lockSession.end({ timeout: 5 });
        await sql.end({ timeout: 5 });
      },
    };
  }
  let dir: string | undefined;
  if (opts.dataDir) {
    dir = join(opts.dataDir, 'pg');
    mkdirSync(dir, { recursive: true });
  }
  const pglite = await PGlite.create(dir);
  await pglite.exec(
    Object.entries(SESSION_SETTINGS)
      .map(([k, v]) => `set ${k} = '${v}';`)
      .join(' '),
  );
  const db = drizzlePglite(pglite, { schema }) as unknown as Db;
  // PGlite lives in this one process: the process's own set is every lock there is.
  return { kind: 'pglite', db, pglite, tryLock: createSessionLocks(null), close: () => pglite.close() };
}

/** Rows of a raw `db.execute()` result, whichever driver produced it. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return (result as { rows: T[] }).rows;
}

/** One round trip to the database: resolves when it answers, throws when it cannot be reached. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}
