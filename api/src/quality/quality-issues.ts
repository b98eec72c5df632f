import { and, desc, eq, type SQL } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { datasets, type QUALITY_ISSUE_STATUSES, qualityIssues } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { getQualityDataset, isQualityInsider } from './get-quality-report.ts';

export type TQualityIssueRow = typeof qualityIssues.$inferSelect;
export type TIssueStatus = (typeof QUALITY_ISSUE_STATUSES)[number];

/**
 * The quality issues of one dataset, newest first; anyone who may see the dataset's entry sees
 * them. Who wrote a response is shown to the dataset's provider, the authority and regulators only.
 */
export async function listDatasetIssues(
  deps: Deps,
  actor: TActor | null,
  datasetId: string,
  status: TIssueStatus | undefined,
) {
  const dataset = await getQualityDataset(deps.db, actor, datasetId);
  const where = [eq(qualityIssues.datasetId, datasetId)];
  if (status) where.push(eq(qualityIssues.status, status));
  const rows = await deps.db
    .select()
    .from(qualityIssues)
    .where(and(...where))
    .orderBy(desc(qualityIssues.createdAt), desc(qualityIssues.id))
    .limit(500);
  return isQualityInsider(actor, dataset)
    ? rows
    : rows.map((r) => ({ ...r, closedBy: null, responses: r.responses.map(({ by: _, ...rest }) => rest) }));
}

/**
 * Quality issues across datasets, newest first: a provider sees its own org's, the authority and
 * regulators see all.
 */
export async function listQualityIssues(
  deps: Deps,
  actor: TActor,
  query: { status?: TIssueStatus | undefined; limit: number; offset: number },
) {
  const where: SQL[] = [];
  if (actor.role === 'provider') where.push(eq(datasets.providerOrgId, actor.orgId));
  if (query.status) where.push(eq(qualityIssues.status, query.status));
  const rows = await deps.db
    .select({ issue: qualityIssues })
    .from(qualityIssues)
    .innerJoin(datasets, eq(datasets.id, qualityIssues.datasetId))
    .where(and(...where))
    .orderBy(desc(qualityIssues.createdAt), desc(qualityIssues.id))
    .limit(query.limit)
    .offset(query.offset);
  return rows.map((r) => r.issue);
}

/**
 * The provider of the dataset answers a quality issue with a note (what it did, or why the rule
 * fails) and may close it. A closed issue takes no more responses; another org's issue is NOT_FOUND.
 */
export async function respondToIssue(
  deps: Deps,
  ctx: { actor: TActor; requestId: string | undefined },
  issueId: string,
  input: { note: string; close: boolean },
) {
  const { actor } = ctx;
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ issue: qualityIssues, providerOrgId: datasets.providerOrgId })
      .from(qualityIssues)
      .innerJoin(datasets, eq(datasets.id, qualityIssues.datasetId))
      .where(eq(qualityIssues.id, issueId))
      .for('update', { of: qualityIssues });
    if (!row || row.providerOrgId !== actor.orgId) throw notFound('quality issue');
    if (row.issue.status === 'closed') throw new AppError('INVALID_STATE', 'this quality issue is closed');
    const responses = [
      ...row.issue.responses,
      { note: input.note, by: actor.userId, at: at.toISOString(), isClosing: input.close },
    ];
    const [updated] = await tx
      .update(qualityIssues)
      .set({
        responses,
        updatedAt: at,
        ...(input.close ? { status: 'closed' as const, closedBy: actor.userId, closedAt: at } : {}),
      })
      .where(eq(qualityIssues.id, issueId))
      .returning();
    await appendAuditEntry(tx, {
      actor,
      action: input.close ? 'quality.issue.close' : 'quality.issue.respond',
      objectType: 'quality_issue',
      objectId: issueId,
      datasetId: row.issue.datasetId,
      details: { status: updated!.status },
      requestId: ctx.requestId,
      at,
    });
    return updated!;
  });
}
