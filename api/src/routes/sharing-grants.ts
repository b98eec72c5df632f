import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { actorOf, defineRoute } from '../http/access.ts';
import type { App, AppEnv } from '../http/env.ts';
import { jsonBody, jsonResponse, problems, registerRawRoute, ZIdParam } from '../http/openapi.ts';
import { runQuery } from '../open/aggregate.ts';
import { streamRows } from '../open/download.ts';
import { ZOpenQueryBody } from '../open/query-input.ts';
import { readRows } from '../open/query-rows.ts';
import { generationStart, readThroughGrant, type TGrantCall } from '../sharing/grants.ts';
import {
  attachment,
  DOWNLOAD_RESPONSES,
  downloadInput,
  ZDownloadQuery,
  ZQueryResult,
  ZRowsPage,
  ZRowsQuery,
} from './open-data.ts';

const SYSTEM_HEADER = 'x-enclave-system';

const ZSystemHeader = z.object({
  [SYSTEM_HEADER]: z.string().trim().min(1).max(200).openapi({
    description:
      'The calling system, one the grant names, percent-encoded UTF-8 (as encodeURIComponent gives it)',
  }),
});

/** The calling system: the header percent-decoded (HTTP headers carry Latin-1 only; names are often Chinese). */
const callOf = (c: Context<AppEnv>): TGrantCall => {
  let system: string | undefined;
  try {
    system = decodeURIComponent(c.req.header(SYSTEM_HEADER) ?? '').trim();
  } catch {
    system = undefined;
  }
  if (!system || system.length > 200) {
    throw new AppError(
      'VALIDATION_FAILED',
      `header ${SYSTEM_HEADER}: name the calling system, one the grant names, percent-encoded as UTF-8`,
    );
  }
  return { actor: actorOf(c), requestId: c.get('requestId'), system };
};

const GRANT_ACCESS =
  'Only the requesting department’s tokens, sending the calling system (one the grant names) in `X-Enclave-System`. The grant must be in force: revoked answers GRANT_REVOKED, outside its term GRANT_EXPIRED or GRANT_NOT_YET_VALID, past its daily calls QUOTA_EXCEEDED; a column it does not name is refused by name. Every call, served or refused, is on the audit log (`sharing.read`: system, rows returned, version, query digest).';

const ZChangesPage = ZRowsPage.extend({
  since: z.number().int(),
  isFullReload: z.boolean().openapi({
    description:
      'True when the dataset was replaced after `since`: the rows are the whole current version, and the caller should drop what it holds',
  }),
}).openapi('GrantChangesPage');

export function registerSharingGrantRoutes(app: App, deps: Deps) {
  app.openapi(
    defineRoute(['provider'], {
      method: 'get',
      path: '/v1/sharing/grants/{id}/rows',
      tags: ['sharing'],
      summary: 'Rows through a sharing grant',
      description: `The granted columns of the dataset’s current version, with the open-data rows route’s select, filter, sort and paging. ${GRANT_ACCESS}`,
      request: { params: ZIdParam, query: ZRowsQuery, headers: ZSystemHeader },
      responses: { 200: jsonResponse(ZRowsPage, 'A page of rows'), ...problems },
    }),
    async (c) => {
      const input = c.req.valid('query');
      const page = await readThroughGrant(
        deps,
        callOf(c),
        c.req.valid('param').id,
        'rows',
        input,
        (dataset) => readRows(deps, dataset, input),
        (p) => p.items.length,
      );
      return c.json(page, 200);
    },
  );

  app.openapi(
    defineRoute(['provider'], {
      method: 'get',
      path: '/v1/sharing/grants/{id}/changes',
      tags: ['sharing'],
      summary: 'Rows added since a version, through a sharing grant',
      description: `For keeping a copy in step: the rows versions after \`since\` added, paged by cursor like the rows route. Rows are only ever added by appends; a replace after \`since\` gives the whole current version with \`isFullReload\`. ${GRANT_ACCESS}`,
      request: {
        params: ZIdParam,
        query: ZRowsQuery.extend({
          since: z
            .string()
            .regex(/^\d{1,9}$/, 'a version number')
            .transform(Number)
            .openapi({ type: 'integer', description: 'The version the caller holds (0 for none)' }),
        }),
        headers: ZSystemHeader,
      },
      responses: { 200: jsonResponse(ZChangesPage, 'A page of the rows added'), ...problems },
    }),
    async (c) => {
      const { since, ...input } = c.req.valid('query');
      const page = await readThroughGrant(
        deps,
        callOf(c),
        c.req.valid('param').id,
        'changes',
        { since, ...input },
        async (dataset) => {
          const start =
            dataset.tableName === null ? 1 : await generationStart(deps, dataset.id, dataset.tableName);
          const isFullReload = since > 0 && since < start;
          const rows = await readRows(deps, dataset, input, isFullReload ? undefined : since);
          return { ...rows, since, isFullReload };
        },
        (p) => p.items.length,
      );
      return c.json(page, 200);
    },
  );

  app.openapi(
    defineRoute(['provider'], {
      method: 'post',
      path: '/v1/sharing/grants/{id}/query',
      tags: ['sharing'],
      summary: 'A structured query through a sharing grant',
      description: `Filters, groups and aggregates over the granted columns, as the open-data query route. ${GRANT_ACCESS}`,
      request: { params: ZIdParam, body: jsonBody(ZOpenQueryBody), headers: ZSystemHeader },
      responses: { 200: jsonResponse(ZQueryResult, 'The result'), ...problems },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const result = await readThroughGrant(
        deps,
        callOf(c),
        c.req.valid('param').id,
        'query',
        body,
        (dataset) => runQuery(deps, dataset, body),
        (r) => r.rows.length,
      );
      return c.json(result, 200);
    },
  );

  registerRawRoute(
    app,
    defineRoute(['provider'], {
      method: 'get',
      path: '/v1/sharing/grants/{id}/download',
      tags: ['sharing'],
      summary: 'Download the granted columns as CSV or NDJSON',
      description: `The current version, streamed, as the open-data download. ${GRANT_ACCESS} The log entry is written before the first byte leaves; its rows are null.`,
      request: { params: ZIdParam, query: ZDownloadQuery, headers: ZSystemHeader },
      responses: DOWNLOAD_RESPONSES,
    }),
    async (c) => {
      const { id, query } = downloadInput(c, ZIdParam);
      const download = await readThroughGrant(
        deps,
        callOf(c),
        id,
        'download',
        query,
        (dataset) => streamRows(deps, dataset, query),
        () => null,
      );
      return attachment(c, download);
    },
  );
}
