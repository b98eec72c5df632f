import { createHash } from 'node:crypto';
import {
  checkSerialized,
  MAX_MODEL_FEATURES,
  paramSet,
  splitSerialized,
  type TParamSetId,
} from '@enclave/mpc';
import { and, eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { mpcModels, mpcSessions } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { enqueueJob } from '../jobs/job-queue.ts';
import { newId } from '../lib/ids.ts';
import { apiErrorOf } from '../library-errors.ts';
import { withContract } from '../licences/enforce-contract.ts';
import { MPC_PSI_PREPARE_JOB } from './mpc-jobs.ts';
import { licensedColumns, type TPsiSpec } from './mpc-spec.ts';

export type TCallContext = { actor: TActor; requestId: string };

const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Checks uploaded bytes with `check`; a refusal is written to the audit log (what was sent: its
 * size and digest, and why it was refused) in a transaction of its own, then thrown.
 */
export async function checkUpload<T>(
  deps: Deps,
  call: TCallContext,
  session: { id: string; contractId: string },
  what: string,
  bytes: Uint8Array,
  check: () => T,
): Promise<T> {
  try {
    return check();
  } catch (err) {
    const refusal = apiErrorOf(err) ?? (err instanceof AppError ? err : null);
    if (!refusal) throw err;
    await deps.db.transaction((tx) =>
      appendAuditEntry(tx, {
        actor: call.actor,
        action: 'mpc.input_refused',
        objectType: 'mpc_session',
        objectId: session.id,
        contractId: session.contractId,
        outcome: 'refused',
        details: {
          what,
          code: refusal.code,
          reason: refusal.extra?.reason ?? null,
          bytes: bytes.length,
          sha256: digest(bytes),
        },
        requestId: call.requestId,
        at: deps.clock.now(),
      }),
    );
    throw refusal;
  }
}

/** Opens an HE session under a contract that licenses `he`: the parameter set the operator's keys are for. */
export async function openHeSession(
  deps: Deps,
  call: TCallContext,
  input: { contractId: string; paramSet: TParamSetId },
) {
  const at = deps.clock.now();
  const set = paramSet(input.paramSet);
  return withContract(
    deps,
    call.actor,
    { contractId: input.contractId, operation: 'he', datasets: [], quota: 'skip' },
    async (tx) => {
      const id = newId('mh');
      const [session] = await tx
        .insert(mpcSessions)
        .values({
          id,
          kind: 'he',
          contractId: input.contractId,
          operatorOrgId: call.actor.orgId,
          createdBy: call.actor.userId,
          paramSet: set.id,
          status: 'ready',
          createdAt: at,
        })
        .returning();
      await appendAuditEntry(tx, {
        actor: call.actor,
        action: 'mpc.session_open',
        objectType: 'mpc_session',
        objectId: id,
        contractId: input.contractId,
        details: { kind: 'he', paramSet: set.id },
        requestId: call.requestId,
        at,
      });
      return session!;
    },
    call.requestId,
  );
}

/** One of the caller's org's sessions of `kind`, or 404. */
export async function ownSession(deps: Deps, actor: TActor, id: string, kind: 'he' | 'psi') {
  const [s] = await deps.db
    .select()
    .from(mpcSessions)
    .where(
      and(eq(mpcSessions.id, id), eq(mpcSessions.operatorOrgId, actor.orgId), eq(mpcSessions.kind, kind)),
    );
  if (!s) throw notFound('session');
  return s;
}

/**
 * Stores an HE session's relinearisation keys (polynomial models only), after checking their
 * framing; SEAL validates them against the parameters when a computation loads them.
 */
export async function uploadRelinKeys(deps: Deps, call: TCallContext, sessionId: string, bytes: Uint8Array) {
  const session = await ownSession(deps, call.actor, sessionId, 'he');
  const set = paramSet(session.paramSet!);
  if (set.maxModelDegree === 1) {
    throw new AppError(
      'MPC_INPUT_INVALID',
      `${set.id} evaluates linear models only, which need no relinearisation keys`,
    );
  }
  await checkUpload(deps, call, session, 'relinKeys', bytes, () => checkSerialized(bytes, 'relinKeys', set));
  const sha256 = digest(bytes);
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await tx
      .update(mpcSessions)
      .set({ relinKeys: Buffer.from(bytes), relinKeysSha256: sha256 })
      .where(eq(mpcSessions.id, session.id));
    await appendAuditEntry(tx, {
      actor: call.actor,
      action: 'mpc.keys_upload',
      objectType: 'mpc_session',
      objectId: session.id,
      contractId: session.contractId,
      details: { kind: 'relinKeys', bytes: bytes.length, sha256 },
      requestId: call.requestId,
      at,
    });
  });
  return { sessionId: session.id, relinKeysSha256: sha256 };
}

