import { canonicalize, currentSigningKey, signContract, type TContractPayload } from '@enclave/contracts';
import { asc, eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { Db } from '../db/client.ts';
import {
  type applicationParts,
  type applications,
  contractDatasets,
  contracts,
  users,
} from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { sha256Hex } from '../lib/hash.ts';
import { newId } from '../lib/ids.ts';
import { mergePolicies } from './policy.ts';

/**
 * Issues the contract for an application whose parts are all approved: the payload of the design,
 * signed by the platform's current key, awaiting the operator's countersignature. Runs inside the
 * transaction of the last approval.
 */
export async function issueContract(
  deps: Deps,
  tx: Db,
  app: typeof applications.$inferSelect,
  parts: (typeof applicationParts.$inferSelect)[],
  requestId?: string,
): Promise<string> {
  // The key first: a ring made on first use must not start after the contract it signs.
  const key = currentSigningKey(await deps.keys.ring());
  const at = deps.clock.now();
  const [authority] = await tx
    .select({ orgId: users.orgId })
    .from(users)
    .where(eq(users.role, 'admin'))
    .orderBy(asc(users.createdAt))
    .limit(1);
  const id = newId('ct');
  const payload: TContractPayload = {
    id,
    version: 1,
    issuedAt: at.toISOString(),
    issuer: { org: authority!.orgId, kid: key.kid },
    licensee: { org: app.operatorOrgId, kid: app.licenseeKid },
    // In id order, so the same approvals always give the same payload.
    datasets: [...parts]
      .sort((a, b) => (a.datasetId < b.datasetId ? -1 : 1))
      .map((p) => ({ id: p.datasetId, columns: p.columns })),
    purpose: app.purpose,
    scenario: app.scenario,
    operations: app.operations,
    policy: mergePolicies(
      parts.map((p) => p.policy),
      deps.settings.policy,
    ),
    term: { notBefore: app.notBefore.toISOString(), notAfter: app.notAfter.toISOString() },
  };
  const jws = await signContract(payload, key);
  await tx.insert(contracts).values({
    id,
    applicationId: app.id,
    operatorOrgId: app.operatorOrgId,
    jws,
    status: 'awaiting_countersign',
    issuerKid: key.kid,
    licenseeKid: app.licenseeKid,
    notBefore: app.notBefore,
    notAfter: app.notAfter,
    issuedAt: at,
  });
  await tx
    .insert(contractDatasets)
    .values(parts.map((p) => ({ contractId: id, datasetId: p.datasetId, providerOrgId: p.providerOrgId })));
  await appendAuditEntry(tx, {
    actor: null,
    action: 'contract.issue',
    objectType: 'contract',
    objectId: id,
    contractId: id,
    details: {
      applicationId: app.id,
      issuerKid: key.kid,
      payloadSha256: sha256Hex(canonicalize(payload)),
    },
    requestId,
    at,
  });
  return id;
}
