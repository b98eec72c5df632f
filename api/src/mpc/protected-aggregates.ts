import {
  computeRelease,
  planRelease,
  type TAggregateRequest,
  type TDisclosureReport,
  type TReleasedGroupBy,
  type TTable,
} from '@enclave/sandbox';
import type { TActor } from '../auth/actor.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { TEffectivePolicy } from '../licences/enforce-contract.ts';
import { budgetPolicy } from '../licences/policy.ts';
import { chargeStatistics } from '../licences/privacy-budget.ts';
import type { TMpcMeasure } from './mpc-spec.ts';

export type TProtected = {
  released: TReleasedGroupBy;
  report: TDisclosureReport;
  epsilon: number;
  cached: number;
};

/**
 * Per-group count and measures of `table`'s rows (all, or those `selection` marks), released
 * exactly as a sandbox aggregate run releases them: planned from the request and schema alone,
 * charged to the contract's budget before a row is read (an identical question on the same data
 * version is free and gets the identical answer), then noise, rounding, suppression under
 * minCellCount, the dominance rule and secondary suppression.
 */
export async function protectedAggregates(
  deps: Deps,
  actor: TActor,
  q: {
    effective: TEffectivePolicy;
    computationId: string;
    table: TTable;
    groupBy: string | null;
    measures: TMpcMeasure[];
    selection: Uint8Array | null;
  },
): Promise<TProtected> {
  const p = q.effective.policy;
  const budget = budgetPolicy(p, deps.settings.policy);
  const request: TAggregateRequest = {
    id: 1,
    kind: 'groupBy',
    table: q.table.name,
    selection: q.selection,
    ...(q.selection ? {} : { filter: { kind: 'all' as const } }),
    groupBy: q.groupBy ? [q.groupBy] : [],
    measures: [
      { fn: 'count', name: 'count' },
      ...q.measures.map((m) => ({
        fn: m.statistic,
        column: m.column,
        name: `${m.statistic}(${m.column})`,
        ...(m.bounds ? { bounds: m.bounds } : {}),
      })),
    ],
  };
  let plan: ReturnType<typeof planRelease>;
  try {
    plan = planRelease([request], [q.table], {
      epsilon: budget.epsilonPerRun,
      dominanceN: budget.dominance.n,
      rows: 'any',
    });
  } catch (err) {
    throw new AppError(
      'MPC_NOT_RELEASABLE',
      err instanceof Error ? err.message : 'the aggregates cannot be released',
    );
  }
  const problem = plan.unreleasable.get(1);
  if (problem) throw new AppError('MPC_NOT_RELEASABLE', problem);
  const charged = await deps.db.transaction((tx) =>
    chargeStatistics(deps, tx, actor, {
      contractId: q.effective.contractId,
      budget,
      runId: q.computationId,
      statistics: plan.statistics.map((s) => ({ digest: s.digest, epsilon: s.epsilon })),
    }),
  );
  const { released, report } = computeRelease(plan, {
    minCellCount: p.minCellCount,
    rounding: p.rounding,
    dominance: budget.dominance,
    noiseSecret: Buffer.from(deps.settings.sandbox.noiseSecretHex, 'hex'),
  });
  return {
    released: released.get(1) as TReleasedGroupBy,
    report,
    epsilon: charged.epsilon,
    cached: charged.cached,
  };
}
