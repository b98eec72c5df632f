import { and, desc, eq } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import { getVisibleDataset } from '../catalogue/get-dataset.ts';
import { qualityReports } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';

/**
 * The quality report of a dataset's version (the latest when `version` is not given), for whoever
 * may see the dataset's entry. Examples of failing values are shown only while the dataset is open.
 */
export async function getQualityReport(
  deps: Deps,
  actor: TActor | null,
  datasetId: string,
  version: number | undefined,
) {
  const dataset = await getVisibleDataset(deps.db, actor, datasetId);
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
