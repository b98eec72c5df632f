import { canonicalize } from '@enclave/contracts';
import type { ExecutorPool, TCharge, TExecuted } from '@enclave/sandbox';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { appendAuditEntry, type TAuditEntry } from '../audit/append-audit-entry.ts';
import { aggregateShapeOf, queryShapeOf } from '../audit/query-shape.ts';
import type { TActor } from '../auth/actor.ts';
import { datasets, sandboxRuns, type THeld } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { sha256Hex } from '../lib/hash.ts';
import { enforceContract } from '../licences/enforce-contract.ts';
import { budgetPolicy } from '../licences/policy.ts';
import { chargeStatistics, type TBudget } from '../licences/privacy-budget.ts';
import { dummyTable, dummyTableKey } from './dummy-table.ts';
import { loadTable, tableKey } from './load-table.ts';

type TRunRow = typeof sandboxRuns.$inferSelect;

/** The operator a run acts for, as the worker checks and logs it. */
export const runActor = (run: TRunRow): TActor => ({
  userId: run.createdBy,
  orgId: run.operatorOrgId,
  role: 'operator',
  tokenId: 'worker',
});

/** A run's wall-clock limit: twice its CPU limit and a second more. */
const wallMsOf = (cpuMs: number) => cpuMs * 2 + 1_000;

/** A row run on real data: everything it produces, failure included, is held. */
export const isHeldRun = (r: Pick<TRunRow, 'target' | 'kind'>) => r.target === 'real' && r.kind === 'rows';

/** When a held run's outcome may show: its start, its wall limit and the executor's grace. */
export const heldUntil = (startedAt: Date, cpuMs: number, graceMs: number) =>
  new Date(startedAt.getTime() + wallMsOf(cpuMs) + graceMs);

/**
 * Executes one run, as the handler of its job: checks its contract again at the moment it starts, hands the script and
 * its tables to an executor process (an aggregate run's script gets dummy tables, its releases the
 * real ones; a row run gets the real ones), charges the budget as the release asks, and records
 * what is released, what is held for review, and the audit entry with digests.
 *
 * A row run on real data holds this worker's slot until its outcome may be shown (its wall limit
 * and the executor's grace after it started, whatever happened), so neither the time its outcome
 * appears nor the time the next run starts depends on how it went.
 */
