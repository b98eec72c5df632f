import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { datasetIdOf, ZDatasetParam } from '../catalogue/dataset-ref.ts';
import { COLUMN_TYPES } from '../catalogue/dataset-schema.ts';
import type { Deps } from '../deps.ts';
import { defineRoute } from '../http/access.ts';
import type { App, AppEnv } from '../http/env.ts';
import { jsonBody, jsonResponse, problems, rawQuery, registerRawRoute } from '../http/openapi.ts';
import { toAppError } from '../http/problem.ts';
import { aggregateOpenData } from '../open/aggregate.ts';
import { DOWNLOAD_FORMATS, downloadOpenData, type TDownload } from '../open/download.ts';
import { FILTER_OPS } from '../open/filters.ts';
import { QUERY_MAX_LIMIT, ZOpenQueryBody } from '../open/query-input.ts';
import {
  queryRows,
  ROWS_DEFAULT_LIMIT,
  ROWS_MAX_FILTERS,
  ROWS_MAX_LIMIT,
  ROWS_MAX_OFFSET,
} from '../open/query-rows.ts';

/** A whole number in a query string: digits only (no `1e3`, no blanks), within bounds. */
const intParam = (min: number, max: number, description: string) =>
  z
    .string()
    .regex(/^-?\d{1,12}$/, 'not an integer')
    .transform(Number)
    .pipe(z.number().int().min(min, `at least ${min}`).max(max, `at most ${max}`))
    .openapi({ type: 'integer', minimum: min, maximum: max, description });

const ZSelectParam = z.string().max(8000).openapi({
  description: 'Comma-separated column names to return, in that order; all columns by default',
  example: 'city_code,day,aqi',
});

export const ZRowsQuery = z.strictObject({
  select: ZSelectParam.optional(),
  filter: z
    .preprocess(
      (v) => (typeof v === 'string' ? [v] : v),
      z.array(z.string().max(8000)).max(ROWS_MAX_FILTERS, `at most ${ROWS_MAX_FILTERS} filters`),
    )
    .optional()
    .openapi({
      type: 'array',
      items: { type: 'string' },
      description: `Repeatable, all must hold: \`column:op:value\`, op one of ${FILTER_OPS.join(', ')}. The value is read by the column type (dates YYYY-MM-DD, timestamps ISO 8601 with an offset, booleans true/false); \`in\` takes a comma-separated list (for values holding commas use the query route); \`like\` (string columns only) takes a pattern with % and _. \`ne\` keeps rows whose value is null.`,
      example: 'aqi:gte:100',
    }),
  sort: z.string().max(2000).optional().openapi({
    description:
      'Comma-separated columns, `-` for descending; nulls sort last ascending and first descending; ties keep the default row order',
    example: '-day,city_code',
  }),
  limit: intParam(
    1,
    ROWS_MAX_LIMIT,
    `Rows per page, default ${ROWS_DEFAULT_LIMIT}, at most ${ROWS_MAX_LIMIT}`,
  )
    .optional()
    .transform((v) => v ?? ROWS_DEFAULT_LIMIT),
  offset: intParam(
    0,
    ROWS_MAX_OFFSET,
    `Rows to skip, at most ${ROWS_MAX_OFFSET}; not with cursor`,
  ).optional(),
  cursor: z.string().max(200).optional().openapi({
    description: 'page.nextCursor of the previous page (default order only); not with offset or sort',
  }),
});

const ZValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const ZRowsPage = z
  .object({
    version: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'The dataset version read; null before any data' }),
    items: z.array(z.record(z.string(), ZValue)).openapi({
      description: 'Rows as objects keyed by column name, in the requested order',
    }),
    page: z.object({
      limit: z.number().int(),
      maxLimit: z.number().int(),
      offset: z
        .number()
        .int()
        .optional()
        .openapi({ description: 'Present when the request paged by offset' }),
      hasMore: z.boolean(),
      nextCursor: z.string().nullable().openapi({
        description: 'For the next page in the default order; null on the last page or with sort',
      }),
    }),
  })
  .openapi('OpenRowsPage');

export const ZQueryResult = z
  .object({
    version: z.number().int().nullable(),
    columns: z.array(z.object({ name: z.string(), type: z.enum(COLUMN_TYPES) })),
    rows: z.array(z.array(ZValue)).openapi({
      description: 'One array per row, values in the order of `columns`',
    }),
    limit: z.number().int(),
    truncated: z.boolean().openapi({ description: 'More rows matched than `limit`' }),
  })
  .openapi('OpenQueryResult');

