/**
 * Fixed-window request limits per caller key, in this process. Buckets are dropped once their
 * window has passed, so memory stays bounded by the callers of one window.
 */
export type RateLimiter = {
  /** Counts one request; returns the seconds to wait when over the limit, else 0. */
  hit(key: string, limit: number, nowMs: number): number;
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
      return n > limit ? Math.max(1, Math.ceil((start + windowMs - nowMs) / 1000)) : 0;
    },
  };
}
