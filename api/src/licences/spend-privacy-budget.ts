import { and, eq, sql } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import type { Db } from '../db/client.ts';
import { privacyBudgets } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';

/**
 * Spends epsilon from a contract's privacy budget in one conditional update, so concurrent spends
 * can never together exceed what was granted: of two that only fit one at a time, one wins and the
 * other is refused with BUDGET_EXHAUSTED. Call it in the operation's transaction.
 */
export async function spendPrivacyBudget(
  deps: Deps,
  tx: Db,
  actor: TActor,
  contractId: string,
  epsilon: number,
  requestId?: string,
): Promise<{ granted: number; spent: number; remaining: number }> {
  if (!(epsilon > 0) || !Number.isFinite(epsilon))
    throw new AppError('VALIDATION_FAILED', 'epsilon must be positive');
  const [row] = await tx
    .update(privacyBudgets)
    .set({ epsilonSpent: sql`${privacyBudgets.epsilonSpent} + ${epsilon}` })
    .where(
      and(
        eq(privacyBudgets.contractId, contractId),
        sql`${privacyBudgets.epsilonSpent} + ${epsilon} <= ${privacyBudgets.epsilonGranted} * (1 + 1e-12)`,
      ),
    )
    .returning();
  if (!row) {
    const [budget] = await tx.select().from(privacyBudgets).where(eq(privacyBudgets.contractId, contractId));
    if (!budget) throw new AppError('DP_NOT_CONFIGURED', 'the contract has no differential-privacy budget');
    throw new AppError(
      'BUDGET_EXHAUSTED',
      `spending ${epsilon} would exceed the budget: ${budget.epsilonGranted - budget.epsilonSpent} of ${budget.epsilonGranted} left`,
    );
  }
  await appendAuditEntry(tx, {
    actor,
    action: 'budget.spend',
    objectType: 'contract',
    objectId: contractId,
    contractId,
    details: { epsilon, spent: row.epsilonSpent, granted: row.epsilonGranted },
    requestId,
    at: deps.clock.now(),
  });
  return {
    granted: row.epsilonGranted,
    spent: row.epsilonSpent,
    remaining: row.epsilonGranted - row.epsilonSpent,
  };
}
