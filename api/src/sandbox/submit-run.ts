import { canonicalize } from '@enclave/contracts';
import { eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { sandboxRuns, sandboxSessions, type TRunKind } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { sha256Hex } from '../lib/hash.ts';
import { newId } from '../lib/ids.ts';
import { type TContractUse, withContract } from '../licences/enforce-contract.ts';
import { budgetPolicy } from '../licences/policy.ts';
import { currentBudget, spendPrivacyBudget } from '../licences/privacy-budget.ts';
import { queueRun } from './sandbox-jobs.ts';

export type TSubmitRunInput = {
  script: string;
  params?: unknown;
  target: 'real' | 'dummy';
  kind?: TRunKind;
  epsilon?: number | undefined;
  cpuMs?: number | undefined;
};

const invalid = (path: string, message: string) =>
  new AppError('VALIDATION_FAILED', `${path}: ${message}`, { errors: [{ path, message }] });

/**
 * Queues a run. The contract is checked now (and again when the run starts). A run on real data
 * takes one of the day's runs, and epsilon: a row run reserves all of its epsilon now (kept if its
 * output is approved, given back if it is rejected); an aggregate run must be able to afford its
 * epsilon now and is charged, when it runs, for the statistics it releases that were not asked
 * before. Dummy runs touch no real data and spend neither.
 */
export async function submitRun(
  deps: Deps,
  actor: TActor,
  sessionId: string,
  input: TSubmitRunInput,
  requestId?: string,
) {
  const at = deps.clock.now();
  const kind = input.kind ?? 'aggregate';
  const [session] = await deps.db.select().from(sandboxSessions).where(eq(sandboxSessions.id, sessionId));
  if (!session || session.operatorOrgId !== actor.orgId) throw notFound('session');
  const isReal = input.target === 'real';
  const use: TContractUse = {
    contractId: session.contractId,
    operation: 'sandbox',
    datasets: [],
    quota: isReal ? 'count' : 'skip',
  };
  return withContract(
    deps,
    actor,
    use,
    async (tx, { policy }) => {
      const budget = budgetPolicy(policy, deps.settings.policy);
      const epsilon = input.epsilon ?? budget.epsilonPerRun;
      if (epsilon > budget.epsilon)
        throw invalid('body.epsilon', `at most the contract's budget, ${budget.epsilon}`);
      if (input.cpuMs !== undefined && input.cpuMs > policy.maxCpuMsPerRun) {
        throw invalid('body.cpuMs', `at most the contract's ${policy.maxCpuMsPerRun}`);
      }
      const id = newId('run');
      let reserved: { period: string; epsilon: number } | null = null;
      if (isReal && kind === 'rows') {
        const spent = await spendPrivacyBudget(
          deps,
          tx,
          actor,
          { contractId: session.contractId, budget, epsilon, runId: id },
          requestId,
        );
        reserved = { period: spent.period, epsilon };
      } else if (isReal) {
        const left = await currentBudget(deps, session.contractId, budget, tx);
        if (left.remaining < epsilon * (1 - 1e-12)) {
          throw new AppError(
            'BUDGET_EXHAUSTED',
            `a run of epsilon ${epsilon} needs that much left in the privacy budget; ${left.remaining} of ${left.granted} is`,
          );
        }
      }
      const [run] = await tx
        .insert(sandboxRuns)
        .values({
          id,
          sessionId,
          contractId: session.contractId,
          operatorOrgId: actor.orgId,
          createdBy: actor.userId,
          target: input.target,
          kind,
          script: input.script,
          params: input.params ?? null,
          epsilon: isReal ? epsilon : null,
          epsilonCharged: reserved?.epsilon ?? 0,
          budgetPeriod: reserved?.period ?? null,
          cpuMs: input.cpuMs ?? policy.maxCpuMsPerRun,
          createdAt: at,
        })
        .returning();
      await queueRun(tx, id, at);
      await appendAuditEntry(tx, {
        actor,
        action: 'sandbox.run_submit',
        objectType: 'sandbox_run',
        objectId: id,
        contractId: session.contractId,
        details: {
          target: input.target,
          kind,
          scriptSha256: sha256Hex(input.script),
          paramsSha256: sha256Hex(canonicalize(input.params ?? null)),
          epsilon: run!.epsilon,
          reserved: reserved?.epsilon ?? null,
        },
        requestId,
        at,
      });
      return run!;
    },
    requestId,
  );
}
