import { expect } from 'vitest';

/** A 503 DATABASE_UNAVAILABLE problem with a Retry-After, as every caller must get in an outage. */
export async function expectUnavailable(res: Response) {
  const text = await res.text();
  expect(res.status, text).toBe(503);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(JSON.parse(text).code).toBe('DATABASE_UNAVAILABLE');
}

/**
 * Sends until the answer is neither 503 nor 409 INGEST_IN_PROGRESS, waiting between tries as the
 * answer's Retry-After says (a second when it says nothing), as a well-behaved client does.
 */
export async function retrying(send: () => Promise<Response>, deadlineMs = 60_000): Promise<Response> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const res = await send();
    const isBusy =
      res.status === 503 || (res.status === 409 && (await res.clone().json()).code === 'INGEST_IN_PROGRESS');
    if (!isBusy || Date.now() > deadline) return res;
    await res.text();
    const after = Number(res.headers.get('retry-after') ?? 1);
    await new Promise((r) => setTimeout(r, Math.min(after, 5) * 1000));
  }
}

/** `promise`, or a failure naming `what` after `ms`: a hang fails the test instead of stalling it. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
