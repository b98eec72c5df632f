import type { OpenAPIHono } from '@hono/zod-openapi';
import type { TActor } from '../auth/actor.ts';
import type { TSessionContext } from '../auth/sessions.ts';

export type AppEnv = {
  Variables: {
    actor: TActor | null;
    /** The browser session the request authenticated with; null for a bearer token or none. */
    session: TSessionContext | null;
    requestId: string;
  };
};
export type App = OpenAPIHono<AppEnv>;
