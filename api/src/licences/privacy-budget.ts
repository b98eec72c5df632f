import { and, eq, sql } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import type { Db } from '../db/client.ts';
import { privacyBudgets, privacyLedger } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { budgetPolicy } from './policy.ts';

/** The budget a contract runs under (see `budgetPolicy`). */
export type TBudget = ReturnType<typeof budgetPolicy>;

/** The budget period an instant falls in: `all`, or its UTC day, month or year. */
export function periodKey(period: TBudget['period'], at: Date): string {
  const iso = at.toISOString();
  return period === 'day'
    ? iso.slice(0, 10)
    : period === 'month'
      ? iso.slice(0, 7)
      : period === 'year'
        ? iso.slice(0, 4)
        : 'all';
}

/**
 * The current period's budget row, opened when missing. Opening it is logged: which period, how
 * much, and whether the contract runs under the platform's default budget because it was issued
 * without one (its signed payload cannot change, so the default is recorded here instead).
 */
async function openBudget(tx: Db, actor: TActor, contractId: string, budget: TBudget, at: Date) {
  const period = periodKey(budget.period, at);
  const opened = await tx
    .insert(privacyBudgets)
    .values({ contractId, period, epsilonGranted: budget.epsilon })
    .onConflictDoNothing()
    .returning();
  if (opened.length > 0) {
    await appendAuditEntry(tx, {
      actor,
      action: 'budget.open',
      objectType: 'contract',
      objectId: contractId,
      contractId,
      details: {
        period,
        granted: budget.epsilon,
        epsilonPerRun: budget.epsilonPerRun,
        source: budget.isDefault ? 'platform-default' : 'contract',
      },
      at,
    });
  }
  return period;
}

/**
 * Spends epsilon from the contract's budget for the current period in one conditional update, so
 * concurrent spends can never together exceed what was granted: of two that only fit one at a
 * time, one wins and the other is refused with BUDGET_EXHAUSTED. Call it in the operation's
 * transaction.
 */
export async function spendPrivacyBudget(
  deps: Deps,
  tx: Db,
  actor: TActor,
  use: {
    contractId: string;
    budget: TBudget;
    epsilon: number;
    runId?: string;
    statistics?: number;
    cached?: number;
  },
  requestId?: string,
): Promise<{ period: string; granted: number; spent: number; remaining: number }> {
  const { contractId, epsilon } = use;
  if (!(epsilon > 0) || !Number.isFinite(epsilon))
    throw new AppError('VALIDATION_FAILED', 'epsilon must be positive');
  const at = deps.clock.now();
  const period = await openBudget(tx, actor, contractId, use.budget, at);
  const [row] = await tx
    .update(privacyBudgets)
    .set({ epsilonSpent: sql`${privacyBudgets.epsilonSpent} + ${epsilon}` })
    .where(
      and(
        eq(privacyBudgets.contractId, contractId),
        eq(privacyBudgets.period, period),
        sql`${privacyBudgets.epsilonSpent} + ${epsilon} <= ${privacyBudgets.epsilonGranted} * (1 + 1e-12)`,
      ),
    )
    .returning();
  if (!row) {
    const [budget] = await tx
      .select()
      .from(privacyBudgets)
      .where(and(eq(privacyBudgets.contractId, contractId), eq(privacyBudgets.period, period)));
    throw new AppError(
      'BUDGET_EXHAUSTED',
      `spending ${epsilon} would exceed the privacy budget: ${Math.max(0, budget!.epsilonGranted - budget!.epsilonSpent)} of ${budget!.epsilonGranted} left${period === 'all' ? '' : ` for ${period}`}`,
    );
  }
  await appendAuditEntry(tx, {
    actor,
    action: 'budget.spend',
    objectType: 'contract',
    objectId: contractId,
    contractId,
    details: {
      epsilon,
      spent: row.epsilonSpent,
      granted: row.epsilonGranted,
      period,
      runId: use.runId ?? null,
      ...(use.statistics !== undefined ? { statistics: use.statistics, cached: use.cached ?? 0 } : {}),
    },
    requestId,
    at,
  });
  return {
    period,
    granted: row.epsilonGranted,
    spent: row.epsilonSpent,
    remaining: row.epsilonGranted - row.epsilonSpent,
  };
}

/**
 * Charges the budget for noisy statistics about to be released: each is entered in the contract's
 * ledger by its digest, and only those not there before are paid for, so asking the identical
 * question again is free (and gets the identical answer). Atomic with the caller's transaction:
 * when the budget cannot pay, nothing is entered.
 */
export async function chargeStatistics(
  deps: Deps,
  tx: Db,
  actor: TActor,
  use: {
    contractId: string;
    budget: TBudget;
    runId: string;
    statistics: { digest: string; epsilon: number }[];
  },
): Promise<{ epsilon: number; cached: number; period: string | null }> {
  const at = deps.clock.now();
  const fresh: string[] = [];
  for (let i = 0; i < use.statistics.length; i += 1000) {
    const rows = use.statistics.slice(i, i + 1000).map((s) => ({
      contractId: use.contractId,
      digest: s.digest,
      epsilon: s.epsilon,
      runId: use.runId,
      chargedAt: at,
    }));
    const inserted = await tx
      .insert(privacyLedger)
      .values(rows)
      .onConflictDoNothing()
      .returning({ digest: privacyLedger.digest });
    fresh.push(...inserted.map((r) => r.digest));
  }
  const isFresh = new Set(fresh);
  const epsilon = use.statistics.filter((s) => isFresh.has(s.digest)).reduce((e, s) => e + s.epsilon, 0);
  const cached = use.statistics.length - fresh.length;
  if (epsilon === 0) return { epsilon, cached, period: null };
  const spent = await spendPrivacyBudget(deps, tx, actor, {
    contractId: use.contractId,
    budget: use.budget,
    epsilon,
    runId: use.runId,
    statistics: use.statistics.length,
    cached,
  });
  return { epsilon, cached, period: spent.period };
}

/** Gives back what a run reserved and did not spend (a rejected row run). */
export async function refundPrivacyBudget(
  deps: Deps,
  tx: Db,
  actor: TActor,
  use: { contractId: string; period: string; epsilon: number; runId: string },
  requestId?: string,
) {
  const [row] = await tx
    .update(privacyBudgets)
    .set({ epsilonSpent: sql`greatest(0, ${privacyBudgets.epsilonSpent} - ${use.epsilon})` })
    .where(and(eq(privacyBudgets.contractId, use.contractId), eq(privacyBudgets.period, use.period)))
    .returning();
  await appendAuditEntry(tx, {
    actor,
    action: 'budget.refund',
    objectType: 'contract',
    objectId: use.contractId,
    contractId: use.contractId,
    details: {
      epsilon: use.epsilon,
      period: use.period,
      runId: use.runId,
      spent: row?.epsilonSpent ?? null,
      granted: row?.epsilonGranted ?? null,
    },
    requestId,
    at: deps.clock.now(),
  });
}

/** The budget of the current period as it stands (a period not yet opened has spent nothing). */
export async function currentBudget(deps: Deps, contractId: string, budget: TBudget, db: Db = deps.db) {
  const period = periodKey(budget.period, deps.clock.now());
  const [row] = await db
    .select()
    .from(privacyBudgets)
    .where(and(eq(privacyBudgets.contractId, contractId), eq(privacyBudgets.period, period)));
  const granted = row?.epsilonGranted ?? budget.epsilon;
  const spent = row?.epsilonSpent ?? 0;
  return { period, granted, spent, remaining: Math.max(0, granted - spent) };
}
