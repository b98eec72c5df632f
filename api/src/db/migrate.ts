import { fileURLToPath } from 'node:url';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { backfillAuditTree } from '../audit/audit-tree.ts';
import { discardAbandonedUploads } from '../ingest/pending-upload.ts';
import type { Database } from './client.ts';

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/**
 * Applies the committed migrations, then builds the audit tree of entries written before it
 * existed (`backfillAuditTree`, a no-op once done) and, on the embedded database, removes the
 * uploads a crash cut short (`discardAbandonedUploads`); safe to call on every start.
 */
export async function migrateDatabase(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    await migratePglite(database.db as unknown as PgliteDatabase, { migrationsFolder });
  } else {
    await migratePostgres(database.db as unknown as PostgresJsDatabase, { migrationsFolder });
  }
  await backfillAuditTree(database.db);
  await discardAbandonedUploads(database);
}
