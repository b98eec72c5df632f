import { and, desc, eq } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import { getVisibleDataset, type TDatasetRow } from '../catalogue/get-dataset.ts';
import type { Db } from '../db/client.ts';
import { qualityReports } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';

/** The authority, regulators and the holding department: they see any dataset's quality. */
export const isQualityInsider = (actor: TActor | null, d: Pick<TDatasetRow, 'providerOrgId'>) =>
  !!actor && (actor.role === 'admin' || actor.role === 'regulator' || actor.orgId === d.providerOrgId);

/**
 * The dataset whose quality the caller may read: an open one for whoever sees its entry, any one
 * for insiders. A report's counts are counts over the rows (a warning that fails tells how many
 * rows hold a value outside a range), so those of a dataset that is not open are 404 to others.
 */
export async function getQualityDataset(db: Db, actor: TActor | null, id: string): Promise<TDatasetRow> {
  const dataset = await getVisibleDataset(db, actor, id);
  if (dataset.openness !== 'open' && !isQualityInsider(actor, dataset)) throw notFound('quality report');
  return dataset;
}

/**
 * The quality report of a dataset's version (the latest when `version` is not given), for whoever
 * may read the dataset's quality. Examples of failing values are shown only while it is open.
 */
export async function getQualityReport(
  deps: Deps,
  actor: TActor | null,
  datasetId: string,
  version: number | undefined,
) {
  const dataset = await getQualityDataset(deps.db, actor, datasetId);
  const where = [eq(qualityReports.datasetId, datasetId)];
  if (version !== undefined) where.push(eq(qualityReports.version, version));
  const [report] = await deps.db
    .select()
    .from(qualityReports)
    .where(and(...where))
    .orderBy(desc(qualityReports.version))
    .limit(1);
  if (!report) throw notFound('quality report');
  if (dataset.openness === 'open') return report;
  return { ...report, results: report.results.map(({ examples: _, ...r }) => r) };
}
