import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { DEMAND_EVENT_KINDS, DEMAND_STATUSES } from '../db/schema/index.ts';
import { answerDemand } from '../demands/answer-demand.ts';
import { claimDemand, routeDemand } from '../demands/assign-demand.ts';
import { fileDemand } from '../demands/file-demand.ts';
import { canSeeContact, getDemand, listDemands, type TDemandEvent } from '../demands/read-demands.ts';
import { ANSWER_WORKING_DAYS, type TBoardDemand } from '../demands/record-demand-change.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { actorOf, defineRoute } from '../http/access.ts';
import type { App, AppEnv } from '../http/env.ts';
import { ID_PATTERN, isoOrNull, jsonBody, jsonResponse, problems, ZIdParam } from '../http/openapi.ts';
import { createRateLimiter } from '../http/rate-limit.ts';
import { addressOf } from '../http/rate-limit-middleware.ts';

const text = (max: number) => z.string().trim().min(1).max(max);
const BOARD_MAX_LIMIT = 100;

/** An e-mail address or a phone number (digits, optionally a leading +, spaces and dashes). */
const ZContact = z
  .string()
  .trim()
  .max(254)
  .refine(
    (s) => /^[^\s@]+@[^\s@]+\.[^\s@.]+$/.test(s) || /^\+?[0-9][0-9 -]{5,22}[0-9]$/.test(s),
    'not an e-mail address or a phone number',
  )
  .openapi({
    description: 'An e-mail address or phone number; only the authority and the department see it',
  });

const ZOrg = z.object({ id: z.string(), name: z.string() }).nullable();

const ZDemand = z
  .object({
    id: z.string(),
    title: z.string(),
    purpose: z.string(),
    suggestedHolder: z.string().nullable(),
    status: z.enum(DEMAND_STATUSES),
    assignedOrg: ZOrg.openapi({ description: 'The department it is with' }),
    routedAt: z.string().nullable(),
    claimedAt: z.string().nullable(),
    dueAt: z.string().nullable(),
    isDueOfficial: z.boolean().nullable().openapi({
      description:
        'False when the deadline crosses a year whose official holiday schedule the calendar does not hold yet',
    }),
    isOverdue: z.boolean(),
    answeredAt: z.string().nullable(),
    datasetId: z.string().nullable().openapi({ description: 'The published dataset that fulfils it' }),
    plannedFor: z.string().nullable().openapi({ description: 'The day the data is planned for, YYYY-MM-DD' }),
    reason: z.string().nullable().openapi({ description: 'Why it was refused' }),
    createdAt: z.string(),
  })
  .openapi('Demand');

