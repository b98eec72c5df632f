import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { TActor } from '../auth/actor.ts';
import { ROLES, type TRole } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import type { AppEnv } from './env.ts';
import { rejectUnstorableText } from './text-guard.ts';

/** Who may call a route: anyone (a token is optional), any signed-in user, or the listed roles. */
export type TAccess = 'anyone' | 'signed-in' | readonly TRole[];

/** The callers a route admits, as the OpenAPI document shows them in `x-enclave-access`. */
export const admitted = (who: TAccess): ('anonymous' | TRole)[] =>
  who === 'anyone' ? ['anonymous', ...ROLES] : who === 'signed-in' ? [...ROLES] : [...who];

/**
 * Middleware that decides access before anything else runs for the route: 401 without a token,
 * 403 for a role the route does not admit. The router runs it ahead of the request's validation,
 * so a caller who may not use a route learns nothing about its input.
 */
export function allow(who: TAccess): MiddlewareHandler<AppEnv> {
  const roles = admitted(who);
  return async (c, next) => {
    if (who === 'anyone') return next();
    const actor = c.get('actor');
    if (!actor) throw new AppError('UNAUTHENTICATED', 'this route needs a token');
    if (!roles.includes(actor.role)) {
      throw new AppError('FORBIDDEN', `this route is for ${roles.join(' or ')}; the caller is ${actor.role}`);
    }
    return next();
  };
}

const accessSentence = (who: TAccess) =>
  who === 'anyone'
    ? 'Access: anyone; a token is optional and may show more.'
    : who === 'signed-in'
      ? 'Access: any signed-in user.'
      : `Access: ${who.join(', ')}.`;

/** Largest JSON request body a route takes unless it declares otherwise. */
export const JSON_BODY_LIMIT = 1024 * 1024;

const limitBody = (maxBytes: number): MiddlewareHandler<AppEnv> =>
  bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError(
        'PAYLOAD_TOO_LARGE',
        `request bodies of this route are limited to ${maxBytes} bytes`,
      );
    },
  });

export type TRouteLimits = {
  /** Largest body in bytes (default {@link JSON_BODY_LIMIT}); null for a streamed upload that limits itself. */
  maxBodyBytes?: number | null;
};

/**
 * A route declared with who may call it and how large a body it takes: the access check runs as
 * route middleware before anything reads the request (then the body limit, then text no column
 * can store is refused, then the route validates),
 * and the OpenAPI document shows it (`security`, `x-enclave-access` and a sentence in
 * the description).
 */
export function defineRoute<P extends string, R extends Omit<RouteConfig, 'path'> & { path: P }>(
  who: TAccess,
  route: R,
  limits: TRouteLimits = {},
) {
  const maxBodyBytes = limits.maxBodyBytes === undefined ? JSON_BODY_LIMIT : limits.maxBodyBytes;
  return createRoute({
    ...route,
    middleware: [
      allow(who),
      ...(maxBodyBytes === null ? [] : [limitBody(maxBodyBytes)]),
      rejectUnstorableText,
    ],
    ...(who === 'anyone' ? {} : { security: [{ bearer: [] }] }),
    description: [route.description, accessSentence(who)].filter(Boolean).join('\n\n'),
    'x-enclave-access': admitted(who),
    ...(maxBodyBytes === null ? {} : { 'x-enclave-max-body-bytes': maxBodyBytes }),
  });
}

/** The caller of a route whose declaration requires a token (its middleware has checked). */
export function actorOf(c: Context<AppEnv>): TActor {
  const actor = c.get('actor');
  if (!actor) throw new AppError('UNAUTHENTICATED', 'this route needs a token');
  return actor;
}
