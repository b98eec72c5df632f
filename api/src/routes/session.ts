import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { TSessionUser } from '../accounts/account-call.ts';
import { changePassword } from '../accounts/change-password.ts';
import { endSession } from '../accounts/end-session.ts';
import { issuePasswordLink } from '../accounts/issue-password-link.ts';
import { registerUser } from '../accounts/register-user.ts';
import { setPasswordFromLink } from '../accounts/set-password.ts';
import { signIn } from '../accounts/sign-in.ts';
import type { TStartedSession } from '../accounts/start-session.ts';
import { sessionUser } from '../accounts/start-session.ts';
import { LOGIN_PATTERN, PASSWORD_MAX, PASSWORD_MIN } from '../auth/passwords.ts';
import { CSRF_HEADER, clearSessionCookie, SESSION_COOKIE, setSessionCookie } from '../auth/sessions.ts';
import { ROLES } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { actorOf, defineRoute } from '../http/access.ts';
import type { App, AppEnv } from '../http/env.ts';
import { jsonBody, jsonResponse, problem, problems, ZIdParam } from '../http/openapi.ts';
import { createRateLimiter } from '../http/rate-limit.ts';
import { addressOf } from '../http/rate-limit-middleware.ts';

/** A login as a new user gets it: lower-cased, then checked against {@link LOGIN_PATTERN}. */
export const ZLogin = z
  .string()
  .trim()
  .max(64)
  .toLowerCase()
  .regex(LOGIN_PATTERN, '3–64 of a–z, 0–9, ".", "_" and "-", starting with a letter or digit')
  .openapi({ description: 'Sign-in name; stored lower-case', example: 'wang.jing' });
const ZNewPassword = z
  .string()
  .min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`)
  .openapi({ description: `${PASSWORD_MIN}–${PASSWORD_MAX} characters, not containing the login` });
const ZPassword = z.string().min(1).max(PASSWORD_MAX);

const ZSignInBody = z
  .strictObject({ login: z.string().trim().min(1).max(200).toLowerCase(), password: ZPassword })
  .openapi('SignInBody');
const ZSessionUser = z
  .object({
    id: z.string(),
    orgId: z.string(),
    orgName: z.string(),
    name: z.string(),
    login: z.string().nullable(),
    role: z.enum(ROLES),
  })
  .openapi('SessionUser');
const ZSession = z
  .object({
    user: ZSessionUser,
    csrfToken: z
      .string()
      .nullable()
      .openapi({
        description: `Send it as \`${CSRF_HEADER}\` with every write made with the session cookie; null for a bearer token, which needs none`,
      }),
  })
  .openapi('Session');
const ZPasswordLinkBody = z
  .strictObject({
    login: ZLogin.optional().openapi({
      description: 'Gives the user this login; required when the user has none yet',
    }),
  })
  .openapi('PasswordLinkBody');
const ZPasswordLink = z
  .object({
    token: z.string().openapi({ description: 'Shown once; only its hash is stored' }),
    url: z.string().openapi({ description: 'The page where the user sets a password' }),
    login: z.string(),
    expiresAt: z.string(),
  })
  .openapi('PasswordLink');
const ZSetPasswordBody = z
  .strictObject({ token: z.string().min(1).max(200), password: ZNewPassword })
  .openapi('SetPasswordBody');
const ZChangePasswordBody = z
  .strictObject({ currentPassword: ZPassword, newPassword: ZNewPassword })
  .openapi('ChangePasswordBody');
const ZRegistrationBody = z
  .strictObject({
    login: ZLogin,
    name: z.string().trim().min(1).max(200),
    password: ZNewPassword,
    institution: z.string().trim().min(1).max(200),
    email: z.email().max(254).optional(),
  })
  .openapi('RegistrationBody');

const sessionOut = (user: TSessionUser, csrfToken: string | null) => ({ user, csrfToken });
const cookieNote = `Sets the \`${SESSION_COOKIE}\` cookie (HttpOnly, SameSite=Strict, 12 h; Secure behind https).`;

