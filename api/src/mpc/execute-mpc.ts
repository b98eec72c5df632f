import {
  generateBlindingSecret,
  MAX_MODEL_FEATURES,
  MpcError,
  type MpcPool,
  paramSet,
  randomPermutation,
  splitSerialized,
} from '@enclave/mpc';
import type { createTableCache, TTable } from '@enclave/sandbox';
import { and, eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { datasets, mpcComputations, mpcModels, mpcPointCache, mpcSessions } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { enforceContract } from '../licences/enforce-contract.ts';
import { loadTable, tableKey } from '../sandbox/load-table.ts';
import { licensedColumns, type THeScoreSpec, type TPsiSpec } from './mpc-spec.ts';
import { protectedAggregates } from './protected-aggregates.ts';

type TComputation = typeof mpcComputations.$inferSelect;
type TSession = typeof mpcSessions.$inferSelect;

const actorOf = (row: { createdBy: string; operatorOrgId: string }): TActor => ({
  userId: row.createdBy,
  orgId: row.operatorOrgId,
  role: 'operator',
  tokenId: 'worker',
});

/** Refusals a computation records as its outcome; anything else is a fault of ours, failed as MPC_WORKER_FAILED. */
const outcomeOf = (err: unknown): { code: string; message: string } | null => {
  if (err instanceof AppError) return { code: err.code, message: err.message };
  if (err instanceof MpcError && err.code !== 'MPC_WORKER_FAILED')
    return { code: err.code, message: err.message };
  return null;
};

/**
 * What the handlers work with: the worker processes, and the tables they last loaded (a version
 * never changes, and loading 100 000 rows is the costliest part of a computation on this process).
 */
export type TMpcRuntime = { pool: MpcPool; tables: ReturnType<typeof createTableCache> };

async function datasetTable(
  deps: Deps,
  rt: TMpcRuntime,
  datasetId: string,
  columns: string[],
): Promise<{ table: TTable; version: number }> {
  const [ds] = await deps.db.select().from(datasets).where(eq(datasets.id, datasetId));
  if (!ds || ds.currentVersion === null)
    throw new AppError('MPC_NOT_RELEASABLE', 'the dataset holds no data');
  const key = tableKey(ds.id, ds.currentVersion, columns);
  let table = rt.tables.get(key);
  if (!table) {
    table = await loadTable(deps, ds, columns);
    rt.tables.put(key, table);
  }
  return { table, version: ds.currentVersion };
}

/** The contract checked again when the work starts (its run was counted when it was queued). */
const recheck = (
  deps: Deps,
  actor: TActor,
  contractId: string,
  operation: 'he' | 'psi',
  spec: Parameters<typeof licensedColumns>[0] & { dataset: string },
) =>
  enforceContract(deps, actor, {
    contractId,
    operation,
    datasets: [{ id: spec.dataset, columns: licensedColumns(spec) }],
    quota: 'skip',
  });

/** Splits n items in two halves and runs `op` on each in its own worker, so both cores work. */
async function inHalves(
  n: number,
  op: (from: number, to: number) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const mid = Math.ceil(n / 2);
  const parts = n < 512 ? [await op(0, n)] : await Promise.all([op(0, mid), op(mid, n)]);
  return Buffer.concat(parts);
}

// ————————————————————————————————————————— HE —————————————————————————————————————————

/**
 * Scores an encrypted model (a job): the contract checked again now, the protected per-group
 * aggregates released and charged as a sandbox release, the model evaluated on them in a worker
 * process. Groups suppressed, or with a suppressed feature, are left out.
 */
export async function executeHeScore(deps: Deps, rt: TMpcRuntime, computationId: string) {
  const { pool } = rt;
  const c = await start(deps, computationId);
  if (!c) return;
  const actor = actorOf(c);
  const spec = c.spec as THeScoreSpec;
  try {
    const effective = await recheck(deps, actor, c.contractId, 'he', spec);
    const [session] = await deps.db.select().from(mpcSessions).where(eq(mpcSessions.id, c.sessionId));
    const [model] = await deps.db.select().from(mpcModels).where(eq(mpcModels.id, spec.modelId));
    const { table, version } = await datasetTable(deps, rt, spec.dataset, licensedColumns(spec));
    const p = await protectedAggregates(deps, actor, {
      effective,
      computationId: c.id,
      table,
      groupBy: spec.groupBy,
      measures: spec.features,
      selection: null,
    });
    const suppressed = new Set(p.released.suppressed);
    const groups = p.released.rows.filter((_, i) => !suppressed.has(i));
    const base = {
      groups: groups.map((r) => ({ label: r[0] ?? null, count: r[1] as number })),
      disclosure: p.report,
      epsilonCharged: p.epsilon,
      datasetVersion: version,
    };
    if (groups.length === 0) {
      await finish(deps, c, {
        status: 'failed',
        errorCode: 'MPC_NOT_RELEASABLE',
        errorMessage: 'every group was suppressed',
        result: base,
        epsilon: p.epsilon,
        version,
      });
      return;
    }
    const set = paramSet(session!.paramSet!);
    // Checked when uploaded; split again by the same rules.
    const parts = splitSerialized(
      new Uint8Array(model!.ciphertexts),
      'ciphertext',
      set,
      MAX_MODEL_FEATURES + 1,
    );
    const scored = await pool.run('he.evaluate', {
      paramSet: set.id,
      model: parts,
      relinKeys: spec.polynomial && spec.polynomial.length > 2 ? new Uint8Array(session!.relinKeys!) : null,
      features: groups.map((r) => r.slice(2) as number[]),
      polynomial: spec.polynomial ?? null,
    });
    await finish(deps, c, {
      status: 'succeeded',
      result: { ...base, slots: scored.slots, ciphertexts: scored.ciphertexts.length },
      output: Buffer.concat(scored.ciphertexts),
      epsilon: p.epsilon,
      version,
    });
  } catch (err) {
    await failWith(deps, c, err);
  }
}

// ————————————————————————————————————————— PSI —————————————————————————————————————————

/** Padding makes the number of points sent a multiple of this, so it tells less about the dataset. */
export const PSI_PADDING = 1024;

/**
 * The distinct identifier values of a column and each row's index into them, in the order of first
 * appearance: a string column's dictionary as loaded (rows come in a fixed order for a version, so
 * the cached hashes of a version line up with it), numbers as their decimal text. Linear; nothing
 * sorted on the event loop.
 */
function identifierValues(table: TTable, column: string): { values: string[]; rowValue: Int32Array } {
  const col = table.columns[column]!;
  if ('codes' in col) return { values: col.dictionary, rowValue: col.codes };
  const index = new Map<string, number>();
  const values: string[] = [];
  const rowValue = new Int32Array(table.rowCount).fill(-1);
  for (let i = 0; i < table.rowCount; i++) {
    if (col.nulls?.[i]) continue;
    const v = String(col.values[i]);
    let k = index.get(v);
    if (k === undefined) {
      k = values.length;
      index.set(v, k);
      values.push(v);
    }
    rowValue[i] = k;
  }
  return { values, rowValue };
}

/**
 * The points a join blinds for a version's identifier values: each value hashed to the curve, in
 * order, then hashed random padding up to a multiple of {@link PSI_PADDING}. Cached per version
 * padding included, so that preparing a join takes the same time whatever the exact number of
 * values. An empty value cannot be hashed: a random stand-in takes its place and is never matched.
 */
async function paddedPoints(
  deps: Deps,
  pool: MpcPool,
  datasetId: string,
  version: number,
  column: string,
  values: string[],
): Promise<Uint8Array> {
  const total = Math.max(PSI_PADDING, Math.ceil(values.length / PSI_PADDING) * PSI_PADDING);
  const key = and(
    eq(mpcPointCache.datasetId, datasetId),
    eq(mpcPointCache.version, version),
    eq(mpcPointCache.column, column),
  );
  const [cached] = await deps.db.select().from(mpcPointCache).where(key);
  if (cached && cached.points.length === total * 32) return new Uint8Array(cached.points);
  const random = () => Buffer.from(generateBlindingSecret()).toString('hex');
  const ids = [
    ...values.map((v) => (v === '' ? random() : v)),
    ...Array.from({ length: total - values.length }, random),
  ];
  const points = await inHalves(total, (from, to) => pool.run('psi.hash', { ids: ids.slice(from, to) }));
  await deps.db
    .insert(mpcPointCache)
    .values({ datasetId, version, column, points: Buffer.from(points), createdAt: deps.clock.now() })
    .onConflictDoNothing();
  return points;
}

/**
 * The platform's side of a join before the operator answers (a job): the dataset's distinct
 * identifiers hashed (cached per version), blinded with a fresh secret, padded with blinded random
 * points to a multiple of {@link PSI_PADDING} and shuffled. The order is kept to find the rows later.
 */
export async function preparePsi(deps: Deps, rt: TMpcRuntime, sessionId: string) {
  const { pool } = rt;
  const [s] = await deps.db
    .update(mpcSessions)
    .set({ status: 'running' })
    .where(and(eq(mpcSessions.id, sessionId), eq(mpcSessions.status, 'queued')))
    .returning();
  if (!s) return;
  const spec = s.spec as TPsiSpec;
  try {
    await recheck(deps, actorOf(s), s.contractId, 'psi', spec);
    const { table, version } = await datasetTable(deps, rt, spec.dataset, [spec.identifierColumn]);
    const { values } = identifierValues(table, spec.identifierColumn);
    const padded = await paddedPoints(deps, pool, spec.dataset, version, spec.identifierColumn, values);
    const total = padded.length / 32;
    const secret = generateBlindingSecret();
    const blinded = await inHalves(total, (from, to) =>
      pool.run('psi.blind', { secret, points: padded.subarray(from * 32, to * 32) }),
    );
    const perm = randomPermutation(total);
    const points = Buffer.alloc(total * 32);
    const order = new Int32Array(total);
    perm.forEach((from, to) => {
      points.set(blinded.subarray(from * 32, from * 32 + 32), to * 32);
      order[to] = from < values.length && values[from] !== '' ? from : -1;
    });
    await deps.db
      .update(mpcSessions)
      .set({
        status: 'ready',
        secret: Buffer.from(secret),
        points,
        pointOrder: Buffer.from(order.buffer),
        spec: { ...spec, datasetVersion: version },
      })
      .where(eq(mpcSessions.id, s.id));
  } catch (err) {
    const o = outcomeOf(err);
    if (!o) deps.logger.error('psi prepare failed', { sessionId, error: String(err) });
    await failSession(deps, s, o ?? { code: 'MPC_WORKER_FAILED', message: 'preparing the join failed' });
  }
  await deps.runEvents.finished(s.id);
}

export async function failSession(deps: Deps, s: TSession, o: { code: string; message: string }) {
  await deps.db
    .update(mpcSessions)
    .set({ status: 'failed', errorCode: o.code, errorMessage: o.message, secret: null })
    .where(eq(mpcSessions.id, s.id));
}

/**
 * The end of a join (a job): the operator's points checked as curve points and blinded with the
 * session's secret; a platform row matched where the operator's blinding of its point equals one of
 * them; then only protected aggregates over the matched rows, charged to the budget. The secret is
 * erased whatever happens.
 */
export async function executePsiJoin(deps: Deps, rt: TMpcRuntime, computationId: string) {
  const { pool } = rt;
  const c = await start(deps, computationId);
  if (!c) return;
  const actor = actorOf(c);
  const spec = c.spec as TPsiSpec & { identifiers: number };
  const [s] = await deps.db.select().from(mpcSessions).where(eq(mpcSessions.id, c.sessionId));
  try {
    const effective = await recheck(deps, actor, c.contractId, 'psi', spec);
    if (!s?.secret || !s.points || !s.pointOrder)
      throw new AppError('INVALID_STATE', 'the session has no secret left');
    const { table, version } = await datasetTable(deps, rt, spec.dataset, licensedColumns(spec));
    if (version !== (s.spec as { datasetVersion?: number }).datasetVersion) {
      throw new AppError(
        'INVALID_STATE',
        'the dataset has a new version since the session opened; open a new one',
      );
    }
    const input = new Uint8Array(c.input!);
    const sent = s.points.length;
    const theirs = input.subarray(0, input.length - sent);
    const back = input.subarray(input.length - sent);
    const n = theirs.length / 32;
    // blindPoints refuses any that is not a valid curve point (MPC_POINT_INVALID) before using the secret.
    const secret = new Uint8Array(s.secret);
    const doubled = await inHalves(n, (from, to) =>
      pool.run('psi.blind', { secret, points: theirs.subarray(from * 32, to * 32) }),
    );
    const found = await pool.run('psi.match', { points: back, among: doubled });
    const order = new Int32Array(new Uint8Array(s.pointOrder).slice().buffer);
    const matched = new Uint8Array(order.length);
    for (let j = 0; j < order.length; j++) if (order[j]! >= 0 && found[j]) matched[order[j]!] = 1;
    const { rowValue } = identifierValues(table, spec.identifierColumn);
    const selection = new Uint8Array(table.rowCount);
    for (let r = 0; r < table.rowCount; r++)
      selection[r] = rowValue[r]! >= 0 && matched[rowValue[r]!] ? 1 : 0;
    const p = await protectedAggregates(deps, actor, {
      effective,
      computationId: c.id,
      table,
      groupBy: spec.groupBy ?? null,
      measures: spec.measures,
      selection,
    });
    // A cell whose count is suppressed is left out, as a suppressed group of a model is.
    const countAt = spec.groupBy ? 1 : 0;
    const rows = p.released.rows.filter((r) => r[countAt] !== null);
    const result = {
      columns: p.released.columns,
      rows,
      suppressed: rows.flatMap((r, i) => (r.some((v) => v === null) ? [i] : [])),
      disclosure: p.report,
      epsilonCharged: p.epsilon,
      identifiers: n,
      datasetVersion: version,
    };
    if (rows.length === 0) {
      await finish(deps, c, {
        status: 'failed',
        errorCode: 'MPC_NOT_RELEASABLE',
        errorMessage: "the intersection is under the contract's minimum cell count",
        result,
        epsilon: p.epsilon,
        version,
      });
    } else {
      await finish(deps, c, { status: 'succeeded', result, epsilon: p.epsilon, version });
    }
  } catch (err) {
    await failWith(deps, c, err);
  } finally {
    // The secret is used once; the session ends as its join did.
    const [done] = await deps.db
      .select({ status: mpcComputations.status })
      .from(mpcComputations)
      .where(eq(mpcComputations.id, c.id));
    await deps.db
      .update(mpcSessions)
      .set({ secret: null, status: done?.status === 'succeeded' ? 'succeeded' : 'failed' })
      .where(eq(mpcSessions.id, c.sessionId));
  }
}

// ————————————————————————————————————————— both —————————————————————————————————————————

async function start(deps: Deps, id: string): Promise<TComputation | null> {
  const [c] = await deps.db
    .update(mpcComputations)
    .set({ status: 'running', startedAt: deps.clock.now() })
    .where(and(eq(mpcComputations.id, id), eq(mpcComputations.status, 'queued')))
    .returning();
  return c ?? null;
}

async function failWith(deps: Deps, c: TComputation, err: unknown) {
  const o = outcomeOf(err);
  if (!o) deps.logger.error('mpc computation failed', { computationId: c.id, error: String(err) });
  await finish(deps, c, {
    status: 'failed',
    errorCode: o?.code ?? 'MPC_WORKER_FAILED',
    errorMessage: o?.message ?? 'the computation failed; nothing was released',
  });
}

/** Records a computation's outcome and its audit entry in one transaction, then announces it. */
export async function finish(
  deps: Deps,
  c: TComputation,
  out: {
    status: 'succeeded' | 'failed';
    result?: Record<string, unknown>;
    output?: Buffer;
    errorCode?: string;
    errorMessage?: string;
    epsilon?: number;
    version?: number;
  },
) {
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const [done] = await tx
      .update(mpcComputations)
      .set({
        status: out.status,
        result: out.result ?? null,
        output: out.output ?? null,
        input: null,
        errorCode: out.errorCode ?? null,
        errorMessage: out.errorMessage ?? null,
        epsilonCharged: out.epsilon ?? 0,
        datasetVersions:
          out.version === undefined ? null : { [(c.spec as { dataset: string }).dataset]: out.version },
        finishedAt: at,
      })
      .where(and(eq(mpcComputations.id, c.id), eq(mpcComputations.status, 'running')))
      .returning({ id: mpcComputations.id });
    if (!done) return;
    const result = out.result as
      | {
          groups?: unknown[];
          rows?: unknown[];
          disclosure?: { cells: number; suppressedPrimary: number; suppressedSecondary: number };
        }
      | undefined;
    await appendAuditEntry(tx, {
      actor: actorOf(c),
      action: 'mpc.computation_finish',
      objectType: 'mpc_computation',
      objectId: c.id,
      contractId: c.contractId,
      outcome: out.status === 'failed' ? 'failed' : 'success',
      details: {
        kind: c.kind,
        status: out.status,
        errorCode: out.errorCode ?? null,
        inputSha256: c.inputSha256,
        datasetVersion: out.version ?? null,
        groupsReleased: (result?.groups ?? result?.rows)?.length ?? 0,
        counts: result?.groups
          ? (result.groups as { count: number }[]).map((g) => g.count)
          : ((result?.rows as unknown[][] | undefined)?.map((r) => r[(c.spec as TPsiSpec).groupBy ? 1 : 0]) ??
            []),
        cells: result?.disclosure?.cells ?? null,
        suppressed: result?.disclosure
          ? result.disclosure.suppressedPrimary + result.disclosure.suppressedSecondary
          : null,
        epsilonCharged: out.epsilon ?? 0,
      },
      at,
    });
  });
  await deps.runEvents.finished(c.id);
}
