import { z } from '@hono/zod-openapi';
import { createOrg } from '../accounts/create-org.ts';
import { createUser } from '../accounts/create-user.ts';
import { issueToken } from '../accounts/issue-token.ts';
import { getMe, listOrgs, listUsers } from '../accounts/list-accounts.ts';
import { revokeToken } from '../accounts/revoke-token.ts';
import { type orgs, ROLES, type users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { actorOf, defineRoute } from '../http/access.ts';
import type { App } from '../http/env.ts';
import { isoOrNull, jsonBody, jsonResponse, problems, ZIdParam, ZInstant } from '../http/openapi.ts';
import { ZLogin } from './session.ts';

const ZCreateOrgBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    nameEn: z.string().trim().min(1).max(200).optional(),
  })
  .openapi('CreateOrgBody');
const ZOrg = z
  .object({ id: z.string(), name: z.string(), nameEn: z.string().nullable(), createdAt: z.string() })
  .openapi('Org');
const ZCreateUserBody = z
  .strictObject({
    orgId: z.string().max(64),
    name: z.string().trim().min(1).max(200),
    role: z.enum(ROLES),
    login: ZLogin.optional(),
  })
  .openapi('CreateUserBody');
const ZUser = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    login: z.string().nullable(),
    role: z.enum(ROLES),
    createdAt: z.string(),
  })
  .openapi('User');
export const ZIssueTokenBody = z
  .strictObject({
    label: z.string().trim().min(1).max(100),
    expiresAt: ZInstant.optional(),
  })
  .openapi('IssueTokenBody');
const ZIssuedToken = z
  .object({
    id: z.string(),
    token: z.string().openapi({ description: 'Shown once; only its hash is stored' }),
    userId: z.string(),
    label: z.string(),
    expiresAt: z.string().nullable(),
  })
  .openapi('IssuedToken');

/** The answer to revoking a token. */
export const ZRevokedToken = z.object({ id: z.string(), revokedAt: z.string() }).openapi('RevokedToken');

const orgOut = (o: typeof orgs.$inferSelect) => ({ ...o, createdAt: o.createdAt.toISOString() });
const userOut = (u: typeof users.$inferSelect) => ({
  id: u.id,
  orgId: u.orgId,
  name: u.name,
  login: u.login,
  role: u.role,
  createdAt: u.createdAt.toISOString(),
});

export function registerAccountRoutes(app: App, deps: Deps) {
  app.openapi(
    defineRoute(['admin'], {
      method: 'post',
      path: '/v1/orgs',
      tags: ['accounts'],
      summary: 'Create an org (admin)',
      description:
        'An org is a department, company or institute; users belong to one. The name is unique. Logged as `org.create`.',
      request: { body: jsonBody(ZCreateOrgBody) },
      responses: { 201: jsonResponse(ZOrg, 'The new org'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      const org = await createOrg(deps, actor, c.req.valid('json'), c.get('requestId'));
      return c.json(orgOut(org), 201);
    },
  );

  app.openapi(
    defineRoute(['admin', 'regulator'], {
      method: 'get',
      path: '/v1/orgs',
      tags: ['accounts'],
      summary: 'List orgs (admin, regulator)',
      description: 'Every org, oldest first.',
      responses: { 200: jsonResponse(z.object({ items: z.array(ZOrg) }), 'All orgs'), ...problems },
    }),
    async (c) => {
      return c.json({ items: (await listOrgs(deps)).map(orgOut) }, 200);
    },
  );

  app.openapi(
    defineRoute(['admin'], {
      method: 'post',
      path: '/v1/users',
      tags: ['accounts'],
      summary: 'Create a user with one role (admin)',
      description:
        'A user has exactly one role (admin, provider, operator, researcher, regulator) in one org. An optional `login` (409 `CONFLICT` if taken) lets the user sign in with a password set through a link (`POST /v1/users/{id}/password-links`); programs use tokens. Logged as `user.create`.',
      request: { body: jsonBody(ZCreateUserBody) },
      responses: { 201: jsonResponse(ZUser, 'The new user'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      const user = await createUser(deps, actor, c.req.valid('json'), c.get('requestId'));
      return c.json(userOut(user), 201);
    },
  );

  app.openapi(
    defineRoute(['admin'], {
      method: 'get',
      path: '/v1/users',
      tags: ['accounts'],
      summary: 'List users (admin)',
      description: 'Every user, newest first, without secrets.',
      responses: { 200: jsonResponse(z.object({ items: z.array(ZUser) }), 'All users'), ...problems },
    }),
    async (c) => {
      return c.json({ items: (await listUsers(deps)).map(userOut) }, 200);
    },
  );

  app.openapi(
    defineRoute('signed-in', {
      method: 'get',
      path: '/v1/me',
      tags: ['accounts'],
      summary: 'The caller',
      description:
        'The user the bearer token belongs to: id, org and role. A client checks its token with it.',
      responses: { 200: jsonResponse(ZUser, 'The user behind the token'), ...problems },
    }),
    async (c) => {
      return c.json(userOut(await getMe(deps, actorOf(c))), 200);
    },
  );

  app.openapi(
    defineRoute(['admin'], {
      method: 'post',
      path: '/v1/users/{id}/tokens',
      tags: ['accounts'],
      summary: 'Issue a token for a user (admin); returned once',
      description:
        'A bearer token for programs, shown once in the answer; only its SHA-256 is stored. An optional `expiresAt` ends it. Logged as `token.issue`.',
      request: { params: ZIdParam, body: jsonBody(ZIssueTokenBody) },
      responses: { 201: jsonResponse(ZIssuedToken, 'The token, shown once'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      const body = c.req.valid('json');
      const issued = await issueToken(
        deps,
        actor,
        c.req.valid('param').id,
        { label: body.label, expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined },
        c.get('requestId'),
      );
      return c.json({ ...issued, expiresAt: isoOrNull(issued.expiresAt) }, 201);
    },
  );

  app.openapi(
    defineRoute('signed-in', {
      method: 'post',
      path: '/v1/tokens/{id}/revoke',
      tags: ['accounts'],
      summary: 'Revoke a token (admin: any; others: their own)',
      description:
        'The token stops working at once; a later use is refused with 401 and logged. Another user’s token is a 404 to anyone but the admin.',
      request: { params: ZIdParam },
      responses: {
        200: jsonResponse(ZRevokedToken, 'Revoked'),
        ...problems,
      },
    }),
    async (c) => {
      const call = { actor: actorOf(c), requestId: c.get('requestId') };
      const out = await revokeToken(deps, call, c.req.valid('param').id, 'any-as-admin');
      return c.json({ id: out.id, revokedAt: out.revokedAt.toISOString() }, 200);
    },
  );
}
