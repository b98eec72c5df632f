import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { AppEnv } from './env.ts';
import { problemResponse } from './problem.ts';

/** The caller's network address, as the limits of anonymous callers key it. */
export function addressOf(c: Context<AppEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // app.request() in tests has no socket; all such callers share one bucket.
    return 'unknown';
  }
}

/**
 * Anonymous callers are limited per address, token holders per token, at a higher rate; every
 * answer says where the caller stands. `/v1/health` is not limited: load balancers poll it.
 */
export function rateLimit(deps: Deps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.path === '/v1/health') return next();
    const actor = c.get('actor');
    const limits = deps.settings.rateLimits;
    let key: string;
    if (actor) key = `t:${actor.tokenId}`;
    else key = `a:${addressOf(c)}`;
    const limit = actor ? limits.token : limits.anonymous;
    const { remaining, resetS, wait } = deps.rateLimiter.hit(key, limit, deps.clock.now().getTime());
    // draft-ietf-httpapi-ratelimit-headers: on every answer, refusals included.
    const headers = {
      'ratelimit-limit': String(limit),
      'ratelimit-remaining': String(remaining),
      'ratelimit-reset': String(resetS),
    };
    if (wait > 0) {
      const refusal = new AppError(
        'RATE_LIMITED',
        actor
          ? `at most ${limits.token} requests a minute per token`
          : `at most ${limits.anonymous} requests a minute without a token; a token raises the limit`,
        { retryAfter: wait },
      );
      return problemResponse(c, refusal, { 'retry-after': String(wait), ...headers });
    }
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
}
