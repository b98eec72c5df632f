import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq } from 'drizzle-orm';
import { requireRole } from '../auth/require-role.ts';
import { RUN_STATUSES, sandboxRuns, sandboxSessions } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import type { App } from '../http/env.ts';
import { bearer, isoOrNull, jsonBody, jsonResponse, problems, ZIdParam } from '../http/openapi.ts';
import { decideReview, listReviews } from '../sandbox/decide-review.ts';
import { openSession } from '../sandbox/open-session.ts';
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
    status: z.enum(RUN_STATUSES),
    errorCode: z.string().nullable(),
    errorMessage: z
      .string()
      .nullable()
      .openapi({ description: 'Dummy runs only; on real data it is held for review' }),
    logs: z.array(z.string()).nullable().openapi({ description: 'Dummy runs only' }),
    result: z.unknown().openapi({ description: 'Released result: after disclosure control or review' }),
    disclosure: z.unknown(),
    usage: z.unknown().openapi({
      description:
        '{ cpuMs, wallMs, peakHeapBytes }: dummy runs only for the operator (a script could make them depend on a row); providers reviewing a run see them',
    }),
    reviewReason: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .openapi('SandboxRun');

type TRunRow = typeof sandboxRuns.$inferSelect;
/**
 * A run as its operator sees it. On real data: no error text, no logs, and no usage either, since a
 * script can make its CPU time, duration and heap depend on a row's value (rounding them only
 * slows such a channel down). The exact usage stays in the run record, for the providers and the
 * audit log; on dummy data the operator sees it all.
 */
export const runOut = (r: TRunRow): z.infer<typeof ZRun> => ({
  ...reviewerRunOut(r),
  usage: r.target === 'dummy' ? (r.usage ?? null) : null,
});

/** A run as the providers reviewing it see it: exact usage. */
const reviewerRunOut = (r: TRunRow): z.infer<typeof ZRun> => ({
  id: r.id,
  sessionId: r.sessionId,
  contractId: r.contractId,
  target: r.target,
  status: r.status,
  errorCode: r.errorCode,
  errorMessage: r.target === 'dummy' ? r.errorMessage : null,
  logs: r.target === 'dummy' ? (r.logs ?? []) : null,
  result: r.result ?? null,
  disclosure: r.disclosure ?? null,
  usage: r.usage ?? null,
  reviewReason: r.reviewReason,
  createdAt: r.createdAt.toISOString(),
  startedAt: isoOrNull(r.startedAt),
  finishedAt: isoOrNull(r.finishedAt),
});

/** Longest long poll of a run, in seconds. */
const MAX_WAIT_S = 30;

const ZRunQuery = z.strictObject({
  wait: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_WAIT_S)
    .optional()
    .openapi({ description: `Seconds to wait for the run to finish (0–${MAX_WAIT_S})` }),
});

const ZSubmitRunBody = z
  .strictObject({
    script: z.string().min(1).max(MAX_SCRIPT_CHARS),
    params: z.unknown().optional(),
    target: z.enum(['real', 'dummy']),
    epsilon: z.number().positive().max(100).optional(),
  })
  .openapi('SubmitRunBody');

const ZReview = z
  .object({
    run: ZRun,
    script: z.string(),
    params: z.unknown(),
    held: z.unknown().openapi({ description: 'What waits for the decision: the result, logs, error text' }),
  })
  .openapi('Review');

