import { z } from '@hono/zod-openapi';
import { RUN_KINDS, RUN_STATUSES } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { actorOf, defineRoute } from '../http/access.ts';
import type { App } from '../http/env.ts';
import {
  isoOrNull,
  jsonBody,
  jsonResponse,
  MAX_WAIT_S,
  problems,
  ZIdParam,
  ZWaitQuery,
} from '../http/openapi.ts';
import { decideReview, listReviews } from '../sandbox/decide-review.ts';
import { isHeldRun } from '../sandbox/execute-run.ts';
import { openSession } from '../sandbox/open-session.ts';
import { listSessionRuns, type TRunRow, waitForRun } from '../sandbox/read-runs.ts';
import { submitRun } from '../sandbox/submit-run.ts';

const MAX_SCRIPT_CHARS = 256 * 1024;

const ZSession = z
  .object({ id: z.string(), contractId: z.string(), createdAt: z.string(), datasets: z.array(z.unknown()) })
  .openapi('SandboxSession');

const ZRun = z
  .object({
    id: z.string(),
    sessionId: z.string(),
    contractId: z.string(),
    target: z.enum(['real', 'dummy']),
    kind: z.enum(RUN_KINDS).openapi({
      description:
        '`aggregate`: the script ran on dummy tables, its aggregates were computed on the real rows and released under disclosure control; `rows`: it ran on the real rows and its output is held for review',
    }),
    status: z.enum(RUN_STATUSES),
    errorCode: z.string().nullable(),
    errorMessage: z.string().nullable().openapi({
      description: 'Of the script on dummy data (and of the release); a row run’s is held for review',
    }),
    logs: z.array(z.string()).nullable().openapi({ description: 'Null for a row run on real data' }),
    result: z.unknown().openapi({ description: 'Released result: after disclosure control or review' }),
    disclosure: z.unknown(),
    usage: z.unknown().openapi({
      description:
        '{ cpuMs, wallMs, peakHeapBytes } of the script: null for a row run on real data (a script can make them depend on a row); providers reviewing it see them',
    }),
    epsilon: z.number().nullable().openapi({ description: 'The run’s epsilon (real runs)' }),
    epsilonCharged: z.number().openapi({
      description:
        'Taken from the budget: by the statistics an aggregate run released that were not asked before, or reserved by a row run',
    }),
    holdReason: z.string().nullable().openapi({ description: 'Why the output waits for review' }),
    reviewReason: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .openapi('SandboxRun');

const HOLD_REASON =
  'a row run reads real rows, so everything it produces waits until every provider whose data it read has reviewed it';

/**
 * A run as its operator sees it. A row run on real data shows no error text, logs or usage (a
 * script can make them depend on a row), and shows as running until the time its outcome may
 * appear, which does not depend on how it went. Everything else of an aggregate run came from
 * dummy data or from disclosure control, and is shown.
 */
export const runOut = (r: TRunRow, now: Date): z.infer<typeof ZRun> => {
  const out = reviewerRunOut(r);
  if (!isHeldRun(r)) return out;
  const isShown = r.visibleAt === null || now >= r.visibleAt;
  const status = !isShown && r.status !== 'queued' ? 'running' : r.status;
  const isOpen = status === 'succeeded';
  return {
    ...out,
    status,
    errorCode: isOpen ? r.errorCode : null,
    errorMessage: isOpen ? r.errorMessage : null,
    logs: isOpen ? (r.logs ?? []) : null,
    usage: null,
    holdReason: status === 'pending_review' ? HOLD_REASON : null,
    finishedAt: isShown ? isoOrNull(r.visibleAt ?? r.finishedAt) : null,
  };
};

/** A run as the providers reviewing it see it: exact usage. */
const reviewerRunOut = (r: TRunRow): z.infer<typeof ZRun> => ({
  id: r.id,
  sessionId: r.sessionId,
  contractId: r.contractId,
  target: r.target,
  kind: r.kind,
  status: r.status,
  errorCode: r.errorCode,
  errorMessage: r.errorMessage,
  logs: r.logs ?? [],
  result: r.result ?? null,
  disclosure: r.disclosure ?? null,
  usage: r.usage ?? null,
  epsilon: r.epsilon,
  epsilonCharged: r.epsilonCharged,
  holdReason: r.status === 'pending_review' ? HOLD_REASON : null,
  reviewReason: r.reviewReason,
  createdAt: r.createdAt.toISOString(),
  startedAt: isoOrNull(r.startedAt),
  finishedAt: isoOrNull(r.finishedAt),
});

const ZSubmitRunBody = z
  .strictObject({
    script: z.string().min(1).max(MAX_SCRIPT_CHARS),
    params: z.unknown().optional(),
    target: z.enum(['real', 'dummy']),
    kind: z.enum(RUN_KINDS).optional().openapi({
      description:
        '`aggregate` (default): the script runs on dummy tables and its aggregates are released at once under disclosure control; `rows`: it runs on the real rows and its output waits for review',
    }),
    epsilon: z.number().positive().max(100).optional().openapi({
      description: 'Epsilon of the run (default: the contract’s epsilonPerRun)',
    }),
    cpuMs: z.number().int().min(1).max(3_600_000).optional().openapi({
      description:
        'CPU limit of the run, at most the contract’s maxCpuMsPerRun; a row run’s outcome appears after twice this and a grace period',
    }),
  })
  .openapi('SubmitRunBody');

const ZReview = z
  .object({
    run: ZRun,
    script: z.string(),
    params: z.unknown(),
    held: z.unknown().openapi({
      description:
        'What waits for the decision: the result with exact aggregates, the result as approval releases it (aggregates under disclosure control), the tables read, the automatic findings, error text and logs',
    }),
    decisions: z.array(
      z.object({
        orgId: z.string(),
        decision: z.enum(['approve', 'reject']),
        reason: z.string(),
        decidedAt: z.string(),
      }),
    ),
    reviewers: z.array(z.string()).openapi({ description: 'Every provider org that must approve' }),
  })
  .openapi('Review');

export function registerSandboxRoutes(app: App, deps: Deps) {
  app.openapi(
    defineRoute(['operator'], {
      method: 'post',
      path: '/v1/sandbox/sessions',
      tags: ['sandbox'],
      summary: 'Open a sandbox session under an active contract (operator)',
      description:
        'A session groups runs under one active contract that licenses `sandbox`; the contract is checked now and again at every run.',
      request: {
        body: jsonBody(z.strictObject({ contractId: z.string().max(64) }).openapi('OpenSessionBody')),
      },
      responses: { 201: jsonResponse(ZSession, 'The session'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { session, payload } = await openSession(
        deps,
        actor,
        c.req.valid('json').contractId,
        c.get('requestId'),
      );
      return c.json(
        {
          id: session.id,
          contractId: session.contractId,
          createdAt: session.createdAt.toISOString(),
          datasets: payload.datasets,
        },
        201,
      );
    },
  );

  app.openapi(
    defineRoute(['operator'], {
      method: 'post',
      path: '/v1/sandbox/sessions/{id}/runs',
      tags: ['sandbox'],
      summary: 'Submit a script to run on dummy or real data (operator)',
      description:
        'Queues a script (202). `target: dummy` runs on tables made from the schema and spends nothing; `real` takes one of the day’s runs and privacy budget. `kind: aggregate` (default) releases aggregates at once under disclosure control; `rows` holds everything for the providers’ review. See sandbox/README.md.',
      request: { params: ZIdParam, body: jsonBody(ZSubmitRunBody) },
      responses: { 202: jsonResponse(ZRun, 'Queued'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      const run = await submitRun(
        deps,
        actor,
        c.req.valid('param').id,
        c.req.valid('json'),
        c.get('requestId'),
      );
      await deps.runEvents.queued();
      return c.json(runOut(run, deps.clock.now()), 202);
    },
  );

  app.openapi(
    defineRoute(['operator'], {
      method: 'get',
      path: '/v1/sandbox/sessions/{id}/runs',
      tags: ['sandbox'],
      summary: 'Runs of a session, newest first (operator)',
      description: 'Newest first, at most 200, as `GET /v1/sandbox/runs/{id}` shows each.',
      request: { params: ZIdParam },
      responses: { 200: jsonResponse(z.object({ items: z.array(ZRun) }), 'At most 200'), ...problems },
    }),
    async (c) => {
      const rows = await listSessionRuns(deps, actorOf(c), c.req.valid('param').id);
      return c.json({ items: rows.map((r) => runOut(r, deps.clock.now())) }, 200);
    },
  );

  app.openapi(
    defineRoute(['operator'], {
      method: 'get',
      path: '/v1/sandbox/runs/{id}',
      tags: ['sandbox'],
      summary: 'A run: status, released result, disclosure report, usage (operator)',
      description: `With \`wait=N\` (at most ${MAX_WAIT_S}), answers as soon as the run is no longer queued or running, or after N seconds with the run as it is then: a long poll instead of polling.`,
      request: { params: ZIdParam, query: ZWaitQuery },
      responses: { 200: jsonResponse(ZRun, 'The run'), ...problems },
    }),
    async (c) => {
      const isSettled = (run: TRunRow) => {
        const status = runOut(run, deps.clock.now()).status;
        return status !== 'queued' && status !== 'running';
      };
      const wait = c.req.valid('query').wait ?? 0;
      const run = await waitForRun(deps, actorOf(c), c.req.valid('param').id, wait, isSettled);
      return c.json(runOut(run, deps.clock.now()), 200);
    },
  );

  app.openapi(
    defineRoute(['provider'], {
      method: 'get',
      path: '/v1/reviews',
      tags: ['sandbox'],
      summary: 'Row runs that read the provider’s data and wait for its review (人工审核)',
      description:
        'Held row runs on this provider’s data that it has not decided yet: the script, what it touched, the held output and the automatic disclosure findings.',
      responses: { 200: jsonResponse(z.object({ items: z.array(ZReview) }), 'At most 200'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      const items = await listReviews(deps, actor);
      return c.json(
        {
          items: items.map(({ run: r, decisions }) => ({
            run: reviewerRunOut(r),
            script: r.script,
            params: r.params,
            held: r.held ?? null,
            decisions: decisions.map((d) => ({
              orgId: d.orgId,
              decision: d.decision,
              reason: d.reason,
              decidedAt: d.decidedAt.toISOString(),
            })),
            reviewers: r.reviewOrgIds,
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    defineRoute(['provider'], {
      method: 'post',
      path: '/v1/reviews/{id}',
      tags: ['sandbox'],
      summary:
        'Approve or reject a held run, with a reason (provider); it is released once every provider whose data it read approved',
      description:
        '`approve` (reason optional) or `reject` (reason required). A rejection gives the run’s reserved epsilon back to the budget. Logged with the reason.',
      request: {
        params: ZIdParam,
        body: jsonBody(
          z
            .discriminatedUnion('decision', [
              z.strictObject({
                decision: z.literal('approve'),
                reason: z.string().trim().max(2000).optional(),
              }),
              z.strictObject({ decision: z.literal('reject'), reason: z.string().trim().min(1).max(2000) }),
            ])
            .openapi('ReviewDecisionBody'),
        ),
      },
      responses: { 200: jsonResponse(ZRun, 'The run after the decision'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      const run = await decideReview(
        deps,
        actor,
        c.req.valid('param').id,
        c.req.valid('json'),
        c.get('requestId'),
      );
      return c.json(reviewerRunOut(run), 200);
    },
  );
}
