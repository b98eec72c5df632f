import { z } from '@hono/zod-openapi';
import { datasetIdOf, ZDatasetParam } from '../catalogue/dataset-ref.ts';
import { QUALITY_ISSUE_STATUSES } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { actorOf, defineRoute } from '../http/access.ts';
import type { App } from '../http/env.ts';
import { isoOrNull, jsonBody, jsonResponse, problems, ZIdParam } from '../http/openapi.ts';
import { getQualityReport } from '../quality/get-quality-report.ts';
import {
  listDatasetIssues,
  listQualityIssues,
  respondToIssue,
  type TQualityIssueRow,
} from '../quality/quality-issues.ts';
import { RULE_KINDS, RULE_SEVERITIES } from '../quality/quality-rules.ts';

const MAX_LIST = 200;

const ZRuleResult = z
  .object({
    column: z.string(),
    rule: z.number().int().openapi({ description: "The rule's place in the column's rules" }),
    kind: z.enum(RULE_KINDS),
    severity: z.enum(RULE_SEVERITIES),
    checked: z.number().int(),
    failing: z.number().int(),
    examples: z
      .array(
        z.object({
          line: z.number().int(),
          value: z.string().optional(),
          other: z.string().optional().openapi({ description: 'compare: the value of the other column' }),
          firstLine: z
            .number()
            .int()
            .optional()
            .openapi({ description: 'unique: the line that held the value first, 0 for an earlier version' }),
        }),
      )
      .optional()
      .openapi({ description: 'Up to five failing values with their upload lines; open datasets only' }),
  })
  .openapi('QualityRuleResult');

const ZQualityReport = z
  .object({
    datasetId: z.string(),
    version: z.number().int(),
    score: z.number(),
    rowCount: z.number().int(),
    checked: z.number().int(),
    failing: z.number().int(),
    results: z.array(ZRuleResult),
    createdAt: z.string(),
  })
  .openapi('QualityReport');

const ZQualityIssue = z
  .object({
    id: z.string(),
    datasetId: z.string(),
    column: z.string(),
    rule: z.number().int(),
    kind: z.string(),
    status: z.enum(QUALITY_ISSUE_STATUSES),
    firstVersion: z.number().int(),
    lastVersion: z.number().int(),
    checked: z.number().int(),
    failing: z.number().int(),
    rectifiedVersion: z.number().int().nullable(),
    responses: z.array(
      z.object({
        note: z.string(),
        by: z.string().optional().openapi({ description: 'The user who wrote it; not shown to the public' }),
        at: z.string(),
        isClosing: z.boolean(),
      }),
    ),
    closedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('QualityIssue');

const issueOut = (
  i: Omit<TQualityIssueRow, 'responses'> & { responses: z.infer<typeof ZQualityIssue>['responses'] },
): z.infer<typeof ZQualityIssue> => ({
  id: i.id,
  datasetId: i.datasetId,
  column: i.column,
  rule: i.rule,
  kind: i.kind,
  status: i.status,
  firstVersion: i.firstVersion,
  lastVersion: i.lastVersion,
  checked: i.checked,
  failing: i.failing,
  rectifiedVersion: i.rectifiedVersion,
  responses: i.responses,
  closedAt: isoOrNull(i.closedAt),
  createdAt: i.createdAt.toISOString(),
  updatedAt: i.updatedAt.toISOString(),
});

const ZIssueList = z.object({ items: z.array(ZQualityIssue) }).openapi('QualityIssueList');
const ZStatusQuery = z.enum(QUALITY_ISSUE_STATUSES).optional();

export function registerQualityRoutes(app: App, deps: Deps) {
  app.openapi(
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/datasets/{id}/quality',
      tags: ['quality'],
      summary: "A version's quality report",
      description:
        'The quality report of the latest version, or of `version`: per quality rule of the schema, the rows checked and failing. The score is 100 × (checks passed) / (checks made), summed over every rule of every column, two decimals; a version with no rule to check scores 100. Error rules never fail in a committed version (their failures refuse the upload), so the score falls with failing warnings only. For an append, the counts cover the whole version (the rows before it were checked against the same rules). Examples of failing values (at most five per rule, with their upload lines) are shown only for open datasets. An open dataset’s report is visible to whoever may see the entry; the counts of any other are counts over protected rows, for its holding department, the authority and regulators only (404 to others).',
      request: {
        params: ZDatasetParam,
        query: z.strictObject({ version: z.coerce.number().int().min(1).optional() }),
      },
      responses: { 200: jsonResponse(ZQualityReport, 'The report'), ...problems },
    }),
    async (c) => {
      const id = await datasetIdOf(deps.db, c.req.valid('param').id);
      const r = await getQualityReport(deps, c.get('actor'), id, c.req.valid('query').version);
      return c.json({ ...r, createdAt: r.createdAt.toISOString() }, 200);
    },
  );

  app.openapi(
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/datasets/{id}/quality/issues',
      tags: ['quality'],
      summary: 'Quality issues of a dataset',
      description:
        'The quality issues of a dataset, newest first: each a warning rule that failed, open until a version passes it (rectified) or its provider closes it. Visible as the quality report is: to whoever may see an open dataset’s entry, and for any other to its holding department, the authority and regulators.',
      request: { params: ZDatasetParam, query: z.strictObject({ status: ZStatusQuery }) },
      responses: { 200: jsonResponse(ZIssueList, 'The issues'), ...problems },
    }),
    async (c) => {
      const id = await datasetIdOf(deps.db, c.req.valid('param').id);
      const rows = await listDatasetIssues(deps, c.get('actor'), id, c.req.valid('query').status);
      return c.json({ items: rows.map(issueOut) }, 200);
    },
  );

  app.openapi(
    defineRoute(['provider', 'admin', 'regulator'], {
      method: 'get',
      path: '/v1/quality/issues',
      tags: ['quality'],
      summary: 'Quality issues across datasets',
      description: `A provider sees the issues of its own org's datasets, the authority and regulators see all; filter by \`status\`. Newest first, at most ${MAX_LIST} a page (\`limit\`, \`offset\`).`,
      request: {
        query: z.strictObject({
          status: ZStatusQuery,
          limit: z.coerce.number().int().min(1).max(MAX_LIST).default(50),
          offset: z.coerce.number().int().min(0).max(100_000).default(0),
        }),
      },
      responses: { 200: jsonResponse(ZIssueList, 'The issues'), ...problems },
    }),
    async (c) => {
      const rows = await listQualityIssues(deps, actorOf(c), c.req.valid('query'));
      return c.json({ items: rows.map(issueOut) }, 200);
    },
  );

  app.openapi(
    defineRoute(['provider'], {
      method: 'post',
      path: '/v1/quality/issues/{id}/responses',
      tags: ['quality'],
      summary: 'Respond to a quality issue (provider)',
      description:
        "The provider of the dataset answers a quality issue with a note, and closes it with `close: true`. A closed issue takes no more responses; another org's issue answers 404.",
      request: {
        params: ZIdParam,
        body: jsonBody(
          z
            .strictObject({ note: z.string().trim().min(1).max(5000), close: z.boolean().default(false) })
            .openapi('QualityIssueResponse'),
        ),
      },
      responses: { 200: jsonResponse(ZQualityIssue, 'The issue'), ...problems },
    }),
    async (c) => {
      const row = await respondToIssue(
        deps,
        { actor: actorOf(c), requestId: c.get('requestId') },
        c.req.valid('param').id,
        c.req.valid('json'),
      );
      return c.json(issueOut(row), 200);
    },
  );
}
