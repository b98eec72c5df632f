import { and, desc, eq, inArray, type SQL } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import type { Db } from '../db/client.ts';
import { applicationParts, applications } from '../db/schema/index.ts';
import { notFound } from '../errors.ts';

export type TApplicationView = typeof applications.$inferSelect & {
  parts: (typeof applicationParts.$inferSelect)[];
};

/**
 * Applications as the caller may see them: an operator its own org's, whole; a provider those with
 * parts for its datasets, showing only those parts; the admin and regulators all of them.
 */
export async function listApplications(
  db: Db,
  actor: TActor,
  filter: { status?: 'pending' | 'approved' | 'rejected' | undefined; id?: string } = {},
): Promise<TApplicationView[]> {
  const where: SQL[] = [];
  if (filter.id) where.push(eq(applications.id, filter.id));
  if (filter.status) where.push(eq(applications.status, filter.status));
  if (actor.role === 'operator') where.push(eq(applications.operatorOrgId, actor.orgId));
  if (actor.role === 'provider') {
    const mine = db
      .select({ id: applicationParts.applicationId })
      .from(applicationParts)
      .where(eq(applicationParts.providerOrgId, actor.orgId));
    where.push(inArray(applications.id, mine));
  }
  const apps = await db
    .select()
    .from(applications)
    .where(and(...where))
    .orderBy(desc(applications.createdAt))
    .limit(500);
  if (apps.length === 0) return [];
  const parts = await db
    .select()
    .from(applicationParts)
    .where(
      and(
        inArray(
          applicationParts.applicationId,
          apps.map((a) => a.id),
        ),
        actor.role === 'provider' ? eq(applicationParts.providerOrgId, actor.orgId) : undefined,
      ),
    );
  return apps.map((a) => ({ ...a, parts: parts.filter((p) => p.applicationId === a.id) }));
}

export async function getApplication(db: Db, actor: TActor, id: string): Promise<TApplicationView> {
  const [app] = await listApplications(db, actor, { id });
  if (!app) throw notFound('application');
  return app;
}
