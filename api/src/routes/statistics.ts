import { z } from '@hono/zod-openapi';
import type { Deps } from '../deps.ts';
import { defineRoute } from '../http/access.ts';
import type { App } from '../http/env.ts';
import { jsonResponse, problems, rawQuery, registerRawRoute } from '../http/openapi.ts';
import { monthlyStatistics, monthWindow } from '../statistics/monthly.ts';
import { REPORT_LANGS, statisticsCsv, statisticsReport } from '../statistics/report.ts';

const ZMonth = z.string().openapi({
  description: 'The month, YYYY-MM, in Beijing time; not one that has not begun',
  example: '2026-11',
});
const ZMonthQuery = z.strictObject({ month: ZMonth });
const ZReportQuery = z.strictObject({ month: ZMonth, lang: z.enum(REPORT_LANGS).default('zh') });

const counts = (description: string) => z.record(z.string(), z.number().nullable()).openapi({ description });
const ZSections = {
  score: z
    .number()
    .nullable()
    .openapi({ description: 'The mean of the rates the department has, as a percentage' }),
  rates: counts(
    'coverage (published ÷ registered), aggregation (holding data ÷ published), quality (mean latest report score ÷ 100), sharingOpen (shared or open ÷ published), timeliness (1 − overdue ÷ published), responsiveness (deadlines in the month met); null where there is nothing to rate',
  ),
  catalogue: z.object({
    registered: z.number(),
    published: z.number(),
    withData: z.number(),
    byClassification: counts('Registered entries per classification level 1–4'),
    byOpenness: counts('Registered entries per openness'),
    bySharing: counts('Registered entries per sharing attribute'),
    dataOverdue: z.number(),
    changeOverdue: z.number(),
    registrationOverdue: z.number(),
  }),
  quality: z.object({ score: z.number().nullable(), reports: z.number(), openIssues: z.number() }),
  sharing: z.object({
    received: z.number(),
    approved: z.number(),
    refused: z.number(),
    overdue: z.number().openapi({ description: 'Deadlines that fell in the month and were missed' }),
    dueInMonth: z.number(),
    medianAnswerWorkingDays: z.number().nullable(),
  }),
  demands: z.object({
    received: z.number(),
    answered: z.number(),
    overdue: z.number(),
    dueInMonth: z.number(),
  }),
  openData: z.object({ reads: z.number(), downloads: z.number() }),
  computation: z.object({ sandboxRuns: z.number(), jointComputations: z.number() }),
};

const ZMonthly = z
  .object({
    month: z.string(),
    from: z.string(),
    to: z.string().openapi({ description: 'The month’s end, or now while it is under way' }),
    isComplete: z.boolean(),
    platform: z.object({ departments: z.number(), ...ZSections }),
    departments: z.array(
      z.object({
        orgId: z.string(),
        name: z.string(),
        rank: z.number().openapi({ description: '1 for the highest score; 0 for a department with none' }),
        ...ZSections,
      }),
    ),
  })
  .openapi('MonthlyStatistics');

const WHAT =
  'Per department (an org with a provider) and for the platform: entries registered, published, holding data, by classification, openness and sharing attribute, and overdue; quality score and open issues; sharing requests received, approved, refused, deadlines missed and the median answer in working days; demands received, answered, overdue; open-data reads and downloads; sandbox runs and joint computations. Events are those of the month, states as the month ends (or now, while it runs), in Beijing time. Ranked by the score, the mean of six rates.';

export function registerStatisticsRoutes(app: App, deps: Deps) {
  const compute = (month: string) => monthlyStatistics(deps.db, monthWindow(month, deps.clock.now()));

  app.openapi(
    defineRoute(['admin', 'regulator'], {
      method: 'get',
      path: '/v1/statistics/monthly',
      tags: ['statistics'],
      summary: 'The month’s statistics, ranked by department (每月统计)',
      description: WHAT,
      request: { query: ZMonthQuery },
      responses: { 200: jsonResponse(ZMonthly, 'The statistics'), ...problems },
    }),
    async (c) => c.json(await compute(c.req.valid('query').month), 200),
  );

  registerRawRoute(
    app,
    defineRoute(['admin', 'regulator'], {
      method: 'get',
      path: '/v1/statistics/monthly/csv',
      tags: ['statistics'],
      summary: 'The month’s statistics as CSV, one row per department in rank order',
      description: `${WHAT} RFC 4180 with CRLF line ends; cells that a spreadsheet would run as a formula start with '.`,
      request: { query: ZMonthQuery },
      responses: {
        200: { description: 'The CSV', content: { 'text/csv': { schema: z.string() } } },
        ...problems,
      },
    }),
    async (c) => {
      const { month } = rawQuery(c, ZMonthQuery);
      return c.body(statisticsCsv(await compute(month)), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="enclave-statistics-${month}.csv"`,
      });
    },
  );

  registerRawRoute(
    app,
    defineRoute(['admin', 'regulator'], {
      method: 'get',
      path: '/v1/statistics/monthly/report',
      tags: ['statistics'],
      summary: 'The monthly report the authority circulates (情况通报), as an HTML document',
      description: `${WHAT} One self-contained page: an overview, the ranking, the figures by department, definitions, and charts drawn on the server as SVG (Apache ECharts); no script, printable as it is. Chinese by default, English with lang=en.`,
      request: { query: ZReportQuery },
      responses: {
        200: { description: 'The report', content: { 'text/html': { schema: z.string() } } },
        ...problems,
      },
    }),
    async (c) => {
      const { month, lang } = rawQuery(c, ZReportQuery);
      return c.body(statisticsReport(await compute(month), lang), 200, {
        'content-type': 'text/html; charset=utf-8',
        'content-disposition': `inline; filename="enclave-report-${month}-${lang}.html"`,
        // Nothing in it runs: no script, no fetch; inline styles and the inline SVG only.
        'content-security-policy':
          "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
      });
    },
  );
}