export function registerSandboxRoutes(app: App, deps: Deps) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/sandbox/sessions',
      tags: ['sandbox'],
      summary: 'Open a sandbox session under an active contract (operator)',
      security: bearer,
      request: {
        body: jsonBody(z.strictObject({ contractId: z.string().max(64) }).openapi('OpenSessionBody')),
      },
      responses: { 201: jsonResponse(ZSession, 'The session'), ...problems },
    }),
    async (c) => {
      const actor = requireRole(c, 'operator');
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
    createRoute({
      method: 'post',
      path: '/v1/sandbox/sessions/{id}/runs',
      tags: ['sandbox'],
      summary: 'Submit a script to run on dummy or real data (operator)',
      security: bearer,
      request: { params: ZIdParam, body: jsonBody(ZSubmitRunBody) },
      responses: { 202: jsonResponse(ZRun, 'Queued'), ...problems },
    }),
    async (c) => {
      const actor = requireRole(c, 'operator');
      const run = await submitRun(
        deps,
        actor,
        c.req.valid('param').id,
        c.req.valid('json'),
        c.get('requestId'),
      );
      await deps.runEvents.queued();
      return c.json(runOut(run), 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sandbox/sessions/{id}/runs',
      tags: ['sandbox'],
      summary: 'Runs of a session, newest first (operator)',
      security: bearer,
      request: { params: ZIdParam },
      responses: { 200: jsonResponse(z.object({ items: z.array(ZRun) }), 'At most 200'), ...problems },
    }),
    async (c) => {
      const actor = requireRole(c, 'operator');
      const id = c.req.valid('param').id;
      const [session] = await deps.db.select().from(sandboxSessions).where(eq(sandboxSessions.id, id));
      if (!session || session.operatorOrgId !== actor.orgId) throw notFound('session');
      const rows = await deps.db
        .select()
        .from(sandboxRuns)
        .where(eq(sandboxRuns.sessionId, id))
        .orderBy(desc(sandboxRuns.createdAt))
        .limit(200);
      return c.json({ items: rows.map(runOut) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sandbox/runs/{id}',
      tags: ['sandbox'],
      summary: 'A run: status, released result, disclosure report, usage (operator)',
      description: `With \`wait=N\` (at most ${MAX_WAIT_S}), answers as soon as the run is no longer queued or running, or after N seconds with the run as it is then: a long poll instead of polling.`,
      security: bearer,
      request: { params: ZIdParam, query: ZRunQuery },
      responses: { 200: jsonResponse(ZRun, 'The run'), ...problems },
    }),
    async (c) => {
      const actor = requireRole(c, 'operator');
      const id = c.req.valid('param').id;
      const read = async () =>
        (
          await deps.db
            .select()
            .from(sandboxRuns)
            .where(and(eq(sandboxRuns.id, id), eq(sandboxRuns.operatorOrgId, actor.orgId)))
        )[0];
      const deadline = performance.now() + (c.req.valid('query').wait ?? 0) * 1000;
      for (;;) {
        // Subscribed before reading, so a run finishing in between is not missed.
        const left = deadline - performance.now();
        const waiter = left > 0 ? deps.runEvents.waitFinished(id, Math.min(left, 1_000)) : null;
        const run = await read();
        if (!run) throw notFound('run');
        if (!waiter || (run.status !== 'queued' && run.status !== 'running')) {
          waiter?.cancel();
          return c.json(runOut(run), 200);
        }
        await waiter.done;
      }
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/reviews',
      tags: ['sandbox'],
      summary: 'Runs on the provider’s data waiting for output review (人工审核)',
      security: bearer,
      responses: { 200: jsonResponse(z.object({ items: z.array(ZReview) }), 'At most 200'), ...problems },
    }),
    async (c) => {
      const actor = requireRole(c, 'provider');
      const rows = await listReviews(deps, actor);
      return c.json(
        {
          items: rows.map((r) => ({
            run: reviewerRunOut(r),
            script: r.script,
            params: r.params,
            held: r.held ?? null,
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/reviews/{id}',
      tags: ['sandbox'],
      summary: 'Approve (release to the operator) or reject a held run, with a reason (provider)',
      security: bearer,
      request: {
        params: ZIdParam,
        body: jsonBody(
          z
            .strictObject({
              decision: z.enum(['approve', 'reject']),
              reason: z.string().trim().min(1).max(2000),
            })
            .openapi('ReviewDecisionBody'),
        ),
      },
      responses: { 200: jsonResponse(ZRun, 'The run after the decision'), ...problems },
    }),
    async (c) => {
      const actor = requireRole(c, 'provider');
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
