import { z } from '@hono/zod-openapi';
import { issueToken } from '../accounts/issue-token.ts';
import { listOwnTokens } from '../accounts/list-own-tokens.ts';
import { revokeToken } from '../accounts/revoke-token.ts';
import type { Deps } from '../deps.ts';
import { actorOf, defineRoute } from '../http/access.ts';
import type { App } from '../http/env.ts';
import { isoOrNull, jsonBody, jsonResponse, problems, ZIdParam } from '../http/openapi.ts';
import { ZIssueTokenBody, ZRevokedToken } from './accounts.ts';

/** Most of one's own tokens a page lists. */
export const OWN_TOKENS_MAX_LIMIT = 200;

const ZOwnToken = z
  .object({
    id: z.string(),
    label: z.string(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable().openapi({ description: 'Kept to the minute' }),
  })
  .openapi('OwnToken');
const ZIssuedOwnToken = z
  .object({
    id: z.string(),
    token: z.string().openapi({ description: 'Shown once; only its hash is stored' }),
    label: z.string(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
  })
  .openapi('IssuedOwnToken');

/** Self-service API tokens: any signed-in user lists, creates and revokes its own. */
export function registerOwnTokenRoutes(app: App, deps: Deps) {
  app.openapi(
    defineRoute('signed-in', {
      method: 'get',
      path: '/v1/me/tokens',
      tags: ['accounts'],
      summary: 'One’s own API tokens',
      description: `The caller’s API tokens, newest first, revoked and expired ones included, never their values or hashes. At most ${OWN_TOKENS_MAX_LIMIT} a page.`,
      request: {
        query: z.strictObject({
          limit: z.coerce.number().int().min(1).max(OWN_TOKENS_MAX_LIMIT).default(100),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        }),
      },
      responses: {
        200: jsonResponse(
          z.object({
            items: z.array(ZOwnToken),
            page: z.object({
              limit: z.number(),
              maxLimit: z.number(),
              offset: z.number(),
              total: z.number(),
            }),
          }),
          'A page of tokens',
        ),
        ...problems,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const { items, total } = await listOwnTokens(deps, actorOf(c), q);
      return c.json(
        {
          items: items.map((t) => ({
            ...t,
            createdAt: t.createdAt.toISOString(),
            expiresAt: isoOrNull(t.expiresAt),
            revokedAt: isoOrNull(t.revokedAt),
            lastUsedAt: isoOrNull(t.lastUsedAt),
          })),
          page: { limit: q.limit, maxLimit: OWN_TOKENS_MAX_LIMIT, offset: q.offset, total },
        },
        200,
      );
    },
  );

  app.openapi(
    defineRoute('signed-in', {
      method: 'post',
      path: '/v1/me/tokens',
      tags: ['accounts'],
      summary: 'Create an API token for oneself; returned once',
      description:
        'A bearer token for one’s own programs, shown once in the answer; only its SHA-256 is stored. An optional `expiresAt` ends it. Logged as `token.issue`.',
      request: { body: jsonBody(ZIssueTokenBody) },
      responses: { 201: jsonResponse(ZIssuedOwnToken, 'The token, shown once'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      const body = c.req.valid('json');
      const issued = await issueToken(
        deps,
        actor,
        actor.userId,
        { label: body.label, expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined },
        c.get('requestId'),
      );
      return c.json(
        {
          id: issued.id,
          token: issued.token,
          label: issued.label,
          createdAt: issued.createdAt.toISOString(),
          expiresAt: isoOrNull(issued.expiresAt),
        },
        201,
      );
    },
  );

  app.openapi(
    defineRoute('signed-in', {
      method: 'post',
      path: '/v1/me/tokens/{id}/revoke',
      tags: ['accounts'],
      summary: 'Revoke one of one’s own API tokens',
      description:
        'The token stops working at once. Another user’s token is a 404, for the admin too (the admin revokes others’ with `POST /v1/tokens/{id}/revoke`). Logged as `token.revoke`.',
      request: { params: ZIdParam },
      responses: {
        200: jsonResponse(ZRevokedToken, 'Revoked'),
        ...problems,
      },
    }),
    async (c) => {
      const call = { actor: actorOf(c), requestId: c.get('requestId') };
      const out = await revokeToken(deps, call, c.req.valid('param').id, 'own');
      return c.json({ id: out.id, revokedAt: out.revokedAt.toISOString() }, 200);
    },
  );
}
