import { z } from '@hono/zod-openapi';
import { datasetIdOf, ZDatasetParam } from '../catalogue/dataset-ref.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { actorOf, defineRoute } from '../http/access.ts';
import type { App } from '../http/env.ts';
import { jsonResponse, problems, registerRawRoute } from '../http/openapi.ts';
import { toAppError } from '../http/problem.ts';
import { ingestData } from '../ingest/ingest-data.ts';

const FORMATS: Record<string, 'csv' | 'ndjson'> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
};

const ZIngestQuery = z.strictObject({ mode: z.enum(['append', 'replace']).default('append') });

const ZIngestResult = z
  .object({
    datasetId: z.string(),
    version: z.number().int(),
    mode: z.enum(['append', 'replace']),
    format: z.enum(['csv', 'ndjson']),
    rowCount: z.number().int().openapi({ description: 'Rows in the dataset as of this version' }),
    addedRows: z.number().int(),
    digest: z.string().openapi({ description: 'SHA-256 of the uploaded bytes, hex' }),
    quality: z
      .object({ score: z.number(), checked: z.number().int(), failing: z.number().int() })
      .openapi({ description: "The version's quality report in brief; see GET /v1/datasets/{id}/quality" }),
  })
  .openapi('IngestResult');

export function registerIngestRoutes(app: App, deps: Deps) {
  registerRawRoute(
    app,
    defineRoute(
      ['provider'],
      {
        method: 'post',
        path: '/v1/datasets/{id}/data',
        tags: ['catalogue'],
        summary: 'Upload data as a new version (provider)',
        description:
          'CSV (header row, RFC 4180, UTF-8 with or without BOM) or NDJSON, streamed. Every row is checked against the schema and its quality rules; on any bad row (or a failing rule of severity error) the upload is rejected with the first bad rows (line, column, reason) and nothing of it becomes visible. Failing warnings are counted in the quality report of the version and open quality issues.',
        request: {
          params: ZDatasetParam,
          query: ZIngestQuery,
          body: {
            required: true,
            content: {
              'text/csv': { schema: z.string() },
              'application/x-ndjson': { schema: z.string() },
            },
          },
        },
        responses: { 201: jsonResponse(ZIngestResult, 'The new version'), 422: problems[400], ...problems },
      },
      // Streamed into the table as it arrives, with a bound on each record's size rather than the body's.
      { maxBodyBytes: null },
    ),
    async (c) => {
      const actor = actorOf(c);
      const id = ZDatasetParam.safeParse({ id: c.req.param('id') });
      if (!id.success) throw toAppError(id.error, 'path');
      const query = ZIngestQuery.safeParse(c.req.query());
      if (!query.success) throw toAppError(query.error, 'query');
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      const format = FORMATS[type];
      if (!format) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send text/csv or application/x-ndjson');
      }
      const body = c.req.raw.body;
      if (!body) throw new AppError('VALIDATION_FAILED', 'the upload is empty');
      const result = await ingestData(
        deps,
        actor,
        await datasetIdOf(deps.db, id.data.id),
        { format, mode: query.data.mode, body: body as unknown as AsyncIterable<Uint8Array> },
        c.get('requestId'),
      );
      return c.json(result, 201);
    },
  );
}
