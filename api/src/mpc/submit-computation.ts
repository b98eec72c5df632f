import { createHash } from 'node:crypto';
import { paramSet } from '@enclave/mpc';
import { and, eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import { mpcComputations, mpcModels, mpcSessions } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { enqueueJob } from '../jobs/job-queue.ts';
import { newId } from '../lib/ids.ts';
import { withContract } from '../licences/enforce-contract.ts';
import { MPC_HE_SCORE_JOB, MPC_PSI_JOIN_JOB } from './mpc-jobs.ts';
import { licensedColumns, type THeScoreSpec, type TPsiSpec } from './mpc-spec.ts';
import { checkUpload, ownSession, type TCallContext } from './open-mpc-session.ts';

/** Most identifiers an operator may send to one join. */
export const MAX_PSI_IDENTIFIERS = 1_000_000;

/**
 * Queues an encrypted model's scoring on the protected aggregates of a licensed dataset: checks
 * the contract (operation `he`, the grouping and feature columns, a run of the day) and what can
 * be checked without SEAL (the model's size, the polynomial's degree, the keys it needs).
 */
export async function submitHeScore(
  deps: Deps,
  call: TCallContext,
  spec: THeScoreSpec & { dataset: string },
) {
  const session = await ownSession(deps, call.actor, spec.sessionId, 'he');
  const [model] = await deps.db
    .select({ id: mpcModels.id, count: mpcModels.count, sha256: mpcModels.sha256 })
    .from(mpcModels)
    .where(and(eq(mpcModels.id, spec.modelId), eq(mpcModels.sessionId, session.id)));
  if (!model) throw notFound('model');
  const set = paramSet(session.paramSet!);
  if (model.count !== spec.features.length + 1) {
    throw new AppError(
      'MPC_INPUT_INVALID',
      `the model has ${model.count} ciphertexts; ${spec.features.length} features need ${spec.features.length + 1}`,
    );
  }
  const degree = spec.polynomial ? spec.polynomial.length - 1 : 1;
  if (degree > set.maxModelDegree) {
    throw new AppError(
      'MPC_INPUT_INVALID',
      `${set.id} evaluates polynomials of degree at most ${set.maxModelDegree}`,
    );
  }
  if (degree > 1 && !session.relinKeysSha256) {
    throw new AppError(
      'MPC_KEYS_MISSING',
      `a degree-${degree} polynomial needs the session's relinearisation keys`,
    );
  }
  const computation = await queueComputation(deps, call, {
    session,
    kind: 'he.score',
    job: MPC_HE_SCORE_JOB,
    columns: licensedColumns(spec),
    dataset: spec.dataset,
    spec,
    input: null,
    inputSha256: model.sha256,
  });
  return computation;
}

/**
 * Queues the platform's last step of a private join: the operator's blinded identifiers A then
 * its blinding of the platform's points C (exactly as many as it was sent, in the same order).
 * One join per session: its secret is used once.
 */
export async function submitPsiJoin(deps: Deps, call: TCallContext, sessionId: string, body: Uint8Array) {
  const session = await ownSession(deps, call.actor, sessionId, 'psi');
  if (session.status !== 'ready') {
    throw new AppError(
      'INVALID_STATE',
      `the session is ${session.status}; a join needs a ready session, once`,
    );
  }
  const sent = session.points!.length;
  const operator = body.length - sent;
  await checkUpload(deps, call, session, 'join', body, () => {
    if (body.length % 32 !== 0 || operator < 32 || operator / 32 > MAX_PSI_IDENTIFIERS) {
      throw new AppError(
        'MPC_INPUT_INVALID',
        `send 32-byte points: 1 to ${MAX_PSI_IDENTIFIERS} of your blinded identifiers, then the ${sent / 32} platform points blinded again, in order`,
      );
    }
  });
  const spec = session.spec as TPsiSpec;
  return queueComputation(deps, call, {
    session,
    kind: 'psi.join',
    job: MPC_PSI_JOIN_JOB,
    columns: licensedColumns(spec),
    dataset: spec.dataset,
    spec: { ...spec, identifiers: operator / 32 },
    input: body,
    inputSha256: createHash('sha256').update(body).digest('hex'),
    onlyOnce: true,
  });
}

async function queueComputation(
  deps: Deps,
  call: TCallContext,
  c: {
    session: typeof mpcSessions.$inferSelect;
    kind: 'he.score' | 'psi.join';
    job: string;
    columns: string[];
    dataset: string;
    spec: object;
    input: Uint8Array | null;
    inputSha256: string;
    onlyOnce?: boolean;
  },
) {
  const at = deps.clock.now();
  const row = await withContract(
    deps,
    call.actor,
    {
      contractId: c.session.contractId,
      operation: c.kind === 'he.score' ? 'he' : 'psi',
      datasets: [{ id: c.dataset, columns: c.columns }],
      // A join was counted when its session opened.
      quota: c.kind === 'he.score' ? 'count' : 'skip',
    },
    async (tx) => {
      if (c.onlyOnce) {
        const [taken] = await tx
          .update(mpcSessions)
          .set({ status: 'running' })
          .where(and(eq(mpcSessions.id, c.session.id), eq(mpcSessions.status, 'ready')))
          .returning({ id: mpcSessions.id });
        if (!taken) throw new AppError('INVALID_STATE', 'this session has already been joined');
      }
      const id = newId('mc');
      const [computation] = await tx
        .insert(mpcComputations)
        .values({
          id,
          sessionId: c.session.id,
          kind: c.kind,
          contractId: c.session.contractId,
          operatorOrgId: call.actor.orgId,
          createdBy: call.actor.userId,
          spec: c.spec,
          input: c.input ? Buffer.from(c.input) : null,
          inputSha256: c.inputSha256,
          status: 'queued',
          createdAt: at,
        })
        .returning();
      await enqueueJob(tx, { kind: c.job, refId: id, at });
      await appendAuditEntry(tx, {
        actor: call.actor,
        action: 'mpc.computation_submit',
        objectType: 'mpc_computation',
        objectId: id,
        contractId: c.session.contractId,
        details: { kind: c.kind, sessionId: c.session.id, spec: c.spec, inputSha256: c.inputSha256 },
        requestId: call.requestId,
        at,
      });
      return computation!;
    },
    call.requestId,
  );
  await deps.runEvents.queued();
  return row;
}
