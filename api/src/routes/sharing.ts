import { z } from '@hono/zod-openapi';
import { datasetIdOf } from '../catalogue/dataset-ref.ts';
import { SHARING_REQUEST_STATUSES } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { actorOf, defineRoute } from '../http/access.ts';
import type { App } from '../http/env.ts';
import { isoOrNull, jsonBody, jsonResponse, problems, ZIdParam, ZInstant } from '../http/openapi.ts';
import {
  DECISION_WORKING_DAYS,
  decideSharingRequest,
  getSharingRequest,
  listSharingRequests,
  requestSharing,
  type TSharingRequestRow,
} from '../sharing/sharing-requests.ts';

const text = (max: number) => z.string().trim().min(1).max(max);
const MAX_LIST = 200;

const ZSharingRequest = z
  .object({
    id: z.string(),
    datasetId: z.string(),
    holderOrgId: z.string(),
    requesterOrgId: z.string(),
    columns: z.array(z.string()),
    duty: z.string(),
    purpose: z.string(),
    systems: z.array(z.string()),
    term: z.object({ notBefore: z.string(), notAfter: z.string() }),
    status: z.enum(SHARING_REQUEST_STATUSES),
    grantedColumns: z.array(z.string()).nullable(),
    reason: z
      .string()
      .nullable()
      .openapi({ description: 'Why it was rejected, or the basis a `none` dataset rests on' }),
    dueAt: z.string().nullable(),
    isDueOfficial: z.boolean().nullable().openapi({
      description:
        'False when the deadline crosses a year whose official holiday schedule the calendar does not hold yet',
    }),
    isOverdue: z.boolean(),
    decidedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('SharingRequest');

const out = (r: TSharingRequestRow, now: Date) => ({
  id: r.id,
  datasetId: r.datasetId,
  holderOrgId: r.holderOrgId,
  requesterOrgId: r.requesterOrgId,
  columns: r.columns,
  duty: r.duty,
  purpose: r.purpose,
  systems: r.systems,
  term: { notBefore: r.notBefore.toISOString(), notAfter: r.notAfter.toISOString() },
  status: r.status,
  grantedColumns: r.grantedColumns,
  reason: r.reason,
  dueAt: isoOrNull(r.dueAt),
  isDueOfficial: r.isDueOfficial,
  isOverdue: r.status === 'pending' && r.dueAt !== null && now > r.dueAt,
  decidedAt: isoOrNull(r.decidedAt),
  createdAt: r.createdAt.toISOString(),
});

const ZRequestBody = z.strictObject({
  dataset: z.string().min(1).max(120).openapi({ description: 'Dataset id or slug' }),
  columns: z.array(text(63)).min(1).max(200),
  duty: text(2000).openapi({ description: '履职依据: the duty the data serves' }),
  purpose: text(2000),
  systems: z.array(text(200)).min(1).max(20).openapi({ description: 'The systems that will call' }),
  term: z.strictObject({ notBefore: ZInstant, notAfter: ZInstant }),
});

const ZDecisionBody = z.discriminatedUnion('decision', [
  z.strictObject({ decision: z.literal('approve'), columns: z.array(text(63)).min(1).max(200).optional() }),
  z.strictObject({ decision: z.literal('reject'), reason: text(2000) }),
]);

export function registerSharingRoutes(app: App, deps: Deps) {
  app.openapi(
    defineRoute(['provider'], {
      method: 'post',
      path: '/v1/sharing/requests',
      tags: ['sharing'],
      summary: 'Request another department’s dataset (一站式申请)',
      description: `By the dataset’s sharing attribute: unconditional is granted at once; conditional waits for the holding department, due in ${DECISION_WORKING_DAYS} working days on China’s official calendar; none is refused with its basis. Every outcome is on the audit log.`,
      request: { body: jsonBody(ZRequestBody) },
      responses: { 201: jsonResponse(ZSharingRequest, 'The request and its outcome so far'), ...problems },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const dataset = await datasetIdOf(deps.db, body.dataset);
      const row = await requestSharing(
        deps,
        { actor: actorOf(c), requestId: c.get('requestId') },
        { ...body, dataset },
      );
      return c.json(out(row, deps.clock.now()), 201);
    },
  );

  app.openapi(
    defineRoute(['provider'], {
      method: 'post',
      path: '/v1/sharing/requests/{id}/decisions',
      tags: ['sharing'],
      summary: 'Decide a request for a dataset the department holds',
      description:
        'Approve (optionally narrowing the columns) or reject with a reason; only a pending request, only by the holding department.',
      request: { params: ZIdParam, body: jsonBody(ZDecisionBody) },
      responses: { 200: jsonResponse(ZSharingRequest, 'The decided request'), ...problems },
    }),
    async (c) => {
      const row = await decideSharingRequest(
        deps,
        { actor: actorOf(c), requestId: c.get('requestId') },
        c.req.valid('param').id,
        c.req.valid('json'),
      );
      return c.json(out(row, deps.clock.now()), 200);
    },
  );

  app.openapi(
    defineRoute(['provider', 'admin', 'regulator'], {
      method: 'get',
      path: '/v1/sharing/requests',
      tags: ['sharing'],
      summary: 'Sharing requests',
      description: `A department sees those it made (\`side=outgoing\`) or received (\`incoming\`); the authority and regulators see all. Newest first, at most ${MAX_LIST}.`,
      request: {
        query: z.strictObject({
          side: z.enum(['incoming', 'outgoing']).optional(),
          status: z.enum(SHARING_REQUEST_STATUSES).optional(),
          limit: z.coerce.number().int().min(1).max(MAX_LIST).default(50),
        }),
      },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZSharingRequest) }), 'The requests'),
        ...problems,
      },
    }),
    async (c) => {
      const rows = await listSharingRequests(deps, actorOf(c), c.req.valid('query'));
      const now = deps.clock.now();
      return c.json({ items: rows.map((r) => out(r, now)) }, 200);
    },
  );

  app.openapi(
    defineRoute(['provider', 'admin', 'regulator'], {
      method: 'get',
      path: '/v1/sharing/requests/{id}',
      tags: ['sharing'],
      summary: 'A sharing request',
      description: 'Its parties, columns, duty, systems, term, status, deadline and decision.',
      request: { params: ZIdParam },
      responses: { 200: jsonResponse(ZSharingRequest, 'The request'), ...problems },
    }),
    async (c) => {
      const row = await getSharingRequest(deps, actorOf(c), c.req.valid('param').id);
      return c.json(out(row, deps.clock.now()), 200);
    },
  );
}
