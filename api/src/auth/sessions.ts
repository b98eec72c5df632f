import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { AppError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';

/** The cookie that carries a browser's session secret. */
export const SESSION_COOKIE = 'enclave_session';
/** The header a cookie-authenticated write must carry, holding the session's CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';
/** A session ends this long after sign-in, whatever happens. */
export const SESSION_TTL_MS = 12 * 3_600_000;
/** A session ends after this long without a request. */
export const SESSION_IDLE_MS = 2 * 3_600_000;
/** `last_seen_at` is written at most this often, so reads do not each cost a write. */
export const SESSION_TOUCH_MS = 60_000;

/** The state of the browser session a request came with, when it authenticated by cookie. */
export type TSessionContext = { id: string; csrfToken: string };

/** A new session secret: 32 random bytes, base64url. */
export const generateSessionSecret = () => randomBytes(32).toString('base64url');

/**
 * The CSRF token of a session, derived from its secret: the server recomputes it from the cookie
 * on every request and stores nothing, and the token does not reveal the secret.
 */
export const csrfTokenOf = (secret: string) =>
  createHmac('sha256', secret).update('enclave csrf token').digest('base64url');

/** Whether two strings are equal, in time that does not depend on where they differ. */
export function isSameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, the whole site, 12 h; Secure behind https. */
export function setSessionCookie(c: Context<AppEnv>, secret: string, publicUrl: string): void {
  setCookie(c, SESSION_COOKIE, secret, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    maxAge: SESSION_TTL_MS / 1000,
    secure: publicUrl.startsWith('https:'),
  });
}

export function clearSessionCookie(c: Context<AppEnv>, publicUrl: string): void {
  deleteCookie(c, SESSION_COOKIE, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: publicUrl.startsWith('https:'),
  });
}

/**
 * Refuses a request whose `Origin` header names another site than the request's own address or
 * the platform's public one. Browsers send `Origin` with every cross-site write; a request without
 * one (curl, an old browser on a same-site form) passes this check.
 */
export function checkOrigin(c: Context<AppEnv>, publicUrl: string): void {
  const origin = c.req.header('origin');
  if (origin === undefined) return;
  const own = [new URL(c.req.url).origin, originOf(publicUrl)];
  if (!own.includes(origin)) {
    throw new AppError('CSRF_REJECTED', 'the request comes from another site (Origin header)');
  }
}

const originOf = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
};

/** Refuses a cookie-authenticated write without the session's CSRF token or from another site. */
export function checkCsrf(c: Context<AppEnv>, session: TSessionContext, publicUrl: string): void {
  const sent = c.req.header(CSRF_HEADER);
  if (!sent || !isSameSecret(sent, session.csrfToken)) {
    throw new AppError(
      'CSRF_REJECTED',
      `a signed-in browser's write needs the session's CSRF token in the ${CSRF_HEADER} header (from GET /v1/session)`,
    );
  }
  checkOrigin(c, publicUrl);
}
