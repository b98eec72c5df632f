import { z } from '@hono/zod-openapi';
import type { TActor } from '../auth/actor.ts';
import { datasetIdOf } from '../catalogue/dataset-ref.ts';
import { DEFAULT_DAILY_CALLS, SHARING_REQUEST_STATUSES } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { actorOf, defineRoute, type TAccess } from '../http/access.ts';
import type { App } from '../http/env.ts';
import { isoOrNull, jsonBody, jsonResponse, problems, ZIdParam, ZInstant } from '../http/openapi.ts';
import {
  DECISION_WORKING_DAYS,
  decideSharingRequest,
  getSharingRequest,
  listSharingRequests,
  objectToRefusal,
  requestSharing,
  revokeGrant,
  ruleOnObjection,
  type TSharingRequestRow,
  urgeSharingRequest,
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
    isOverdue: z.boolean().openapi({ description: 'Pending past its deadline: escalated to the authority' }),
    decidedAt: z.string().nullable(),
    dailyCalls: z.number().int().openapi({ description: 'Calls a grant allows per day (China time)' }),
    urgeCount: z.number().int().openapi({ description: 'Reminders the authority sent the holder' }),
    objection: z.string().nullable().openapi({ description: 'The requester’s objection to a refusal' }),
    ruling: z.string().nullable().openapi({ description: 'The authority’s ruling on the objection' }),
    revokedAt: z.string().nullable(),
    revokeReason: z.string().nullable(),
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
  dailyCalls: r.dailyCalls,
  urgeCount: r.urgeCount,
  objection: r.objection,
  ruling: r.ruling,
  revokedAt: isoOrNull(r.revokedAt),
  revokeReason: r.revokeReason,
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

const ZColumns = z.array(text(63)).min(1).max(200);
const ZDailyCalls = z
  .number()
  .int()
  .min(1)
  .max(10_000_000)
  .optional()
  .openapi({
    description: `Calls the grant allows per day (China time); ${DEFAULT_DAILY_CALLS} by default`,
  });

const ZDecisionBody = z.discriminatedUnion('decision', [
  z.strictObject({ decision: z.literal('approve'), columns: ZColumns.optional(), dailyCalls: ZDailyCalls }),
  z.strictObject({ decision: z.literal('reject'), reason: text(2000) }),
]);

const ZRulingBody = z.discriminatedUnion('ruling', [
  z.strictObject({
    ruling: z.literal('grant'),
    reason: text(2000),
    columns: ZColumns.optional(),
    dailyCalls: ZDailyCalls,
  }),
  z.strictObject({ ruling: z.literal('uphold'), reason: text(2000) }),
]);

/** A route that acts on one request with a JSON body and answers it. */
function requestAction<B extends z.ZodType>(
  app: App,
  deps: Deps,
  who: TAccess,
  path: string,
  summary: string,
  description: string,
  body: B,
  act: (
    call: { actor: TActor; requestId: string },
    id: string,
    body: z.infer<B>,
  ) => Promise<TSharingRequestRow>,
) {
  app.openapi(
    defineRoute(who, {
      method: 'post',
      path: `/v1/sharing/requests/{id}/${path}`,
      tags: ['sharing'],
      summary,
      description,
      request: { params: ZIdParam, body: jsonBody(body) },
      responses: { 200: jsonResponse(ZSharingRequest, 'The request'), ...problems },
    }),
    async (c) => {
      // The generic route loses the validators' types; both ran, so the values have these shapes.
      const { id } = c.req.valid('param' as never) as { id: string };
      const row = await act(
        { actor: actorOf(c), requestId: c.get('requestId') },
        id,
        c.req.valid('json' as never) as z.infer<B>,
      );
      return c.json(out(row, deps.clock.now()), 200);
    },
  );
}

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

  requestAction(
    app,
    deps,
    ['provider', 'admin'],
    'decisions',
    'Decide a request',
    'Approve (optionally narrowing the columns and setting the daily calls) or reject with a reason; only a pending request. The holding department decides; once it is overdue, the authority may decide in its place.',
    ZDecisionBody,
    (call, id, body) => decideSharingRequest(deps, call, id, body),
  );
  requestAction(
    app,
    deps,
    ['admin'],
    'urge',
    'Urge the holder of an overdue request (督办)',
    'Only a pending request past its deadline; the reminders are counted on the request and on the log.',
    z.strictObject({ note: text(2000) }),
    (call, id, body) => urgeSharingRequest(deps, call, id, body.note),
  );
  requestAction(
    app,
    deps,
    ['provider'],
    'objections',
    'Object to a refusal',
    'The requesting department objects, once, to the refusal of a dataset that is not shared; the authority then arbitrates.',
    z.strictObject({ objection: text(2000) }),
    (call, id, body) => objectToRefusal(deps, call, id, body.objection),
  );
  requestAction(
    app,
    deps,
    ['admin'],
    'rulings',
    'Arbitrate an objection',
    'The authority grants the request (the columns it names, at most those requested) or upholds the refusal for good, with its reason.',
    ZRulingBody,
    (call, id, body) => ruleOnObjection(deps, call, id, body),
  );
  requestAction(
    app,
    deps,
    ['provider', 'admin'],
    'revocation',
    'Revoke a grant',
    'The holding department or the authority withdraws a grant; every later call through it is refused with GRANT_REVOKED and logged.',
    z.strictObject({ reason: text(2000) }),
    (call, id, body) => revokeGrant(deps, call, id, body.reason),
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
          overdue: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional()
            .openapi({
              description: 'true: pending past the deadline, the escalation queue',
            }),
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
