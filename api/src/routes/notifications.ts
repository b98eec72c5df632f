import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { defineRoute } from '../http/access.ts';
import type { App, AppEnv } from '../http/env.ts';
import { ID_PATTERN, isoOrNull, jsonBody, jsonResponse, problems } from '../http/openapi.ts';
import { FOLLOW_TOKEN_PATTERN, followHashOf } from '../notifications/follow-token.ts';
import type { TRecipient } from '../notifications/notify.ts';
import {
  listNotifications,
  markNotificationsRead,
  type TNotificationRow,
} from '../notifications/read-notifications.ts';

const MAX_LIST = 200;

const ZFollow = z
  .string()
  .regex(FOLLOW_TOKEN_PATTERN, 'not a follow token')
  .openapi({ description: 'The follow token given once to an anonymous filer' });

const ZNotification = z
  .object({
    id: z.string(),
    kind: z.string().openapi({ description: 'What happened, e.g. `demand.routed`' }),
    objectType: z.string(),
    objectId: z.string(),
    text: z.string(),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .openapi('Notification');

const out = (n: TNotificationRow) => ({
  id: n.id,
  kind: n.kind,
  objectType: n.objectType,
  objectId: n.objectId,
  text: n.text,
  createdAt: n.createdAt.toISOString(),
  readAt: isoOrNull(n.readAt),
});

/** The holder of `follow`, else the signed-in caller; neither is a 401. */
function recipientOf(c: Context<AppEnv>, follow: string | undefined): TRecipient {
  if (follow) return { followHash: followHashOf(follow) };
  const actor = c.get('actor');
  if (!actor) throw new AppError('UNAUTHENTICATED', 'this route needs a token or a follow token');
  return { userId: actor.userId };
}

export function registerNotificationRoutes(app: App, deps: Deps) {
  app.openapi(
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/notifications',
      tags: ['notifications'],
      summary: 'What the caller has been told about what they filed',
      description: `The signed-in caller’s notifications, or, with \`follow\`, those of an anonymous filer’s follow token. Newest first, at most ${MAX_LIST}.`,
      request: {
        query: z.strictObject({
          follow: ZFollow.optional(),
          unread: z.enum(['true', 'false']).optional().openapi({ description: 'Only unread ones' }),
          limit: z.coerce.number().int().min(1).max(MAX_LIST).default(50),
        }),
      },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZNotification) }), 'The notifications'),
        ...problems,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await listNotifications(deps, recipientOf(c, q.follow), {
        isUnreadOnly: q.unread === 'true',
        limit: q.limit,
      });
      return c.json({ items: rows.map(out) }, 200);
    },
  );

  app.openapi(
    defineRoute('anyone', {
      method: 'post',
      path: '/v1/notifications/read',
      tags: ['notifications'],
      summary: 'Mark notifications read',
      description:
        'Those listed in `ids`, or all, of the signed-in caller or of the follow token; ids addressed to anyone else are passed over.',
      request: {
        body: jsonBody(
          z.strictObject({
            follow: ZFollow.optional(),
            ids: z.array(z.string().max(64).regex(ID_PATTERN, 'not an id')).min(1).max(MAX_LIST).optional(),
          }),
        ),
      },
      responses: {
        200: jsonResponse(z.object({ marked: z.number().int() }), 'How many were newly marked read'),
        ...problems,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const marked = await markNotificationsRead(deps, recipientOf(c, body.follow), body.ids);
      return c.json({ marked }, 200);
    },
  );
}
