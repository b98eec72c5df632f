import { and, eq } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import type { Db } from '../db/client.ts';
import { demands, orgs, users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, invalid, notFound } from '../errors.ts';
import { addWorkingDays } from '../sharing/working-days.ts';
import {
  ANSWER_WORKING_DAYS,
  recordDemandChange,
  type TBoardDemand,
  type TDemandRow,
} from './record-demand-change.ts';

/** The demand, locked for the change; 404 if none. */
export async function lockDemand(tx: Db, id: string): Promise<TDemandRow> {
  const [d] = await tx.select().from(demands).where(eq(demands.id, id)).for('update');
  if (!d) throw notFound('demand');
  return d;
}

/** A department's id and name, as the history and notices show it; null if there is none. */
export async function departmentOf(tx: Db, orgId: string): Promise<{ id: string; name: string } | null> {
  const [org] = await tx.select({ id: orgs.id, name: orgs.name }).from(orgs).where(eq(orgs.id, orgId));
  return org ?? null;
}

/** An answered demand is not assigned again. */
async function lockUnanswered(tx: Db, id: string): Promise<TDemandRow> {
  const d = await lockDemand(tx, id);
  if (d.status !== 'open' && d.status !== 'routed' && d.status !== 'claimed') {
    throw new AppError('INVALID_STATE', `the demand has been answered: ${d.status}`);
  }
  return d;
}

async function assign(
  tx: Db,
  call: { actor: TActor; requestId: string },
  d: TDemandRow,
  org: { id: string; name: string },
  how: 'routed' | 'claimed',
  at: Date,
): Promise<TBoardDemand> {
  const due = addWorkingDays(at, ANSWER_WORKING_DAYS);
  const [row] = await tx
    .update(demands)
    .set({
      status: how,
      assignedOrgId: org.id,
      routedAt: how === 'routed' ? at : null,
      claimedAt: how === 'claimed' ? at : null,
      dueAt: due.due,
      isDueOfficial: due.isOfficial,
    })
    .where(eq(demands.id, d.id))
    .returning();
  await recordDemandChange(tx, call, {
    kind: how,
    after: row!,
    org,
    details: {
      org: org.id,
      from: d.assignedOrgId,
      wasOverdue: d.dueAt !== null && at > d.dueAt,
      dueAt: due.due.toISOString(),
    },
    at,
  });
  return { ...row!, assignedOrgName: org.name };
}

/**
 * The authority routes a demand to a department, which then has {@link ANSWER_WORKING_DAYS}
 * working days to answer. An unanswered demand may be routed again (a wrong department, or an
 * overdue one); the new department's deadline starts that day.
 */
export async function routeDemand(
  deps: Deps,
  call: { actor: TActor; requestId: string },
  id: string,
  orgId: string,
): Promise<TBoardDemand> {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const d = await lockUnanswered(tx, id);
    const org = await departmentOf(tx, orgId);
    const [provider] = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.orgId, orgId), eq(users.role, 'provider')))
      .limit(1);
    // Only a department's providers can answer; a company or the authority itself cannot.
    if (!org || !provider) throw invalid([{ path: 'body.org', message: 'not a department with providers' }]);
    if (d.assignedOrgId === org.id) {
      throw invalid([{ path: 'body.org', message: 'the demand is already with this department' }]);
    }
    return assign(tx, call, d, org, 'routed', at);
  });
}

/**
 * A department takes up an open demand itself, with the same deadline as a routed one. A demand
 * already with a department is a conflict: the authority re-routes, departments do not take over.
 */
export async function claimDemand(
  deps: Deps,
  call: { actor: TActor; requestId: string },
  id: string,
): Promise<TBoardDemand> {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const d = await lockUnanswered(tx, id);
    if (d.status !== 'open') throw new AppError('CONFLICT', 'the demand is already with a department');
    const org = await departmentOf(tx, call.actor.orgId);
    return assign(tx, call, d, org!, 'claimed', at);
  });
}
