import { desc, eq } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import { orgs, users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';

/** Every org, oldest first. */
export const listOrgs = (deps: Deps) => deps.db.select().from(orgs).orderBy(orgs.createdAt);

/** Every user, newest first. */
export const listUsers = (deps: Deps) => deps.db.select().from(users).orderBy(desc(users.createdAt));

/** The user behind the caller's token. */
export async function getMe(deps: Deps, actor: TActor) {
  const [user] = await deps.db.select().from(users).where(eq(users.id, actor.userId));
  if (!user) throw notFound('user');
  return user;
}
