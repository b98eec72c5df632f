import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
/** The drizzle handle; a transaction is one too, so services take `Db` and work in either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/**
 * The database port: drizzle for the platform's own tables, plus the bulk paths (COPY) that
 * dataset tables need. Two adapters: PGlite (embedded) and postgres.js (a server).
 */
export type Database =
  | { kind: 'pglite'; db: Db; pglite: PGlite; close(): Promise<void> }
  | { kind: 'postgres'; db: Db; sql: postgres.Sql; close(): Promise<void> };

const SESSION_SETTINGS = { DateStyle: 'ISO, YMD', TimeZone: 'UTC' };

export type TDatabaseOptions = { url?: string; dataDir?: string; maxConnections?: number };

/** Opens PostgreSQL: a server when `url` is given, else PGlite in `dataDir` (in memory when neither). */
export async function openDatabase(opts: TDatabaseOptions): Promise<Database> {
  if (opts.url) {
    const sql = postgres(opts.url, {
      max: opts.maxConnections ?? 10,
      onnotice: () => {},
      connect_timeout: 5,
      // Fixed output formats: COPY writes dates as YYYY-MM-DD whatever the server's defaults.
      connection: SESSION_SETTINGS,
    });
    const db = drizzlePostgres(sql, { schema }) as unknown as Db;
    return { kind: 'postgres', db, sql, close: () => sql.end({ timeout: 5 }) };
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
  return { kind: 'pglite', db, pglite, close: () => pglite.close() };
}

/** Rows of a raw `db.execute()` result, whichever driver produced it. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return (result as { rows: T[] }).rows;
}
