import type { Context, MiddlewareHandler } from 'hono';
import { invalid, type TFieldError } from '../errors.ts';
import type { AppEnv } from './env.ts';

const MESSAGE = 'text may not hold NUL (U+0000) or an unpaired surrogate';

/** Text PostgreSQL can store and the audit log can canonicalise. */
const isStorable = (s: string) => s.isWellFormed() && !s.includes('\u0000');

const MAX_DEPTH = 64;

function collect(value: unknown, path: string, out: TFieldError[], depth = 0): void {
  if (out.length >= 20) return;
  if (depth > MAX_DEPTH) {
    out.push({ path, message: `nested deeper than ${MAX_DEPTH} levels` });
    return;
  }
  if (typeof value === 'string') {
    if (!isStorable(value)) out.push({ path, message: MESSAGE });
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) collect(v, `${path}.${i}`, out, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (!isStorable(k))
        out.push({ path: `${path}.${k.toWellFormed().replaceAll('\u0000', '\\0')}`, message: MESSAGE });
      collect(v, `${path}.${k}`, out, depth + 1);
    }
  }
}

const isJson = (c: Context) => /^application\/([\w.+-]+\+)?json\b/i.test(c.req.header('content-type') ?? '');

/**
 * Refuses, as invalid input, any path parameter, query parameter or JSON body text that no column
 * could store (a NUL, or half of a surrogate pair), and JSON nested deeper than any route reads.
 * Runs after the access check and before the route's own validation; a body that is not JSON at
 * all is left to that validation.
 */
export const rejectUnstorableText: MiddlewareHandler<AppEnv> = async (c, next) => {
  const errors: TFieldError[] = [];
  for (const [k, v] of Object.entries(c.req.param() as Record<string, string>))
    collect(v, `params.${k}`, errors);
  for (const [k, values] of Object.entries(c.req.queries())) {
    collect(k, 'query', errors);
    for (const v of values) collect(v, `query.${k}`, errors);
  }
  if (isJson(c)) {
    const body = await c.req.json().catch(() => undefined);
    collect(body, 'body', errors);
  }
  if (errors.length) throw invalid(errors);
  return next();
};