export const ZDownloadQuery = z.strictObject({
  format: z.enum(DOWNLOAD_FORMATS).default('csv'),
  select: ZSelectParam.optional(),
});

export const DOWNLOAD_RESPONSES = {
  200: {
    description: 'The rows, as an attachment named `<slug>-v<version>.<format>`',
    content: {
      'text/csv': { schema: z.string() },
      'application/x-ndjson': { schema: z.string() },
    },
  },
  ...problems,
};

/** A download route's id and query, validated by hand: raw routes stream their reply. */
export function downloadInput(c: Context<AppEnv>, param: z.ZodType<{ id: string }>) {
  const id = param.safeParse({ id: c.req.param('id') });
  if (!id.success) throw toAppError(id.error, 'param');
  return { id: id.data.id, query: rawQuery(c, ZDownloadQuery) };
}

export const attachment = (c: Context<AppEnv>, download: TDownload) =>
  c.body(download.body, 200, {
    'content-type': download.contentType,
    'content-disposition': `attachment; filename="${download.filename}"`,
  });

export function registerOpenDataRoutes(app: App, deps: Deps) {
  app.openapi(
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/open/{id}/rows',
      tags: ['open data'],
      summary: 'Rows of an open dataset, paged (anyone)',
      description: `Published datasets with openness \`open\` only; others answer 404. Column names in select, sort and filter are checked against the schema (400 naming the parameter). Page by \`offset\` (at most ${ROWS_MAX_OFFSET}) or, in the default row order, by \`cursor\`, which keeps the version the walk started at. At most ${ROWS_MAX_LIMIT} rows a page; a larger limit is refused, not cut. Integers and numbers are JSON numbers, dates YYYY-MM-DD, timestamps ISO 8601 in UTC.`,
      request: { params: ZDatasetParam, query: ZRowsQuery },
      responses: { 200: jsonResponse(ZRowsPage, 'A page of rows'), ...problems },
    }),
    async (c) => {
      const page = await queryRows(
        deps,
        c.get('actor'),
        await datasetIdOf(deps.db, c.req.valid('param').id),
        c.req.valid('query'),
      );
      return c.json(page, 200);
    },
  );

  app.openapi(
    defineRoute('anyone', {
      method: 'post',
      path: '/v1/open/{id}/query',
      tags: ['open data'],
      summary: 'A structured aggregate query over an open dataset (anyone)',
      description: `\`where\` conditions (all must hold), then \`groupBy\` with aggregates count (rows), sum and avg (integer and number columns), min and max; \`select\` names the groupBy columns to output. With neither aggregates nor groupBy, \`select\` projects rows. \`orderBy\` keys are groupBy columns or aggregate aliases (selected columns for a projection). The reply is columnar: \`columns\` gives each output's name and type, \`rows\` holds one array per row in that order. sum over integers is an integer, avg a number, both JSON numbers. At most ${QUERY_MAX_LIMIT} rows; \`truncated\` says whether more matched.`,
      request: { params: ZDatasetParam, body: jsonBody(ZOpenQueryBody) },
      responses: { 200: jsonResponse(ZQueryResult, 'The result'), ...problems },
    }),
    async (c) => {
      const result = await aggregateOpenData(
        deps,
        c.get('actor'),
        await datasetIdOf(deps.db, c.req.valid('param').id),
        c.req.valid('json'),
      );
      return c.json(result, 200);
    },
  );

  registerRawRoute(
    app,
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/open/{id}/download',
      tags: ['open data'],
      summary: 'Download an open dataset as CSV or NDJSON (anyone)',
      description:
        'The visible version, streamed. CSV (RFC 4180, LF line ends) has a header row; null is an empty field and the empty string is `""`. NDJSON has one JSON object per line keyed by column name. A dataset without data gives just the header (CSV) or nothing (NDJSON).',
      request: { params: ZDatasetParam, query: ZDownloadQuery },
      responses: DOWNLOAD_RESPONSES,
    }),
    async (c) => {
      const { id, query } = downloadInput(c, ZDatasetParam);
      const download = await downloadOpenData(deps, c.get('actor'), await datasetIdOf(deps.db, id), query);
      return attachment(c, download);
    },
  );
}
