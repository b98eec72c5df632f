import { and, eq, lt, sql } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { getOwnDataset } from '../catalogue/get-dataset.ts';
import {
  copyInto,
  createGenerationTable,
  dropTable,
  generationTableName,
  indexGenerationTable,
  tableRef,
} from '../data/table-store.ts';
import type { Db } from '../db/client.ts';
import { pgCode } from '../db/errors.ts';
import { datasets, datasetVersions } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { encodeUpload, UploadRejected } from './encode-upload.ts';

export type TIngestInput = {
  format: 'csv' | 'ndjson';
  mode: 'append' | 'replace';
  body: AsyncIterable<Uint8Array>;
};

/** An upload whose heartbeat is older than this is taken to be dead and is cleaned up. */
const STALE_MS = 2 * 60_000;
const HEARTBEAT_MS = 10_000;

type TPending = { version: number; tableName: string; isNewTable: boolean; baseRows: number };

/**
 * Ingests an upload as a new version of a dataset. Rows are validated while they stream into
 * PostgreSQL (COPY); they carry the new version number, which no reader sees until the version is
 * committed, so a rejected or broken upload leaves nothing visible and is then removed.
 */
export async function ingestData(
  deps: Deps,
  actor: TActor,
  datasetId: string,
  input: TIngestInput,
  requestId?: string,
) {
  const pending = await deps.db.transaction((tx) => reserveVersion(deps, tx, actor, datasetId, input));
  const dataset = await getOwnDataset(deps.db, actor, datasetId);
  const columns = dataset.columns;
  const encoder = encodeUpload(input.body, { format: input.format, columns, version: pending.version });
  const heartbeat = setInterval(() => {
    deps.db
      .update(datasetVersions)
      .set({ heartbeatAt: deps.clock.now() })
      .where(and(eq(datasetVersions.datasetId, datasetId), eq(datasetVersions.version, pending.version)))
      .catch(() => {});
  }, HEARTBEAT_MS);
  try {
    await copyInto(deps.database, pending.tableName, ['_v', ...columns.map((c) => c.name)], encoder.chunks);
  } catch (err) {
    clearInterval(heartbeat);
    await discardPending(deps.db, datasetId, pending).catch((e) =>
      deps.logger.error('could not clean up a failed upload', { datasetId, error: String(e) }),
    );
    if (err instanceof UploadRejected) {
      await deps.db.transaction((tx) =>
        appendAuditEntry(tx, {
          actor,
          action: 'dataset.ingest',
          objectType: 'dataset',
          objectId: datasetId,
          datasetId,
          outcome: 'refused',
          details: { mode: input.mode, format: input.format, errors: err.errors.slice(0, 3) },
          requestId,
          at: deps.clock.now(),
        }),
      );
      throw new AppError('INGEST_INVALID', `upload rejected: ${err.message}; nothing was written`, {
        errors: err.errors,
      });
    }
    if (pgCode(err) === '22P02' || pgCode(err) === '22003' || pgCode(err) === '23502') {
      throw new AppError('INGEST_INVALID', 'upload rejected by the database type check; nothing was written');
    }
    throw err;
  }
  clearInterval(heartbeat);
  const summary = encoder.summary();
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    if (pending.isNewTable) await indexGenerationTable(tx, pending.tableName);
    const rowCount = pending.baseRows + summary.rowCount;
    await tx
      .update(datasetVersions)
      .set({
        status: 'committed',
        rowCount,
        addedRows: summary.rowCount,
        digest: summary.digest,
        committedAt: at,
      })
      .where(and(eq(datasetVersions.datasetId, datasetId), eq(datasetVersions.version, pending.version)));
    await tx
      .update(datasets)
      .set({ currentVersion: pending.version, rowCount, updatedAt: at })
      .where(eq(datasets.id, datasetId));
    const details = {
      version: pending.version,
      mode: input.mode,
      format: input.format,
      rowCount,
      addedRows: summary.rowCount,
      digest: summary.digest,
    };
    await appendAuditEntry(tx, {
      actor,
      action: 'dataset.ingest',
      objectType: 'dataset',
      objectId: datasetId,
      datasetId,
      details,
      requestId,
      at,
    });
    return { datasetId, ...details };
  });
}

async function reserveVersion(
  deps: Deps,
  tx: Db,
  actor: TActor,
  datasetId: string,
  input: TIngestInput,
): Promise<TPending> {
  const dataset = await getOwnDataset(tx, actor, datasetId, true);
  if (dataset.status === 'retired')
    throw new AppError('INVALID_STATE', 'a retired dataset takes no new data');
  const now = deps.clock.now();
  const stale = await tx
    .select()
    .from(datasetVersions)
    .where(
      and(
        eq(datasetVersions.datasetId, datasetId),
        eq(datasetVersions.status, 'pending'),
        lt(datasetVersions.heartbeatAt, new Date(now.getTime() - STALE_MS)),
      ),
    );
  let current: { tableName: string; rowCount: number } | undefined;
  if (dataset.currentVersion !== null) {
    [current] = await tx
      .select({ tableName: datasetVersions.tableName, rowCount: datasetVersions.rowCount })
      .from(datasetVersions)
      .where(
        and(eq(datasetVersions.datasetId, datasetId), eq(datasetVersions.version, dataset.currentVersion)),
      );
  }
  for (const s of stale) {
    await discardPending(tx, datasetId, {
      version: s.version,
      tableName: s.tableName,
      isNewTable: s.tableName !== current?.tableName,
      baseRows: 0,
    });
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
    if (pgCode(err) === '23505') {
      throw new AppError(
        'INGEST_IN_PROGRESS',
        'another upload to this dataset is in progress; try again when it ends',
      );
    }
    throw err;
  }
  if (isNewTable) {
    await dropTable(tx, tableName);
    await createGenerationTable(tx, tableName, dataset.columns);
  } else {
    // Rows of an upload that died before its clean-up would otherwise become visible with this version.
    await tx.execute(sql`delete from ${tableRef(tableName)} where _v >= ${version}`);
  }
  return { version, tableName, isNewTable, baseRows: isNewTable ? 0 : (current?.rowCount ?? 0) };
}

async function discardPending(db: Db, datasetId: string, p: TPending) {
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
