import { and, asc, count, desc, eq, type SQL } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import { demandEvents, demands, orgs, type TDemandStatus } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import type { TBoardDemand, TDemandRow } from './record-demand-change.ts';

export type TDemandEvent = typeof demandEvents.$inferSelect & { orgName: string | null };

/** The public board: demands newest first, by status or by the department they are with. */
export async function listDemands(
  deps: Deps,
  q: { status?: TDemandStatus | undefined; org?: string | undefined; limit: number; offset: number },
): Promise<{ items: TBoardDemand[]; total: number }> {
  const where: SQL[] = [];
  if (q.status) where.push(eq(demands.status, q.status));
  if (q.org) where.push(eq(demands.assignedOrgId, q.org));
  const [rows, [total]] = await Promise.all([
    deps.db
      .select({ demand: demands, orgName: orgs.name })
      .from(demands)
      .leftJoin(orgs, eq(orgs.id, demands.assignedOrgId))
      .where(and(...where))
      .orderBy(desc(demands.createdAt), desc(demands.id))
      .limit(q.limit)
      .offset(q.offset),
    deps.db
      .select({ n: count() })
      .from(demands)
      .where(and(...where)),
  ]);
  return { items: rows.map((r) => ({ ...r.demand, assignedOrgName: r.orgName })), total: total?.n ?? 0 };
}

/**
 * Whether `actor` may see how to reach the filer: the authority, the department the demand is
 * with (to ask back what is meant), and the filer. Not other departments, not the public.
 */
export const canSeeContact = (actor: TActor | null, d: TDemandRow) =>
  !!actor &&
  (actor.role === 'admin' ||
    (actor.role === 'provider' && actor.orgId === d.assignedOrgId) ||
    actor.userId === d.filedBy);

/** One demand with its history, oldest change first. */
export async function getDemand(
  deps: Deps,
  id: string,
): Promise<{ demand: TBoardDemand; history: TDemandEvent[] }> {
  const [row] = await deps.db
    .select({ demand: demands, orgName: orgs.name })
    .from(demands)
    .leftJoin(orgs, eq(orgs.id, demands.assignedOrgId))
    .where(eq(demands.id, id));
  if (!row) throw notFound('demand');
  const events = await deps.db
    .select({ event: demandEvents, orgName: orgs.name })
    .from(demandEvents)
    .leftJoin(orgs, eq(orgs.id, demandEvents.orgId))
    .where(eq(demandEvents.demandId, id))
    .orderBy(asc(demandEvents.id));
  return {
    demand: { ...row.demand, assignedOrgName: row.orgName },
    history: events.map((e) => ({ ...e.event, orgName: e.orgName })),
  };
}
