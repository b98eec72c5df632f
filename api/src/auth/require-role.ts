import type { Context } from 'hono';
import type { TRole } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';
import type { TActor } from './actor.ts';

/** The caller, who must hold one of `roles`: 401 without a token, 403 with another role. */
export function requireRole(c: Context<AppEnv>, ...roles: TRole[]): TActor {
  const actor = c.get('actor');
  if (!actor) throw new AppError('UNAUTHENTICATED', 'this route needs a token');
  if (!roles.includes(actor.role)) {
    throw new AppError('FORBIDDEN', `this route is for ${roles.join(' or ')}; the caller is ${actor.role}`);
  }
  return actor;
}
