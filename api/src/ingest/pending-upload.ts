import { and, eq, sql } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import type { TColumn } from '../catalogue/dataset-schema.ts';
import { getOwnDataset } from '../catalogue/get-dataset.ts';
import { createGenerationTable, dropTable, generationTableName, tableRef } from '../data/table-store.ts';
import type { Database, Db } from '../db/client.ts';
import { pgCode } from '../db/errors.ts';
import { datasets, datasetVersions } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';

/**
 * An upload holds its dataset's upload lock (`Database.tryLock`) while it runs, so a pending
 * version found by the next holder of the lock was left by a process that died or lost its
 * database. It is removed once its heartbeat is older than this, not at once: a process of an
 * earlier release (no lock, a heartbeat every 10 s) may still be writing it.
 */
export const STALE_MS = 20_000;
export const HEARTBEAT_MS = 5_000;

export type TPending = { version: number; tableName: string; isNewTable: boolean; baseRows: number };

/** The lock an upload to a dataset holds from before it reserves a version until it ends. */
export const uploadLockKey = (datasetId: string) => `enclave.ingest:${datasetId}`;

/**
 * Reserves the next version of a dataset for an upload whose caller holds the dataset's upload
 * lock, after removing the pending versions that nobody is writing any more.
 */
export async function reserveVersion(
  deps: Deps,
  tx: Db,
  actor: TActor,
  datasetId: string,
  input: { format: 'csv' | 'ndjson'; mode: 'append' | 'replace' },
): Promise<TPending & { columns: TColumn[]; isOpen: boolean }> {
  const dataset = await getOwnDataset(tx, actor, datasetId, true);
  if (dataset.status === 'retired')
    throw new AppError('INVALID_STATE', 'a retired dataset takes no new data');
  const now = deps.clock.now();
  const current = await currentTable(tx, datasetId, dataset.currentVersion);
  const pending = await tx
    .select()
    .from(datasetVersions)
    .where(and(eq(datasetVersions.datasetId, datasetId), eq(datasetVersions.status, 'pending')));
  for (const p of pending) {
    const staleIn = p.heartbeatAt.getTime() + STALE_MS - now.getTime();
    if (staleIn > 0) throw inProgress(Math.ceil(staleIn / 1000));
    await discardPending(tx, datasetId, abandoned(p, current));
  }
  const version = (dataset.currentVersion ?? 0) + 1;
  const isNewTable = input.mode === 'replace' || !current;
  const tableName = isNewTable ? generationTableName(datasetId, version) : current!.tableName;
  try {
    await tx.insert(datasetVersions).values({
      datasetId,
      version,
      status: 'pending',
      mode: input.mode,
      format: input.format,
      tableName,
      createdBy: actor.userId,
      createdAt: now,
      heartbeatAt: now,
    });
  } catch (err) {
    if (pgCode(err) === '23505') throw inProgress();
    throw err;
  }
  if (isNewTable) {
    await dropTable(tx, tableName);
    await createGenerationTable(tx, tableName, dataset.columns);
  } else {
    // Rows of an upload that died before its clean-up would otherwise become visible with this version.
    await tx.execute(sql`delete from ${tableRef(tableName)} where _v >= ${version}`);
  }
  return {
    version,
    tableName,
    isNewTable,
    baseRows: isNewTable ? 0 : (current?.rowCount ?? 0),
    columns: dataset.columns,
    isOpen: dataset.openness === 'open',
  };
}

/** INGEST_IN_PROGRESS, with the seconds after which a retry may succeed when they are known. */
export const inProgress = (retryAfter?: number) =>
  new AppError(
    'INGEST_IN_PROGRESS',
    'another upload to this dataset is in progress; try again when it ends',
    retryAfter === undefined ? undefined : { retryAfter },
  );

/** Removes a pending version and the rows it wrote; its table too if it started one. */
export async function discardPending(db: Db, datasetId: string, p: TPending) {
  if (p.isNewTable) await dropTable(db, p.tableName);
  else await db.execute(sql`delete from ${tableRef(p.tableName)} where _v >= ${p.version}`);
  await db
    .delete(datasetVersions)
    .where(
      and(
        eq(datasetVersions.datasetId, datasetId),
        eq(datasetVersions.version, p.version),
        eq(datasetVersions.status, 'pending'),
      ),
    );
}

/**
 * Every pending upload of an embedded database, removed at start: PGlite belongs to one process,
 * so none of them can still be running. (On a server, the next upload to each dataset does it.)
 */
export async function discardAbandonedUploads(database: Database): Promise<number> {
  if (database.kind !== 'pglite') return 0;
  return database.db.transaction(async (tx) => {
    const pending = await tx
      .select({ version: datasetVersions, currentVersion: datasets.currentVersion })
      .from(datasetVersions)
      .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
      .where(eq(datasetVersions.status, 'pending'));
    for (const { version: p, currentVersion } of pending) {
      const current = await currentTable(tx, p.datasetId, currentVersion);
      await discardPending(tx, p.datasetId, abandoned(p, current));
    }
    return pending.length;
  });
}

async function currentTable(db: Db, datasetId: string, currentVersion: number | null) {
  if (currentVersion === null) return undefined;
  const [row] = await db
    .select({ tableName: datasetVersions.tableName, rowCount: datasetVersions.rowCount })
    .from(datasetVersions)
    .where(and(eq(datasetVersions.datasetId, datasetId), eq(datasetVersions.version, currentVersion)));
  return row;
}

const abandoned = (
  p: { version: number; tableName: string },
  current: { tableName: string } | undefined,
): TPending => ({
  version: p.version,
  tableName: p.tableName,
  isNewTable: p.tableName !== current?.tableName,
  baseRows: 0,
});