export async function executeRun(
  deps: Deps,
  pool: ExecutorPool,
  runId: string,
  workerId: string,
): Promise<void> {
  // Queued → running, once: a run failed or started elsewhere meanwhile is left alone.
  const [run] = await deps.db
    .update(sandboxRuns)
    .set({
      status: 'running',
      startedAt: deps.clock.now(),
      workerId,
      attempts: sql`${sandboxRuns.attempts} + 1`,
    })
    .where(and(eq(sandboxRuns.id, runId), eq(sandboxRuns.status, 'queued')))
    .returning();
  if (!run) return;
  const actor = runActor(run);
  let effective: Awaited<ReturnType<typeof enforceContract>>;
  try {
    effective = await enforceContract(deps, actor, {
      contractId: run.contractId,
      operation: 'sandbox',
      datasets: [],
      quota: 'skip',
    });
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    await finish(deps, run, { status: 'failed', errorCode: err.code, errorMessage: err.message }, null);
    await deps.runEvents.finished(run.id);
    return;
  }
  const budget = budgetPolicy(effective.policy, deps.settings.policy);
  const licensed = effective.payload.datasets;
  const rows = await deps.db
    .select()
    .from(datasets)
    .where(
      inArray(
        datasets.id,
        licensed.map((d) => d.id),
      ),
    );
  const isReal = run.target === 'real';
  const versions: Record<string, number | null> = {};
  const present = licensed.flatMap((d) => {
    const ds = rows.find((r) => r.id === d.id);
    if (!ds) return [];
    versions[ds.id] = isReal ? ds.currentVersion : null;
    return [{ ds, columns: d.columns }];
  });
  const dummy = present.map(({ ds, columns }) => ({
    key: dummyTableKey(ds, columns),
    load: async () => dummyTable(ds, columns),
  }));
  const real = present.map(({ ds, columns }) => ({
    key: tableKey(ds.id, ds.currentVersion, columns),
    load: () => loadTable(deps, ds, columns),
  }));
  const p = effective.policy;
  const cpuMs = Math.min(run.cpuMs ?? p.maxCpuMsPerRun, p.maxCpuMsPerRun);
  const limits = {
    memoryMb: deps.settings.sandbox.isolateMemoryMb,
    cpuMs,
    wallMs: wallMsOf(cpuMs),
    maxResultBytes: p.maxResultBytes,
  };
  const isHeld = isHeldRun(run);
  const executed = await pool.run({
    runId: run.id,
    script: run.script,
    params: run.params,
    limits,
    kind: run.kind,
    release: {
      policy: { minCellCount: p.minCellCount, rounding: p.rounding, dominance: budget.dominance },
      noiseSecretHex: deps.settings.sandbox.noiseSecretHex,
      epsilon: run.epsilon ?? budget.epsilonPerRun,
    },
    scriptTables: run.kind === 'aggregate' || !isReal ? dummy : real,
    hostTables: isReal ? real : dummy,
    ...(isReal && run.kind === 'aggregate' ? { charge: (s) => chargeRun(deps, run, budget, s) } : {}),
  });
  const { output } = executed;
  // Its tables loaded, the script started: from then on, nothing it does moves when a held run shows.
  const startedAt = executed.handedAt === undefined ? run.startedAt : new Date(executed.handedAt);
  const holdMs = limits.wallMs + deps.settings.sandbox.graceMs;
  const visibleAt = isHeld
    ? heldUntil(startedAt ?? deps.clock.now(), cpuMs, deps.settings.sandbox.graceMs)
    : null;
  const shape =
    output.ok && output.aggregates.length > 0
      ? aggregateShapeOf(output.aggregates)
      : queryShapeOf(run.script, [...licensed.flatMap((d) => d.columns), ...rows.map((r) => r.slug)]);
  const touched = present.filter(({ ds }) => output.touched.includes(ds.slug)).map(({ ds }) => ds);
  const out = outcome(
    run,
    executed,
    touched.map((t) => t.slug),
  );
  if (isHeld) {
    // Every provider whose data the script read reviews it; if it read none, every provider of the contract.
    const reviewers = (touched.length > 0 ? touched : present.map((x) => x.ds)).map((ds) => ds.providerOrgId);
    out.reviewOrgIds = [...new Set(reviewers)];
    out.visibleAt = visibleAt;
  }
  out.startedAt = startedAt;
  await finish(deps, run, out, executed, versions, shape);
  if (visibleAt) {
    const wait = Math.min(holdMs, visibleAt.getTime() - deps.clock.now().getTime());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await deps.runEvents.finished(run.id);
}

/** Charges an aggregate run's statistics to its contract's budget (new ones only) and records it on the run. */
async function chargeRun(
  deps: Deps,
  run: TRunRow,
  budget: TBudget,
  statistics: { digest: string; epsilon: number }[],
): Promise<TCharge> {
  try {
    return await deps.db.transaction(async (tx) => {
      const c = await chargeStatistics(deps, tx, runActor(run), {
        contractId: run.contractId,
        budget,
        runId: run.id,
        statistics,
      });
      if (c.epsilon > 0) {
        await tx
          .update(sandboxRuns)
          .set({ epsilonCharged: sql`${sandboxRuns.epsilonCharged} + ${c.epsilon}`, budgetPeriod: c.period })
          .where(eq(sandboxRuns.id, run.id));
      }
      return { ok: true as const, epsilon: c.epsilon, cached: c.cached };
    });
  } catch (err) {
    if (err instanceof AppError && err.code === 'BUDGET_EXHAUSTED')
      return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

/**
 * A large JSON value bound as text and cast by PostgreSQL: for a 130 KB result this halves the cost
 * of drizzle's own jsonb parameter. Undefined leaves the column as it is; null is SQL NULL.
 */
const jsonbText = (value: unknown, text: string = JSON.stringify(value)) =>
  value === undefined ? undefined : value === null ? null : sql`${text}::jsonb`;

type TOutcomeRow = Partial<typeof sandboxRuns.$inferInsert> & { status: TRunRow['status'] };

/**
 * Where each part of the output goes. A dummy run shows everything. An aggregate run on real data
 * shows everything too: its script, logs, errors and usage saw only dummy data, and its result is
 * what disclosure control released. A row run on real data shows nothing but that it is held.
 */
function outcome(run: TRunRow, executed: TExecuted, touched: string[]): TOutcomeRow {
  const { output, outcome: o } = executed;
  const usage = output.usage;
  const shown = { logs: output.logs, usage };
  if (run.target === 'real' && run.kind === 'rows') {
    const held: THeld = {
      touched,
      ...(output.logs.length > 0 ? { logs: output.logs } : {}),
      ...(!output.ok ? { errorCode: output.code, errorMessage: output.errorMessage } : {}),
    };
    if (o?.kind === 'held') {
      Object.assign(held, {
        result: o.hostResult,
        releasable: o.releasable,
        report: o.report,
        unreleasable: o.unreleasable,
        findings: o.findings,
      });
    }
    return { status: 'pending_review', usage, held };
  }
  if (!output.ok)
    return { status: 'failed', errorCode: output.code, errorMessage: output.errorMessage, ...shown };
  if (o?.kind === 'refused')
    return { status: 'failed', errorCode: o.code, errorMessage: o.message, ...shown };
  if (o?.kind === 'released')
    return { status: 'succeeded', result: o.result, disclosure: o.report, ...shown };
  // A row run on dummy data: the exact result.
  return { status: 'succeeded', result: o?.kind === 'held' ? o.hostResult : null, ...shown };
}

async function finish(
  deps: Deps,
  run: TRunRow,
  out: TOutcomeRow,
  executed: TExecuted | null,
  versions: Record<string, number | null> = {},
  queryShape: string | null = null,
) {
  const at = deps.clock.now();
  // The released result's canonical text: both what is stored and what its digest is taken of.
  const released = out.result === undefined ? null : canonicalize(out.result ?? null);
  await deps.db.transaction(async (tx) => {
    const [charged] = await tx
      .update(sandboxRuns)
      .set({
        ...out,
        result: released === null ? undefined : jsonbText(out.result, released),
        held: jsonbText(out.held),
        disclosure: jsonbText(out.disclosure),
        datasetVersions: versions,
        finishedAt: at,
      })
      // Still ours: a run failed meanwhile (its worker taken for dead) keeps that outcome.
      .where(and(eq(sandboxRuns.id, run.id), eq(sandboxRuns.status, 'running')))
      .returning({ epsilonCharged: sandboxRuns.epsilonCharged });
    if (!charged) return;
    await appendAuditEntry(
      tx,
      runFinishEntry(run, out.status, at, {
        errorCode: out.errorCode ?? out.held?.errorCode ?? null,
        queryShape,
        datasetVersions: versions,
        releasedSha256: released === null ? null : sha256Hex(released),
        epsilonCharged: charged.epsilonCharged,
        disclosure: summary(executed),
        touched: out.held?.touched ?? null,
        usage: out.usage ?? null,
      }),
    );
  });
}

/**
 * The audit entry of a run's end: its status, what it was and digests of its script and
 * parameters, with `details` of how it went.
 */
export function runFinishEntry(
  run: TRunRow,
  status: TRunRow['status'],
  at: Date,
  details: Record<string, unknown>,
): TAuditEntry {
  return {
    actor: runActor(run),
    action: 'sandbox.run_finish',
    objectType: 'sandbox_run',
    objectId: run.id,
    contractId: run.contractId,
    outcome: status === 'failed' ? 'failed' : 'success',
    details: {
      status,
      target: run.target,
      kind: run.kind,
      scriptSha256: sha256Hex(run.script),
      paramsSha256: sha256Hex(canonicalize(run.params ?? null)),
      ...details,
    },
    at,
  };
}

function summary(executed: TExecuted | null) {
  const o = executed?.outcome;
  if (!o) return null;
  if (o.kind === 'refused') return { kind: o.kind, code: o.code, charged: o.charged };
  const r = o.report;
  return {
    kind: o.kind,
    ...(o.kind === 'released' ? { charged: o.charged } : {}),
    ...(r
      ? {
          cells: r.cells,
          suppressedPrimary: r.suppressedPrimary,
          suppressedSecondary: r.suppressedSecondary,
          suppressedDominance: r.suppressedDominance,
          rounded: r.rounded,
          perturbed: r.perturbed,
          dp: r.dp,
        }
      : {}),
  };
}
