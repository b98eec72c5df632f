import type { OpenAPIHono } from '@hono/zod-openapi';
import type { TActor } from '../auth/actor.ts';

export type AppEnv = { Variables: { actor: TActor | null; requestId: string } };
export type App = OpenAPIHono<AppEnv>;
