import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { sandboxSessions } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { newId } from '../lib/ids.ts';
import { withContract } from '../licences/enforce-contract.ts';

/** Opens a sandbox session under an active contract that permits the sandbox. */
export async function openSession(deps: Deps, actor: TActor, contractId: string, requestId?: string) {
  const at = deps.clock.now();
  return withContract(
    deps,
    actor,
    { contractId, operation: 'sandbox', datasets: [], quota: 'skip' },
    async (tx, { payload }) => {
      const id = newId('ss');
      const [session] = await tx
        .insert(sandboxSessions)
        .values({ id, contractId, operatorOrgId: actor.orgId, createdBy: actor.userId, createdAt: at })
        .returning();
      await appendAuditEntry(tx, {
        actor,
        action: 'sandbox.session_open',
        objectType: 'sandbox_session',
        objectId: id,
        contractId,
        details: { datasets: payload.datasets.map((d) => d.id) },
        requestId,
        at,
      });
      return { session: session!, payload };
    },
    requestId,
  );
}
