import { and, desc, eq } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import { datasetVersions } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { getVisibleDataset } from './get-dataset.ts';

/** The committed versions of an entry the caller may see, newest first (no rows, no table names). */
export async function listVersions(deps: Deps, actor: TActor | null, datasetId: string) {
  await getVisibleDataset(deps.db, actor, datasetId);
  const rows = await deps.db
    .select({
      version: datasetVersions.version,
      mode: datasetVersions.mode,
      format: datasetVersions.format,
      rowCount: datasetVersions.rowCount,
      addedRows: datasetVersions.addedRows,
      digest: datasetVersions.digest,
      committedAt: datasetVersions.committedAt,
    })
    .from(datasetVersions)
    .where(and(eq(datasetVersions.datasetId, datasetId), eq(datasetVersions.status, 'committed')))
    .orderBy(desc(datasetVersions.version))
    .limit(500);
  return rows.map((v) => ({ ...v, committedAt: v.committedAt?.toISOString() ?? null }));
}
