import { and, eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import type { Db } from '../db/client.ts';
import { qualityIssues, qualityReports } from '../db/schema/index.ts';
import { newId } from '../lib/ids.ts';
import { MAX_EXAMPLES, type TRuleResult } from './rule-checker.ts';

export type TQualityReportInput = {
  datasetId: string;
  version: number;
  mode: 'append' | 'replace';
  /** Rows in the version. */
  rowCount: number;
  /** What the upload's rows gave, per rule. */
  results: TRuleResult[];
  isOpen: boolean;
};

/** 100 × passed checks / checks over every rule, two decimals; 100 when nothing was checked. */
export function qualityScore(results: readonly TRuleResult[]): number {
  let checked = 0;
  let failing = 0;
  for (const r of results) {
    checked += r.checked;
    failing += r.failing;
  }
  return checked === 0 ? 100 : Math.round((10_000 * (checked - failing)) / checked) / 100;
}

/** An append's results: the previous version's rows were checked against the same rules, so counts add up. */
function withPrevious(results: TRuleResult[], previous: TRuleResult[] | undefined): TRuleResult[] {
  if (!previous) return results;
  const before = new Map(previous.map((r) => [`${r.column}\u0000${r.rule}`, r]));
  return results.map((r) => {
    const p = before.get(`${r.column}\u0000${r.rule}`);
    if (!p) return r;
    const merged: TRuleResult = { ...r, checked: r.checked + p.checked, failing: r.failing + p.failing };
    const examples = [...(p.examples ?? []), ...(r.examples ?? [])].slice(0, MAX_EXAMPLES);
    if (examples.length > 0) merged.examples = examples;
    else delete merged.examples;
    return merged;
  });
}

/**
 * Writes the quality report of a version being committed, in the caller's transaction, and keeps
 * the quality issues in step: a failing warning opens an issue (or updates the open one), a warning
 * that passes rectifies its open issue. Examples of failing values are kept for open datasets only.
 * Everything it does is on the log.
 */
export async function recordQualityReport(
  tx: Db,
  ctx: { actor: TActor; requestId: string | undefined; at: Date },
  input: TQualityReportInput,
) {
  const { datasetId, version, at } = { ...input, at: ctx.at };
  let previous: TRuleResult[] | undefined;
  if (input.mode === 'append' && version > 1) {
    const [row] = await tx
      .select({ results: qualityReports.results })
      .from(qualityReports)
      .where(and(eq(qualityReports.datasetId, datasetId), eq(qualityReports.version, version - 1)));
    previous = row?.results;
  }
  const results = withPrevious(input.results, previous).map((r) => {
    if (input.isOpen || r.examples === undefined) return r;
    const { examples: _, ...rest } = r;
    return rest;
  });
  const score = qualityScore(results);
  const checked = results.reduce((n, r) => n + r.checked, 0);
  const failing = results.reduce((n, r) => n + r.failing, 0);
  await tx.insert(qualityReports).values({
    datasetId,
    version,
    score,
    rowCount: input.rowCount,
    checked,
    failing,
    results,
    createdAt: at,
  });
  const audit = (action: string, objectType: string, objectId: string, details: Record<string, unknown>) =>
    appendAuditEntry(tx, {
      actor: ctx.actor,
      action,
      objectType,
      objectId,
      datasetId,
      details,
      requestId: ctx.requestId,
      at,
    });
  await audit('quality.report', 'dataset', datasetId, {
    version,
    score,
    rules: results.length,
    checked,
    failing,
    failingWarnings: results.filter((r) => r.severity === 'warning' && r.failing > 0).length,
  });

  const open = await tx
    .select()
    .from(qualityIssues)
    .where(and(eq(qualityIssues.datasetId, datasetId), eq(qualityIssues.status, 'open')))
    .for('update');
  const openByRule = new Map(open.map((i) => [`${i.column}\u0000${i.rule}`, i]));
  for (const r of results) {
    if (r.severity !== 'warning') continue;
    const issue = openByRule.get(`${r.column}\u0000${r.rule}`);
    const counts = { checked: r.checked, failing: r.failing };
    if (r.failing > 0 && issue) {
      await tx
        .update(qualityIssues)
        .set({ lastVersion: version, ...counts, updatedAt: at })
        .where(eq(qualityIssues.id, issue.id));
    } else if (r.failing > 0) {
      const id = newId('qi');
      await tx.insert(qualityIssues).values({
        id,
        datasetId,
        column: r.column,
        rule: r.rule,
        kind: r.kind,
        firstVersion: version,
        lastVersion: version,
        ...counts,
        createdAt: at,
        updatedAt: at,
      });
      await audit('quality.issue.open', 'quality_issue', id, {
        version,
        column: r.column,
        kind: r.kind,
        ...counts,
      });
    } else if (issue) {
      await tx
        .update(qualityIssues)
        .set({ status: 'rectified', rectifiedVersion: version, updatedAt: at })
        .where(eq(qualityIssues.id, issue.id));
      await audit('quality.issue.rectify', 'quality_issue', issue.id, {
        version,
        column: r.column,
        kind: r.kind,
      });
    }
  }
  return { score, checked, failing };
}
