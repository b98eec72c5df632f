import { canonicalize } from '@enclave/contracts';
import { eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { sandboxRuns, sandboxSessions } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { sha256Hex } from '../lib/hash.ts';
import { newId } from '../lib/ids.ts';
import { auditContractRefusals, enforceContract } from '../licences/enforce-contract.ts';
import { spendPrivacyBudget } from '../licences/spend-privacy-budget.ts';

export type TSubmitRunInput = {
  script: string;
  params?: unknown;
  target: 'real' | 'dummy';
  epsilon?: number | undefined;
};

/**
 * Queues a run. The contract is checked now (and again when the run starts); a run on real data
 * takes one of the day's runs and, under a DP policy, its epsilon from the budget, atomically and
 * before it runs. Dummy runs touch no real data and spend neither.
 */
export async function submitRun(
  deps: Deps,
  actor: TActor,
  sessionId: string,
  input: TSubmitRunInput,
  requestId?: string,
) {
  const at = deps.clock.now();
  return auditContractRefusals(deps, () =>
    deps.db.transaction(async (tx) => {
      const [session] = await tx.select().from(sandboxSessions).where(eq(sandboxSessions.id, sessionId));
      if (!session || session.operatorOrgId !== actor.orgId) throw notFound('session');
      const isReal = input.target === 'real';
      const { policy } = await enforceContract(
        deps,
        tx,
        actor,
        {
          contractId: session.contractId,
          operation: 'sandbox',
          datasets: [],
          quota: isReal ? 'count' : 'skip',
        },
        requestId,
      );
      const id = newId('run');
      if (isReal && policy.dp) {
        if (input.epsilon === undefined) {
          throw new AppError(
            'VALIDATION_FAILED',
            'body.epsilon: the contract has a DP policy; say how much epsilon this run spends',
            {
              errors: [{ path: 'body.epsilon', message: 'required under the contract’s DP policy' }],
            },
          );
        }
        await spendPrivacyBudget(deps, tx, actor, session.contractId, input.epsilon, requestId);
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
          script: input.script,
          params: input.params ?? null,
          epsilon: isReal && policy.dp ? (input.epsilon ?? null) : null,
          createdAt: at,
        })
        .returning();
      await appendAuditEntry(tx, {
        actor,
        action: 'sandbox.run_submit',
        objectType: 'sandbox_run',
        objectId: id,
        contractId: session.contractId,
        details: {
          target: input.target,
          scriptSha256: sha256Hex(input.script),
          paramsSha256: sha256Hex(canonicalize(input.params ?? null)),
          epsilon: run!.epsilon,
        },
        requestId,
        at,
      });
      return run!;
    }),
  );
}
