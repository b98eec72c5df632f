import { eq, or } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import { datasets, demands } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, invalid } from '../errors.ts';
import { chinaDay } from '../sharing/working-days.ts';
import { departmentOf, lockDemand } from './assign-demand.ts';
import { recordDemandChange, type TBoardDemand } from './record-demand-change.ts';

export type TDemandAnswer =
  | { outcome: 'fulfilled'; dataset: string }
  | { outcome: 'planned'; plannedFor: string }
  | { outcome: 'refused'; reason: string };

/**
 * The answer of the department a demand is with: fulfilled by a published dataset (its id or
 * slug), planned for a later day, or refused with a reason. Any other department sees the demand
 * on the board but may not answer it (403). An answer is final, except that a planned demand is
 * fulfilled when its data is published.
 */
export async function answerDemand(
  deps: Deps,
  call: { actor: TActor; requestId: string },
  id: string,
  answer: TDemandAnswer,
): Promise<TBoardDemand> {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const d = await lockDemand(tx, id);
    if (d.assignedOrgId !== call.actor.orgId) {
      throw new AppError('FORBIDDEN', 'only the department the demand is with answers it');
    }
    const isOpen = d.status === 'routed' || d.status === 'claimed';
    if (!isOpen && !(d.status === 'planned' && answer.outcome === 'fulfilled')) {
      throw new AppError('INVALID_STATE', `the demand has been answered: ${d.status}`);
    }
    let datasetId: string | null = null;
    if (answer.outcome === 'fulfilled') {
      const [ds] = await tx
        .select({ id: datasets.id, status: datasets.status })
        .from(datasets)
        .where(or(eq(datasets.id, answer.dataset), eq(datasets.slug, answer.dataset)));
      if (ds?.status !== 'published') {
        throw invalid([{ path: 'body.dataset', message: 'not a published dataset' }]);
      }
      datasetId = ds.id;
    }
    if (answer.outcome === 'planned' && answer.plannedFor <= chinaDay(at)) {
      throw invalid([{ path: 'body.plannedFor', message: 'must be a day after today' }]);
    }
    const [row] = await tx
      .update(demands)
      .set({
        status: answer.outcome,
        answeredAt: d.answeredAt ?? at,
        datasetId,
        plannedFor: answer.outcome === 'planned' ? answer.plannedFor : d.plannedFor,
        reason: answer.outcome === 'refused' ? answer.reason : null,
      })
      .where(eq(demands.id, id))
      .returning();
    const org = await departmentOf(tx, call.actor.orgId);
    await recordDemandChange(tx, call, {
      kind: answer.outcome,
      after: row!,
      org,
      details: {
        outcome: answer.outcome,
        datasetId,
        plannedFor: answer.outcome === 'planned' ? answer.plannedFor : null,
        reason: answer.outcome === 'refused' ? answer.reason : null,
        overdue: isOpen && d.dueAt !== null && at > d.dueAt,
      },
      at,
    });
    return { ...row!, assignedOrgName: org?.name ?? null };
  });
}