export function registerSessionRoutes(app: App, deps: Deps) {
  const { publicUrl } = deps.settings;
  const started = <S extends 200 | 201>(c: Context<AppEnv>, s: TStartedSession, status: S) => {
    setSessionCookie(c, s.secret, publicUrl);
    c.header('cache-control', 'no-store');
    return c.json(sessionOut(s.user, s.csrfToken), status);
  };
  // Each registration makes an org and a user no one vetted: an address makes a few an hour.
  const registrations = createRateLimiter(3_600_000);
  const limitRegistrations = (c: Context<AppEnv>) => {
    const limit = deps.settings.registrationsPerHour;
    const { wait } = registrations.hit(`a:${addressOf(c)}`, limit, deps.clock.now().getTime());
    if (wait > 0) {
      throw new AppError('RATE_LIMITED', `at most ${limit} registrations an hour from one address`, {
        retryAfter: wait,
      });
    }
  };

  app.openapi(
    defineRoute('anyone', {
      method: 'post',
      path: '/v1/session',
      tags: ['session'],
      summary: 'Sign in with login and password',
      description: `Opens a browser session. ${cookieNote} A wrong login and a wrong password both get 401 \`INVALID_CREDENTIALS\`; 5 failures of one login within 15 minutes lock it for 15 minutes (429 \`ACCOUNT_LOCKED\` with Retry-After, the right password included). Takes no CSRF token, but a cross-site \`Origin\` is refused (403 \`CSRF_REJECTED\`). Logged as \`session.create\`; a lock-out as \`session.refused\`.`,
      request: { body: jsonBody(ZSignInBody) },
      responses: {
        200: jsonResponse(ZSession, 'Signed in; the cookie is set'),
        ...problems,
        429: problem('`ACCOUNT_LOCKED` (see Retry-After) or rate limited'),
      },
    }),
    async (c) => started(c, await signIn(deps, c.req.valid('json'), c.get('requestId')), 200),
  );

  app.openapi(
    defineRoute('signed-in', {
      method: 'get',
      path: '/v1/session',
      tags: ['session'],
      summary: 'The signed-in user and the CSRF token',
      description: `Who the session cookie belongs to, and its CSRF token (for a page that reloaded). Without a live session: 401 \`UNAUTHENTICATED\`.`,
      responses: { 200: jsonResponse(ZSession, 'The session'), ...problems },
    }),
    async (c) => {
      const user = await sessionUser(deps.db, actorOf(c).userId);
      c.header('cache-control', 'no-store');
      return c.json(sessionOut(user, c.get('session')?.csrfToken ?? null), 200);
    },
  );

  app.openapi(
    defineRoute('anyone', {
      method: 'delete',
      path: '/v1/session',
      tags: ['session'],
      summary: 'Sign out',
      description: `Ends the session of the cookie (with the CSRF token, as every cookie write) and clears the cookie. Without a live session it only clears the cookie. Logged as \`session.revoke\`.`,
      responses: { 204: { description: 'Signed out' }, ...problems },
    }),
    async (c) => {
      const session = c.get('session');
      const actor = c.get('actor');
      if (session && actor) await endSession(deps, { actor, requestId: c.get('requestId') }, session.id);
      clearSessionCookie(c, publicUrl);
      return c.body(null, 204);
    },
  );

  app.openapi(
    defineRoute(['admin'], {
      method: 'post',
      path: '/v1/users/{id}/password-links',
      tags: ['accounts'],
      summary: 'Issue a one-time link to set a password (admin)',
      description:
        'A link, valid 72 hours, with which the user sets a password at `<public url>/password?token=…`; earlier unused links of the user stop working. `login` gives the user a login (required if it has none; 409 `CONFLICT` if taken). The token is returned once. Logged as `password-link.issue`.',
      request: { params: ZIdParam, body: jsonBody(ZPasswordLinkBody) },
      responses: { 201: jsonResponse(ZPasswordLink, 'The link, shown once'), ...problems },
    }),
    async (c) => {
      const call = { actor: actorOf(c), requestId: c.get('requestId') };
      const link = await issuePasswordLink(deps, call, c.req.valid('param').id, c.req.valid('json'));
      return c.json({ ...link, expiresAt: link.expiresAt.toISOString() }, 201);
    },
  );

  app.openapi(
    defineRoute('anyone', {
      method: 'post',
      path: '/v1/password',
      tags: ['session'],
      summary: 'Set a password with a one-time link',
      description:
        'The token of a link the admin issued and a new password. An unknown, used or expired link is 410 `LINK_INVALID`; a password that breaks the policy is 400 `VALIDATION_FAILED` naming `body.password` (the link stays usable). Ends the user’s sessions and lifts a lock-out. Returns the login to sign in with. Logged as `password.set`.',
      request: { body: jsonBody(ZSetPasswordBody) },
      responses: {
        200: jsonResponse(z.object({ login: z.string() }), 'The password is set'),
        ...problems,
        410: problem('`LINK_INVALID`: unknown, used or expired'),
      },
    }),
    async (c) => c.json(await setPasswordFromLink(deps, c.req.valid('json'), c.get('requestId')), 200),
  );

  app.openapi(
    defineRoute('signed-in', {
      method: 'post',
      path: '/v1/me/password',
      tags: ['session'],
      summary: 'Change one’s own password',
      description:
        'The current password and a new one. A wrong current password is 400 `VALIDATION_FAILED` naming `body.currentPassword`. The caller’s other sessions end. Logged as `password.change`.',
      request: { body: jsonBody(ZChangePasswordBody) },
      responses: { 204: { description: 'Changed' }, ...problems },
    }),
    async (c) => {
      const call = {
        actor: actorOf(c),
        requestId: c.get('requestId'),
        sessionId: c.get('session')?.id ?? null,
      };
      await changePassword(deps, call, c.req.valid('json'));
      return c.body(null, 204);
    },
  );

  app.openapi(
    defineRoute('anyone', {
      method: 'post',
      path: '/v1/registrations',
      tags: ['session'],
      summary: 'Register as a researcher',
      description: `Creates an org named \`<institution> · <login>\` and a \`researcher\` in it, and signs them in. ${cookieNote} A taken login is 409 \`CONFLICT\`. One address may register ${'`ENCLAVE_REGISTRATIONS_PER_HOUR`'} times an hour (default 5; then 429 \`RATE_LIMITED\`). Takes no CSRF token, but a cross-site \`Origin\` is refused. Logged as \`user.register\` and \`session.create\`.`,
      request: { body: jsonBody(ZRegistrationBody) },
      responses: { 201: jsonResponse(ZSession, 'Registered and signed in'), ...problems },
    }),
    async (c) => {
      limitRegistrations(c);
      return started(c, await registerUser(deps, c.req.valid('json'), c.get('requestId')), 201);
    },
  );
}
