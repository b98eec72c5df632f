import { z } from '@hono/zod-openapi';
import { pingDatabase } from '../db/client.ts';
import { isDatabaseUnavailable } from '../db/errors.ts';
import type { Deps } from '../deps.ts';
import { defineRoute } from '../http/access.ts';
import type { App } from '../http/env.ts';
import { jsonResponse } from '../http/openapi.ts';

const ZHealth = z.object({ status: z.enum(['ok', 'degraded']), database: z.enum(['ok', 'unreachable']) });

export function registerHealthRoutes(app: App, deps: Deps) {
  app.openapi(
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/health',
      tags: ['platform'],
      summary: 'Liveness and database reachability',
      description:
        'Answers 200 when the API and its database answer, 503 (`degraded`) when the database does not. Never rate-limited, so a load balancer may poll it.',
      responses: {
        200: jsonResponse(ZHealth, 'The API and its database are up'),
        503: jsonResponse(ZHealth, 'The database cannot be reached'),
      },
    }),
    async (c) => {
      try {
        await pingDatabase(deps.db);
        return c.json({ status: 'ok' as const, database: 'ok' as const }, 200);
      } catch (err) {
        if (!isDatabaseUnavailable(err)) deps.logger.warn('health check failed', { error: String(err) });
        return c.json({ status: 'degraded' as const, database: 'unreachable' as const }, 503);
      }
    },
  );
}