const ZDemandEvent = z
  .object({
    kind: z.enum(DEMAND_EVENT_KINDS),
    org: ZOrg,
    at: z.string(),
    dueAt: z.string().nullable(),
    datasetId: z.string().nullable(),
    plannedFor: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .openapi('DemandEvent');

const ZDemandDetail = ZDemand.extend({
  contact: z.string().nullable().optional().openapi({
    description: 'Present only for the authority, the department the demand is with, and the filer',
  }),
  history: z.array(ZDemandEvent),
}).openapi('DemandDetail');

const org = (id: string | null, name: string | null) => (id ? { id, name: name ?? '' } : null);

const out = (d: TBoardDemand, now: Date) => ({
  id: d.id,
  title: d.title,
  purpose: d.purpose,
  suggestedHolder: d.suggestedHolder,
  status: d.status,
  assignedOrg: org(d.assignedOrgId, d.assignedOrgName),
  routedAt: isoOrNull(d.routedAt),
  claimedAt: isoOrNull(d.claimedAt),
  dueAt: isoOrNull(d.dueAt),
  isDueOfficial: d.isDueOfficial,
  isOverdue: (d.status === 'routed' || d.status === 'claimed') && d.dueAt !== null && now > d.dueAt,
  answeredAt: isoOrNull(d.answeredAt),
  datasetId: d.datasetId,
  plannedFor: d.plannedFor,
  reason: d.reason,
  createdAt: d.createdAt.toISOString(),
});

const eventOut = (e: TDemandEvent) => ({
  kind: e.kind,
  org: org(e.orgId, e.orgName),
  at: e.at.toISOString(),
  dueAt: isoOrNull(e.dueAt),
  datasetId: e.datasetId,
  plannedFor: e.plannedFor,
  reason: e.reason,
});

const ZFileBody = z
  .strictObject({
    title: text(200).openapi({ description: 'What data is wanted' }),
    purpose: text(2000).openapi({ description: 'What it is wanted for' }),
    suggestedHolder: text(200).optional().openapi({ description: 'Who may hold it, if the filer knows' }),
    contact: ZContact.optional().openapi({ description: 'Required without a token' }),
  })
  .openapi('DemandBody');

const ZFiled = ZDemand.extend({
  followToken: z.string().nullable().openapi({
    description:
      'For a filer without a token: shown this once, it reads the notifications (`GET /v1/notifications?follow=`)',
  }),
}).openapi('FiledDemand');

const ZAnswerBody = z
  .discriminatedUnion('outcome', [
    z.strictObject({
      outcome: z.literal('fulfilled'),
      dataset: z.string().min(1).max(120).openapi({ description: 'A published dataset’s id or slug' }),
    }),
    z.strictObject({
      outcome: z.literal('planned'),
      plannedFor: z.iso.date().openapi({ description: 'A day after today, YYYY-MM-DD' }),
    }),
    z.strictObject({ outcome: z.literal('refused'), reason: text(2000) }),
  ])
  .openapi('DemandAnswerBody');

const ZRouteBody = z
  .strictObject({
    org: z.string().max(64).regex(ID_PATTERN, 'not an id').openapi({ description: 'The department' }),
  })
  .openapi('DemandRouteBody');

export function registerDemandRoutes(app: App, deps: Deps) {
  const call = (c: Context<AppEnv>) => ({ actor: actorOf(c), requestId: c.get('requestId') });
  // Anonymous filings write rows no one answers for: an address files as many an hour as it
  // may send requests a minute.
  const filings = createRateLimiter(3_600_000);
  const limitAnonymousFilings = (c: Context<AppEnv>) => {
    const limit = deps.settings.rateLimits.anonymous;
    const { wait } = filings.hit(`a:${addressOf(c)}`, limit, deps.clock.now().getTime());
    if (wait > 0) {
      throw new AppError(
        'RATE_LIMITED',
        `at most ${limit} demands an hour without a token; a token lifts it`,
        {
          retryAfter: wait,
        },
      );
    }
  };

  app.openapi(
    defineRoute('anyone', {
      method: 'post',
      path: '/v1/demands',
      tags: ['demands'],
      summary: 'File a demand for data (需求清单)',
      description:
        'What data is wanted, for what, and who may hold it. Without a token a contact is required, a follow token is returned once, and an address may file as many demands an hour as it may send requests a minute; the contact is never shown on the board.',
      request: { body: jsonBody(ZFileBody) },
      responses: { 201: jsonResponse(ZFiled, 'The demand, open on the board'), ...problems },
    }),
    async (c) => {
      if (!c.get('actor')) limitAnonymousFilings(c);
      const { demand, followToken } = await fileDemand(
        deps,
        { actor: c.get('actor'), requestId: c.get('requestId') },
        c.req.valid('json'),
      );
      return c.json({ ...out({ ...demand, assignedOrgName: null }, deps.clock.now()), followToken }, 201);
    },
  );

  app.openapi(
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/demands',
      tags: ['demands'],
      summary: 'The demand board',
      description: `Demands newest first, by status or by the department they are with (\`org\`); no contact details. At most ${BOARD_MAX_LIMIT} a page.`,
      request: {
        query: z.strictObject({
          status: z.enum(DEMAND_STATUSES).optional(),
          org: z.string().max(64).regex(ID_PATTERN, 'not an id').optional(),
          limit: z.coerce
            .number()
            .int()
            .min(1)
            .max(BOARD_MAX_LIMIT)
            .default(20)
            .openapi({ description: `Page size, at most ${BOARD_MAX_LIMIT}` }),
          offset: z.coerce.number().int().min(0).max(100_000).default(0),
        }),
      },
      responses: {
        200: jsonResponse(
          z.object({
            items: z.array(ZDemand),
            page: z.object({
              limit: z.number(),
              maxLimit: z.number(),
              offset: z.number(),
              total: z.number(),
            }),
          }),
          'A page of the board',
        ),
        ...problems,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const { items, total } = await listDemands(deps, q);
      const now = deps.clock.now();
      return c.json(
        {
          items: items.map((d) => out(d, now)),
          page: { limit: q.limit, maxLimit: BOARD_MAX_LIMIT, offset: q.offset, total },
        },
        200,
      );
    },
  );

  app.openapi(
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/demands/{id}',
      tags: ['demands'],
      summary: 'A demand and its history',
      description:
        'Its status, the department it is with, the deadline and the answer, and every change with the department it concerned. The contact only for the authority, that department and the filer.',
      request: { params: ZIdParam },
      responses: { 200: jsonResponse(ZDemandDetail, 'The demand'), ...problems },
    }),
    async (c) => {
      const { demand, history } = await getDemand(deps, c.req.valid('param').id);
      const contact = canSeeContact(c.get('actor'), demand) ? { contact: demand.contact } : {};
      return c.json({ ...out(demand, deps.clock.now()), ...contact, history: history.map(eventOut) }, 200);
    },
  );

  app.openapi(
    defineRoute(['admin'], {
      method: 'post',
      path: '/v1/demands/{id}/route',
      tags: ['demands'],
      summary: 'Route a demand to a department',
      description: `The department has ${ANSWER_WORKING_DAYS} working days on China’s official calendar to answer. An unanswered demand may be routed again (a wrong or an overdue department); the deadline starts again.`,
      request: { params: ZIdParam, body: jsonBody(ZRouteBody) },
      responses: { 200: jsonResponse(ZDemand, 'The routed demand'), ...problems },
    }),
    async (c) => {
      const row = await routeDemand(deps, call(c), c.req.valid('param').id, c.req.valid('json').org);
      return c.json(out(row, deps.clock.now()), 200);
    },
  );

  app.openapi(
    defineRoute(['provider'], {
      method: 'post',
      path: '/v1/demands/{id}/claim',
      tags: ['demands'],
      summary: 'Take up an open demand for the department',
      description: `The department answers within ${ANSWER_WORKING_DAYS} working days, as if routed to it. A demand already with a department is a conflict (409).`,
      request: { params: ZIdParam },
      responses: { 200: jsonResponse(ZDemand, 'The claimed demand'), ...problems },
    }),
    async (c) => {
      const row = await claimDemand(deps, call(c), c.req.valid('param').id);
      return c.json(out(row, deps.clock.now()), 200);
    },
  );

  app.openapi(
    defineRoute(['provider'], {
      method: 'post',
      path: '/v1/demands/{id}/answers',
      tags: ['demands'],
      summary: 'Answer a demand the department has',
      description:
        'Fulfilled by a published dataset, planned for a later day, or refused with a reason; only by the department the demand is with (403 for another). Final, except that a planned demand may later be fulfilled.',
      request: { params: ZIdParam, body: jsonBody(ZAnswerBody) },
      responses: { 200: jsonResponse(ZDemand, 'The answered demand'), ...problems },
    }),
    async (c) => {
      const row = await answerDemand(deps, call(c), c.req.valid('param').id, c.req.valid('json'));
      return c.json(out(row, deps.clock.now()), 200);
    },
  );
}
