/**
 * Fixed-window request limits per caller key, in this process. Not shared between API processes:
 * the embedded database serves one process anyway, and on a server a shared counter would cost a
 * write per request; several processes behind a balancer each enforce the limit, so a caller may
 * reach it once per process. Buckets are dropped once their
 * window has passed, so memory stays bounded by the callers of one window.
 */
export type TRateLimitHit = {
  /** Requests left in the window after this one (0 when over the limit). */
  remaining: number;
  /** Seconds until the window resets. */
  resetS: number;
  /** Seconds to wait when over the limit, else 0. */
  wait: number;
};

export type RateLimiter = {
  /** Counts one request against `limit` a window. */
  hit(key: string, limit: number, nowMs: number): TRateLimitHit;
};

export function createRateLimiter(windowMs = 60_000): RateLimiter {
  let windowStart = 0;
  let counts = new Map<string, number>();
  return {
    hit(key, limit, nowMs) {
      const start = nowMs - (nowMs % windowMs);
      if (start !== windowStart) {
        windowStart = start;
        counts = new Map();
      }
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      const resetS = Math.max(1, Math.ceil((start + windowMs - nowMs) / 1000));
      return { remaining: Math.max(0, limit - n), resetS, wait: n > limit ? resetS : 0 };
    },
  };
}