/** Stores an encrypted model: one fresh ciphertext per feature, then the bias, framing checked. */
export async function uploadModel(deps: Deps, call: TCallContext, sessionId: string, bytes: Uint8Array) {
  const session = await ownSession(deps, call.actor, sessionId, 'he');
  const set = paramSet(session.paramSet!);
  const parts = await checkUpload(deps, call, session, 'model', bytes, () => {
    const parts = splitSerialized(bytes, 'ciphertext', set, MAX_MODEL_FEATURES + 1);
    if (parts.length < 2) {
      throw new AppError('MPC_INPUT_INVALID', 'a model is at least two ciphertexts: one weight and the bias');
    }
    return parts;
  });
  const id = newId('mm');
  const sha256 = digest(bytes);
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await tx.insert(mpcModels).values({
      id,
      sessionId: session.id,
      ciphertexts: Buffer.from(bytes),
      count: parts.length,
      sha256,
      createdAt: at,
    });
    await appendAuditEntry(tx, {
      actor: call.actor,
      action: 'mpc.model_upload',
      objectType: 'mpc_model',
      objectId: id,
      contractId: session.contractId,
      details: { sessionId: session.id, ciphertexts: parts.length, bytes: bytes.length, sha256 },
      requestId: call.requestId,
      at,
    });
  });
  return { id, sessionId: session.id, ciphertexts: parts.length, sha256 };
}

/**
 * Opens a private join under a contract that licenses `psi` on the dataset and every column the
 * spec names (counted against the day's runs), and queues the platform's side: hashing its
 * identifiers (cached per version), blinding them with a fresh secret, shuffling and padding.
 */
export async function openPsiSession(
  deps: Deps,
  call: TCallContext,
  input: { contractId: string } & TPsiSpec,
) {
  const at = deps.clock.now();
  const session = await withContract(
    deps,
    call.actor,
    {
      contractId: input.contractId,
      operation: 'psi',
      datasets: [{ id: input.dataset, columns: licensedColumns(input) }],
      quota: 'count',
    },
    async (tx) => {
      const id = newId('mp');
      const spec: TPsiSpec = {
        dataset: input.dataset,
        identifierColumn: input.identifierColumn,
        groupBy: input.groupBy ?? null,
        measures: input.measures,
      };
      const [s] = await tx
        .insert(mpcSessions)
        .values({
          id,
          kind: 'psi',
          contractId: input.contractId,
          operatorOrgId: call.actor.orgId,
          createdBy: call.actor.userId,
          datasetId: input.dataset,
          spec,
          status: 'queued',
          createdAt: at,
        })
        .returning();
      await enqueueJob(tx, { kind: MPC_PSI_PREPARE_JOB, refId: id, at });
      await appendAuditEntry(tx, {
        actor: call.actor,
        action: 'mpc.session_open',
        objectType: 'mpc_session',
        objectId: id,
        contractId: input.contractId,
        details: { kind: 'psi', spec },
        requestId: call.requestId,
        at,
      });
      return s!;
    },
    call.requestId,
  );
  await deps.runEvents.queued();
  return session;
}
