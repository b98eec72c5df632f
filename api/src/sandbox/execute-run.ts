import { canonicalize } from '@enclave/contracts';
import type { ExecutorPool, TExecuted } from '@enclave/sandbox';
import { eq, inArray, sql } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import { aggregateShapeOf, queryShapeOf } from '../audit/query-shape.ts';
import type { TActor } from '../auth/actor.ts';
import { datasets, sandboxRuns } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { sha256Hex } from '../lib/hash.ts';
import { enforceContract } from '../licences/enforce-contract.ts';
import { dummyTable } from './dummy-table.ts';
import { loadTable, tableKey } from './load-table.ts';

type TRunRow = typeof sandboxRuns.$inferSelect;

/** The operator a run acts for, as the worker checks and logs it. */
const runActor = (run: TRunRow): TActor => ({
  userId: run.createdBy,
  orgId: run.operatorOrgId,
  role: 'operator',
  tokenId: 'worker',
});

/**
 * Executes one claimed run: checks its contract again at the moment it starts, hands the script
 * and the licensed tables (real, or dummy data from the schema) to an executor process, and
 * records what may be released, what is held for review, and the audit entry with digests.
 */
export async function executeRun(deps: Deps, pool: ExecutorPool, runId: string): Promise<void> {
  const [run] = await deps.db.select().from(sandboxRuns).where(eq(sandboxRuns.id, runId));
  if (!run) return;
  const actor = runActor(run);
  let policy: Awaited<ReturnType<typeof enforceContract>>;
  try {
    policy = await enforceContract(deps, deps.db, actor, {
      contractId: run.contractId,
      operation: 'sandbox',
      datasets: [],
      quota: 'skip',
    });
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    await finish(deps, run, { status: 'failed', errorCode: err.code, errorMessage: err.message }, null);
    return;
  }
  const licensed = policy.payload.datasets;
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
  const tables = licensed.flatMap((d) => {
    const ds = rows.find((r) => r.id === d.id);
    if (!ds) return [];
    versions[ds.id] = isReal ? ds.currentVersion : null;
    return [
      isReal
        ? { key: tableKey(ds.id, ds.currentVersion, d.columns), load: () => loadTable(deps, ds, d.columns) }
        : {
            key: `dummy:${ds.id}:${[...d.columns].sort().join(',')}`,
            load: async () => dummyTable(ds, d.columns),
          },
    ];
  });
  const p = policy.policy;
  const executed = await pool.run({
    runId: run.id,
    script: run.script,
    params: run.params,
    limits: {
      memoryMb: deps.settings.sandbox.isolateMemoryMb,
      cpuMs: p.maxCpuMsPerRun,
      wallMs: p.maxCpuMsPerRun * 2 + 2_000,
      maxResultBytes: p.maxResultBytes,
    },
    release: isReal
      ? {
          mode: 'real',
          policy: {
            minCellCount: p.minCellCount,
            rounding: p.rounding,
            ...(p.dp && run.epsilon
              ? { dp: { epsilon: run.epsilon, ...(p.dp.delta ? { delta: p.dp.delta } : {}) } }
              : {}),
          },
          cellKeySecretHex: deps.settings.sandbox.cellKeySecretHex,
        }
      : { mode: 'dummy' },
    tables,
  });
  const { output } = executed;
  const shape =
    output.ok && output.aggregates.length > 0
      ? aggregateShapeOf(output.aggregates)
      : queryShapeOf(run.script, [...licensed.flatMap((d) => d.columns), ...rows.map((r) => r.slug)]);
  await finish(deps, run, outcome(run, executed), executed, versions, shape);
}

/**
 * A large JSON value bound as text and cast by PostgreSQL: for a 130 KB result this halves the cost
 * of drizzle's own jsonb parameter. Undefined leaves the column as it is; null is SQL NULL.
 */
