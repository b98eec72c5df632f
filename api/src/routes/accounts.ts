import { createRoute, z } from '@hono/zod-openapi';
import { desc, eq } from 'drizzle-orm';
import { createOrg } from '../accounts/create-org.ts';
import { createUser } from '../accounts/create-user.ts';
import { issueToken } from '../accounts/issue-token.ts';
import { revokeToken } from '../accounts/revoke-token.ts';
import { requireRole } from '../auth/require-role.ts';
import { orgs, ROLES, users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import type { App } from '../http/env.ts';
import { bearer, isoOrNull, jsonBody, jsonResponse, problems, ZIdParam } from '../http/openapi.ts';

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
  .strictObject({ orgId: z.string().max(64), name: z.string().trim().min(1).max(200), role: z.enum(ROLES) })
  .openapi('CreateUserBody');
const ZUser = z
  .object({ id: z.string(), orgId: z.string(), name: z.string(), role: z.enum(ROLES), createdAt: z.string() })
  .openapi('User');
const ZIssueTokenBody = z
  .strictObject({
    label: z.string().trim().min(1).max(100),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
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

const orgOut = (o: typeof orgs.$inferSelect) => ({ ...o, createdAt: o.createdAt.toISOString() });
const userOut = (u: typeof users.$inferSelect) => ({
  id: u.id,
  orgId: u.orgId,
  name: u.name,
  role: u.role,
  createdAt: u.createdAt.toISOString(),
});

export function registerAccountRoutes(app: App, deps: Deps) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs',
      tags: ['accounts'],
      summary: 'Create an org (admin)',
      security: bearer,
      request: { body: jsonBody(ZCreateOrgBody) },
      responses: { 201: jsonResponse(ZOrg, 'The new org'), ...problems },
    }),
    async (c) => {
      const actor = requireRole(c, 'admin');
      const org = await createOrg(deps, actor, c.req.valid('json'), c.get('requestId'));
      return c.json(orgOut(org), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs',
      tags: ['accounts'],
      summary: 'List orgs (admin, regulator)',
      security: bearer,
      responses: { 200: jsonResponse(z.object({ items: z.array(ZOrg) }), 'All orgs'), ...problems },
    }),
    async (c) => {
      requireRole(c, 'admin', 'regulator');
      const rows = await deps.db.select().from(orgs).orderBy(orgs.createdAt);
      return c.json({ items: rows.map(orgOut) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/users',
      tags: ['accounts'],
      summary: 'Create a user with one role (admin)',
      security: bearer,
      request: { body: jsonBody(ZCreateUserBody) },
      responses: { 201: jsonResponse(ZUser, 'The new user'), ...problems },
    }),
    async (c) => {
      const actor = requireRole(c, 'admin');
      const user = await createUser(deps, actor, c.req.valid('json'), c.get('requestId'));
      return c.json(userOut(user), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/users',
      tags: ['accounts'],
      summary: 'List users (admin)',
      security: bearer,
      responses: { 200: jsonResponse(z.object({ items: z.array(ZUser) }), 'All users'), ...problems },
    }),
    async (c) => {
      requireRole(c, 'admin');
      const rows = await deps.db.select().from(users).orderBy(desc(users.createdAt));
      return c.json({ items: rows.map(userOut) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/me',
      tags: ['accounts'],
      summary: 'The caller',
      security: bearer,
      responses: { 200: jsonResponse(ZUser, 'The user behind the token'), ...problems },
    }),
    async (c) => {
      const actor = requireRole(c, ...ROLES);
      const [user] = await deps.db.select().from(users).where(eq(users.id, actor.userId));
      if (!user) throw notFound('user');
      return c.json(userOut(user), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/users/{id}/tokens',
      tags: ['accounts'],
      summary: 'Issue a token for a user (admin); returned once',
      security: bearer,
      request: { params: ZIdParam, body: jsonBody(ZIssueTokenBody) },
      responses: { 201: jsonResponse(ZIssuedToken, 'The token, shown once'), ...problems },
    }),
    async (c) => {
      const actor = requireRole(c, 'admin');
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
    createRoute({
      method: 'post',
      path: '/v1/tokens/{id}/revoke',
      tags: ['accounts'],
      summary: 'Revoke a token (admin: any; others: their own)',
      security: bearer,
      request: { params: ZIdParam },
      responses: {
        200: jsonResponse(z.object({ id: z.string(), revokedAt: z.string() }), 'Revoked'),
        ...problems,
      },
    }),
    async (c) => {
      const actor = requireRole(c, ...ROLES);
      const out = await revokeToken(deps, actor, c.req.valid('param').id, c.get('requestId'));
      return c.json({ id: out.id, revokedAt: out.revokedAt.toISOString() }, 200);
    },
  );
}
