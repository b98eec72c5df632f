import { getConnInfo } from '@hono/node-server/conninfo';
import type { MiddlewareHandler } from 'hono';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { AppEnv } from './env.ts';

/** Anonymous callers are limited per address, token holders per token, at a higher rate. */
export function rateLimit(deps: Deps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const actor = c.get('actor');
    const limits = deps.settings.rateLimits;
    let key: string;
    if (actor) key = `t:${actor.tokenId}`;
    else {
      let address = 'unknown';
      try {
        address = getConnInfo(c).remote.address ?? 'unknown';
      } catch {
        // app.request() in tests has no socket; all such callers share one bucket.
      }
      key = `a:${address}`;
    }
    const wait = deps.rateLimiter.hit(
      key,
      actor ? limits.token : limits.anonymous,
      deps.clock.now().getTime(),
    );
    if (wait > 0) {
      throw new AppError(
        'RATE_LIMITED',
        actor
          ? `at most ${limits.token} requests a minute per token`
          : `at most ${limits.anonymous} requests a minute without a token; a token raises the limit`,
        { retryAfter: wait },
      );
    }
    return next();
  };
}
