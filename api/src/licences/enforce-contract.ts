import { ContractError, type TContractPayload, verifyContract } from '@enclave/contracts';
import { and, eq, lt, sql } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import type { Db } from '../db/client.ts';
import { contracts, contractUsage, orgKeys, type TOperation } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound, type TErrorCode } from '../errors.ts';

export type TContractUse = {
  contractId: string;
  operation: TOperation;
  datasets: { id: string; columns: string[] }[];
  /** `count` takes one of the day's runs; `check` only requires one to be left; `skip` ignores the quota (a run already counted). */
  quota: 'count' | 'check' | 'skip';
};

export type TEffectivePolicy = {
  contractId: string;
  payload: TContractPayload;
  policy: TContractPayload['policy'];
  runsToday: number;
};

const refuse = (code: TErrorCode, detail: string) => new AppError(code, detail);

/** Quotas reset at midnight UTC; Retry-After says how long until then. */
const quotaExceeded = (max: number, now: Date) => {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return new AppError('QUOTA_EXCEEDED', `the contract allows ${max} runs a day; none are left today`, {
    retryAfter: Math.ceil((midnight - now.getTime()) / 1000),
  });
};

/**
 * The one check every licensed operation makes at the moment it happens, and the transaction the
 * operation runs in: the contract exists and is the caller's org's, its signatures still verify (the
 * stored row is not trusted on its own), it is active, within term, not revoked and its
 * countersigning key not revoked, the operation, datasets and columns are licensed, and the day's
 * runs are not spent. Then `fn` runs in the same transaction, so a counted run and the operation
 * commit together. A refusal (a stable code) rolls everything back and is then written to the
 * audit log in a transaction of its own, so it is kept although the rest is not.
 */
export async function withContract<T>(
  deps: Deps,
  actor: TActor,
  use: TContractUse,
  fn: (tx: Db, effective: TEffectivePolicy) => Promise<T>,
  requestId?: string,
): Promise<T> {
  let refusal: AppError | null = null;
  try {
    return await deps.db.transaction(async (tx) => {
      let effective: TEffectivePolicy;
      try {
        effective = await check(deps, tx, actor, use);
      } catch (err) {
        if (err instanceof AppError && err.code !== 'NOT_FOUND') refusal = err;
        throw err;
      }
      return fn(tx, effective);
    });
  } catch (err) {
    if (refusal !== null && err === refusal) {
      await logRefusal(deps, refusal, { actor, use, requestId, at: deps.clock.now() });
    }
    throw err;
  }
}

/** The contract check alone, for a caller that only needs the effective policy. */
export const enforceContract = (deps: Deps, actor: TActor, use: TContractUse, requestId?: string) =>
  withContract(deps, actor, use, async (_tx, effective) => effective, requestId);

type TRefusal = { actor: TActor; use: TContractUse; requestId: string | undefined; at: Date };

async function logRefusal(deps: Deps, err: AppError, r: TRefusal) {
  await deps.db
    .transaction((own) =>
      appendAuditEntry(own, {
        actor: r.actor,
        action: 'contract.use',
        objectType: 'contract',
        objectId: r.use.contractId,
        contractId: r.use.contractId,
        outcome: 'refused',
        details: { operation: r.use.operation, code: err.code, detail: err.message },
        requestId: r.requestId,
        at: r.at,
      }),
    )
    .catch((e) => deps.logger.error('could not log a refused contract use', { error: String(e) }));
}

async function check(deps: Deps, tx: Db, actor: TActor, use: TContractUse): Promise<TEffectivePolicy> {
  const now = deps.clock.now();
  const [row] = await tx.select().from(contracts).where(eq(contracts.id, use.contractId));
  if (!row || row.operatorOrgId !== actor.orgId) throw notFound('contract');
  if (row.status === 'revoked')
    throw refuse('CONTRACT_REVOKED', `the contract was revoked: ${row.revokeReason ?? ''}`);
  if (row.status !== 'active')
    throw refuse('CONTRACT_NOT_ACTIVE', 'the contract awaits the operator’s countersignature');

  const [key] = await tx.select().from(orgKeys).where(eq(orgKeys.kid, row.licenseeKid));
  if (key?.revokedAt)
    throw refuse('CONTRACT_REVOKED', 'the operator’s key that countersigned the contract was revoked');
  let payload: TContractPayload;
  try {
    ({ payload } = await verifyContract(row.jws, {
      platformJwks: await deps.keys.jwks(),
      ...(key ? { operatorJwk: key.publicJwk } : {}),
      now,
      checkTerm: false,
    }));
  } catch (err) {
    if (!(err instanceof ContractError)) throw err;
    deps.logger.error('stored contract failed verification', { contractId: row.id, code: err.code });
    throw refuse('CONTRACT_INTEGRITY_FAILED', 'the stored contract no longer verifies; it cannot be used');
  }
  if (payload.id !== row.id || payload.licensee.org !== actor.orgId) {
    throw refuse(
      'CONTRACT_INTEGRITY_FAILED',
      'the stored contract does not match its record; it cannot be used',
    );
  }
  if (now < new Date(payload.term.notBefore)) {
    throw refuse('CONTRACT_NOT_YET_VALID', `the contract's term starts ${payload.term.notBefore}`);
  }
  if (now >= new Date(payload.term.notAfter)) {
    throw refuse('CONTRACT_EXPIRED', `the contract's term ended ${payload.term.notAfter}`);
  }
  if (!payload.operations.includes(use.operation)) {
    throw refuse('OPERATION_NOT_LICENSED', `the contract does not permit ${use.operation}`);
  }
  for (const d of use.datasets) {
    const licensed = payload.datasets.find((x) => x.id === d.id);
    if (!licensed) throw refuse('DATASET_NOT_LICENSED', `dataset ${d.id} is not in the contract`);
    const outside = d.columns.filter((c) => !licensed.columns.includes(c));
    if (outside.length > 0) {
      throw refuse('COLUMN_NOT_LICENSED', `column(s) not licensed for ${d.id}: ${outside.join(', ')}`);
    }
  }

  const day = now.toISOString().slice(0, 10);
  const max = payload.policy.maxRunsPerDay;
  let runsToday = 0;
  if (use.quota === 'count') {
    const counted = await tx
      .insert(contractUsage)
      .values({ contractId: row.id, day, runs: 1 })
      .onConflictDoUpdate({
        target: [contractUsage.contractId, contractUsage.day],
        set: { runs: sql`${contractUsage.runs} + 1` },
        setWhere: lt(contractUsage.runs, max),
      })
      .returning({ runs: contractUsage.runs });
    if (counted.length === 0) throw quotaExceeded(max, now);
    runsToday = counted[0]!.runs;
  } else if (use.quota === 'check') {
    const [usage] = await tx
      .select({ runs: contractUsage.runs })
      .from(contractUsage)
      .where(and(eq(contractUsage.contractId, row.id), eq(contractUsage.day, day)));
    runsToday = usage?.runs ?? 0;
    if (runsToday >= max) throw quotaExceeded(max, now);
  }
  return { contractId: row.id, payload, policy: payload.policy, runsToday };
}