const jsonbText = (value: unknown, text: string = JSON.stringify(value)) =>
  value === undefined ? undefined : value === null ? null : sql`${text}::jsonb`;

type TOutcome = Partial<typeof sandboxRuns.$inferInsert> & { status: TRunRow['status'] };

/** Where each part of the output goes: to the operator, or held for the providers' review. */
function outcome(run: TRunRow, executed: TExecuted): TOutcome {
  const { output, decision } = executed;
  const usage = output.usage;
  if (run.target === 'dummy') {
    return output.ok
      ? {
          status: 'succeeded',
          result: decision && 'result' in decision ? decision.result : null,
          logs: output.logs,
          usage,
        }
      : {
          status: 'failed',
          errorCode: output.code,
          errorMessage: output.errorMessage,
          logs: output.logs,
          usage,
        };
  }
  const heldText = {
    ...(output.logs.length > 0 ? { logs: output.logs } : {}),
    ...(!output.ok ? { errorMessage: output.errorMessage } : {}),
  };
  if (!output.ok) {
    return {
      status: 'failed',
      errorCode: output.code,
      usage,
      held: Object.keys(heldText).length ? heldText : null,
    };
  }
  if (decision?.kind === 'release') {
    return {
      status: 'succeeded',
      result: decision.result,
      disclosure: decision.report,
      usage,
      held: Object.keys(heldText).length ? heldText : null,
    };
  }
  const review = decision as { kind: 'review'; reason: string; hostResult: unknown };
  return {
    status: 'pending_review',
    usage,
    held: { result: review.hostResult, reason: review.reason, ...heldText },
  };
}

async function finish(
  deps: Deps,
  run: TRunRow,
  out: TOutcome,
  executed: TExecuted | null,
  versions: Record<string, number | null> = {},
  queryShape: string | null = null,
) {
  const at = deps.clock.now();
  // The released result's canonical text: both what is stored and what its digest is taken of.
  const released = out.result === undefined ? null : canonicalize(out.result ?? null);
  await deps.db.transaction(async (tx) => {
    let reviewOrgIds: string[] = [];
    if (out.status === 'pending_review') {
      const ids = Object.keys(versions);
      const rows = ids.length
        ? await tx.select({ org: datasets.providerOrgId }).from(datasets).where(inArray(datasets.id, ids))
        : [];
      reviewOrgIds = [...new Set(rows.map((r) => r.org))];
    }
    await tx
      .update(sandboxRuns)
      .set({
        ...out,
        result: released === null ? undefined : jsonbText(out.result, released),
        held: jsonbText(out.held),
        reviewOrgIds,
        datasetVersions: versions,
        finishedAt: at,
      })
      .where(eq(sandboxRuns.id, run.id));
    await appendAuditEntry(tx, {
      actor: runActor(run),
      action: 'sandbox.run_finish',
      objectType: 'sandbox_run',
      objectId: run.id,
      contractId: run.contractId,
      outcome: out.status === 'failed' || out.status === 'rejected' ? 'failed' : 'success',
      details: {
        status: out.status,
        target: run.target,
        errorCode: out.errorCode ?? null,
        scriptSha256: sha256Hex(run.script),
        paramsSha256: sha256Hex(canonicalize(run.params ?? null)),
        queryShape,
        datasetVersions: versions,
        releasedSha256: released === null ? null : sha256Hex(released),
        disclosure: summary(executed),
        usage: out.usage ?? null,
      },
      at,
    });
  });
  await deps.runEvents.finished(run.id);
}

function summary(executed: TExecuted | null) {
  const d = executed?.decision;
  if (d?.kind !== 'release') return d ? { kind: d.kind } : null;
  const r = d.report;
  return {
    cells: r.cells,
    suppressedPrimary: r.suppressedPrimary,
    suppressedSecondary: r.suppressedSecondary,
    rounded: r.rounded,
    perturbed: r.perturbed,
    dp: r.dp,
  };
}
