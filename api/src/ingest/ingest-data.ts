import { and, eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import type { TColumn } from '../catalogue/dataset-schema.ts';
import { getOwnDataset } from '../catalogue/get-dataset.ts';
import { copyInto, indexGenerationTable } from '../data/table-store.ts';
import { isDatabaseUnavailable, pgCode } from '../db/errors.ts';
import { datasets, datasetVersions } from '../db/schema/index.ts';
import type { TSessionLock } from '../db/session-locks.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { recordQualityReport } from '../quality/record-quality-report.ts';
import { uniqueSeeds } from '../quality/unique-seeds.ts';
import { encodeUpload, UploadRejected } from './encode-upload.ts';
import {
  discardPending,
  HEARTBEAT_MS,
  inProgress,
  reserveVersion,
  STALE_MS,
  type TPending,
  uploadLockKey,
} from './pending-upload.ts';

export type TIngestInput = {
  format: 'csv' | 'ndjson';
  mode: 'append' | 'replace';
  body: AsyncIterable<Uint8Array>;
};

/**
 * Ingests an upload as a new version of a dataset. Rows are validated while they stream into
 * PostgreSQL (COPY); they carry the new version number, which no reader sees until the version is
 * committed, so a rejected or broken upload leaves nothing visible and is then removed. One
 * upload per dataset at a time: the dataset's upload lock is held from the reservation to the end.
 */
export async function ingestData(
  deps: Deps,
  actor: TActor,
  datasetId: string,
  input: TIngestInput,
  requestId?: string,
) {
  // Another org's dataset is NOT_FOUND before anything is said about uploads to it.
  await getOwnDataset(deps.db, actor, datasetId);
  const lock = await deps.database.tryLock(uploadLockKey(datasetId));
  if (!lock) throw inProgress();
  let isLockKept = false;
  try {
    const pending = await deps.db.transaction((tx) => reserveVersion(deps, tx, actor, datasetId, input));
    const heartbeat = startHeartbeat(deps, datasetId, pending.version);
    try {
      return await writeVersion(deps, actor, datasetId, input, pending, requestId);
    } catch (err) {
      heartbeat.stop();
      const cleanup = await discardPending(deps.db, datasetId, pending).then(
        () => null,
        (e: unknown) => e,
      );
      if (cleanup !== null) {
        deps.logger.error('could not clean up a failed upload', { datasetId, error: String(cleanup) });
        if (isDatabaseUnavailable(cleanup)) {
          isLockKept = true;
          void discardWhenBack(deps, datasetId, pending, lock, heartbeat.lastAt());
        }
      }
      throw err;
    } finally {
      heartbeat.stop();
    }
  } finally {
    if (!isLockKept) await lock.release();
  }
}

/** Streams the rows in and commits the version, or throws with nothing of it visible. */
async function writeVersion(
  deps: Deps,
  actor: TActor,
  datasetId: string,
  input: TIngestInput,
  pending: TPending & { columns: TColumn[]; isOpen: boolean },
  requestId: string | undefined,
) {
  const columns = pending.columns;
  const encoder = encodeUpload(input.body, {
    format: input.format,
    columns,
    version: pending.version,
    keepExamples: pending.isOpen,
    ...(pending.isNewTable
      ? {}
      : { uniqueSeeds: await uniqueSeeds(deps.db, pending.tableName, columns, pending.version) }),
  });
  try {
    await copyInto(deps.database, pending.tableName, ['_v', ...columns.map((c) => c.name)], encoder.chunks);
  } catch (err) {
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
  const summary = encoder.summary();
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    if (pending.isNewTable) await indexGenerationTable(tx, pending.tableName);
    const rowCount = pending.baseRows + summary.rowCount;
    const committed = await tx
      .update(datasetVersions)
      .set({
        status: 'committed',
        rowCount,
        addedRows: summary.rowCount,
        digest: summary.digest,
        committedAt: at,
      })
      .where(
        and(
          eq(datasetVersions.datasetId, datasetId),
          eq(datasetVersions.version, pending.version),
          eq(datasetVersions.status, 'pending'),
        ),
      )
      .returning({ version: datasetVersions.version });
    // Taken for dead and removed meanwhile (a process of an earlier release, see STALE_MS).
    if (committed.length === 0) throw inProgress();
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
    const quality = await recordQualityReport(
      tx,
      { actor, requestId, at },
      {
        datasetId,
        version: pending.version,
        mode: input.mode,
        rowCount,
        results: summary.quality,
        isOpen: pending.isOpen,
      },
    );
    return { datasetId, ...details, quality };
  });
}

/** Keeps a pending version's heartbeat fresh; `lastAt` is the last one the database took. */
function startHeartbeat(deps: Deps, datasetId: string, version: number) {
  let lastAt = deps.clock.now();
  const timer = setInterval(() => {
    const at = deps.clock.now();
    deps.db
      .update(datasetVersions)
      .set({ heartbeatAt: at })
      .where(and(eq(datasetVersions.datasetId, datasetId), eq(datasetVersions.version, version)))
      .then(
        () => {
          lastAt = at;
        },
        () => {},
      );
  }, HEARTBEAT_MS);
  return { lastAt: () => lastAt, stop: () => clearInterval(timer) };
}

/**
 * The database went away in the middle of an upload and took the clean-up with it: keep trying
 * while the version is still known to be this process's (its heartbeat not yet stale), holding the
 * lock so that this process starts no other upload to the dataset meanwhile. Once it is stale,
 * the next upload removes it.
 */
async function discardWhenBack(
  deps: Deps,
  datasetId: string,
  pending: TPending,
  lock: TSessionLock,
  heartbeatAt: Date,
) {
  const attempts = Math.floor(
    (heartbeatAt.getTime() + STALE_MS - HEARTBEAT_MS - deps.clock.now().getTime()) / 1_000,
  );
  try {
    for (let i = 0; i < attempts; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      const isDone = await discardPending(deps.db, datasetId, pending).then(
        () => true,
        () => false,
      );
      if (isDone) {
        deps.logger.info('cleaned up an upload the database lost', { datasetId, version: pending.version });
        return;
      }
    }
  } finally {
    await lock.release();
  }
}
