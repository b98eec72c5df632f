import { desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { datasets, qualityIssues, qualityReports } from '../db/schema/index.ts';

/**
 * The score of each dataset's latest quality report (of the given datasets, or all), for the
 * monthly statistics.
 *
 * @example
 * await latestQualityScores(db, ['ds_…']) // [{ datasetId: 'ds_…', version: 3, score: 98.5 }]
 */
export async function latestQualityScores(db: Db, datasetIds?: readonly string[]) {
  if (datasetIds !== undefined && datasetIds.length === 0) return [];
  return db
    .selectDistinctOn([qualityReports.datasetId], {
      datasetId: qualityReports.datasetId,
      version: qualityReports.version,
      score: qualityReports.score,
    })
    .from(qualityReports)
    .where(datasetIds === undefined ? undefined : inArray(qualityReports.datasetId, [...datasetIds]))
    .orderBy(qualityReports.datasetId, desc(qualityReports.version));
}

/**
 * Open quality issues per provider org (orgs with none are left out), for the monthly statistics.
 *
 * @example
 * await openIssueCounts(db) // [{ orgId: 'org_…', open: 2 }]
 */
export async function openIssueCounts(db: Db) {
  return db
    .select({ orgId: datasets.providerOrgId, open: sql<number>`count(*)::int` })
    .from(qualityIssues)
    .innerJoin(datasets, eq(datasets.id, qualityIssues.datasetId))
    .where(eq(qualityIssues.status, 'open'))
    .groupBy(datasets.providerOrgId)
    .orderBy(datasets.providerOrgId);
}
