import { type RouteConfig, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { App, AppEnv } from './env.ts';
import { toAppError } from './problem.ts';

export const ZProblem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
    instance: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

/** An error response in problem+json, for a route's own statuses beyond {@link problems}. */
export const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ZProblem } },
});

/** The error responses every route may give, in problem+json. */
export const problems = {
  400: problem('Invalid input; `errors` names each bad field'),
  401: problem('Missing, unknown, revoked or expired token'),
  403: problem('The caller’s role may not use this route'),
  404: problem('No such object, or it belongs to another org'),
  409: problem('Not allowed in the object’s current state'),
  413: problem('Body too large'),
  429: problem('Rate limit exceeded; see Retry-After'),
  503: problem('Database unavailable'),
} as const;

/** A required JSON request body: a request without one fails validation instead of skipping it. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** A date for a JSON reply, null staying null. */
export const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

const MIN_INSTANT = Date.UTC(1970, 0, 1);
const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * An ISO 8601 instant with a time zone, between 1970 and 9999 (what every stored time can be);
 * kept as the string the caller sent.
 */
export const ZInstant = z.iso
  .datetime({ offset: true, message: 'not an ISO 8601 instant with a time zone' })
  .refine((s) => {
    const t = Date.parse(s);
    return t >= MIN_INSTANT && t <= MAX_INSTANT;
  }, 'must lie between 1970 and 9999');

/** The shape of every id the platform makes (`newId`): a prefix, an underscore, base-36. */
export const ID_PATTERN = /^[a-z]+_[0-9a-z]+$/;

export const ZIdParam = z.object({
  id: z
    .string()
    .max(64)
    .regex(ID_PATTERN, 'not an id')
    .openapi({ param: { name: 'id', in: 'path' } }),
});

/**
 * A route whose request or response is not JSON (uploads, downloads, JSON-LD): described in the
 * OpenAPI document from `route`, handled by a plain handler that validates its own input.
 */
export function registerRawRoute(
  app: App,
  route: RouteConfig,
  handler: (c: Context<AppEnv>) => Promise<Response> | Response,
): void {
  const { middleware, ...doc } = route;
  app.openAPIRegistry.registerPath(doc);
  const honoPath = route.path.replace(/\{(\w+)\}/g, ':$1');
  const before = (middleware ? [middleware].flat() : []) as MiddlewareHandler<AppEnv>[];
  app.on([route.method.toUpperCase()], [honoPath], ...before, handler);
}

/** Longest long poll of a run or computation, in seconds. */
export const MAX_WAIT_S = 30;

/** `?wait=N`: a long poll until the object is no longer queued or running, at most {@link MAX_WAIT_S}. */
export const ZWaitQuery = z.strictObject({
  wait: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_WAIT_S)
    .optional()
    .openapi({ description: `Seconds to wait for it to finish (0–${MAX_WAIT_S})` }),
});

/**
 * A raw route's query string validated by hand (raw routes stream or shape their reply, so the
 * router does not validate for them): a repeated key becomes an array, as the validators see it.
 */
export function rawQuery<T extends z.ZodType>(c: Context<AppEnv>, schema: T): z.infer<T> {
  const queries = Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v]);
  const parsed = schema.safeParse(Object.fromEntries(queries));
  if (!parsed.success) throw toAppError(parsed.error, 'query');
  return parsed.data;
}
