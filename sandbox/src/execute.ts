import { findFindings, type TFinding } from './disclosure/findings.ts';
import {
  computeAggregate,
  computeRelease,
  DisclosureError,
  mapMarkers,
  markerIds,
  planRelease,
  type TDisclosureReport,
  type THostAggregate,
  type TReleased,
  type TReleasePlan,
  type TReleasePolicy,
} from './disclosure/index.ts';
import { runInIsolate, type TRunOptions } from './runner/run-in-isolate.ts';
import type { TAggregateRequest, TRunLimits, TRunOutput, TTable } from './types.ts';

/**
 * `aggregate`: the script runs on dummy tables and its aggregates are computed on the real rows by
 * host code and released at once under disclosure control. `rows`: the script runs on the real rows
 * and everything it produces is held for review.
 */
export type TRunKind = 'aggregate' | 'rows';

/** What the budget says to the statistics a release is about to draw. */
export type TCharge =
  | { ok: true; epsilon: number; cached: number }
  | { ok: false; code: string; message: string };
/** Charges the privacy budget for statistics (digest, epsilon), atomically; repeats are free. */
export type TCharger = (statistics: { digest: string; epsilon: number }[]) => Promise<TCharge>;

export type TReleaseSettings = {
  policy: Omit<TReleasePolicy, 'noiseSecret'>;
  /** Per-deployment noise key, hex. */
  noiseSecretHex: string;
  /** Epsilon of the whole run: release() calls take theirs from it, the result what is left. */
  epsilon: number;
};

export type TExecuteInput = {
  script: string;
  params: unknown;
  limits: TRunLimits;
  kind: TRunKind;
  /** The tables the script sees: dummy tables in an aggregate run, the run's own in a row run. */
  scriptTables: TTable[];
  /** The tables released numbers are computed from: the real ones, or the dummy ones of a dummy run. */
  hostTables: TTable[];
  release: TReleaseSettings;
  /** The budget; null charges nothing (dummy runs, and row runs, which are charged on approval). */
  charge: TCharger | null;
};

export type TCharged = { epsilon: number; statistics: number; cached: number };

export type TOutcome =
  /** An aggregate run's result with every aggregate released under disclosure control. */
  | { kind: 'released'; result: unknown; report: TDisclosureReport | null; charged: TCharged }
  /** An aggregate run whose release was refused (budget, an aggregate the host cannot release). */
  | { kind: 'refused'; code: string; message: string; charged: TCharged }
  /**
   * A row run's output, for the reviewers: the result with exact aggregates, the result as it
   * would be released on approval (aggregates under disclosure control with the run's epsilon,
   * null where one cannot be), and the automatic findings.
   */
  | {
      kind: 'held';
      hostResult: unknown;
      releasable: unknown;
      report: TDisclosureReport | null;
      unreleasable: { aggregate: number; reason: string }[];
      findings: TFinding[];
    };

export type TExecuted = {
  output: TRunOutput;
  outcome: TOutcome | null;
  /**
   * Epoch ms at which an executor was handed the run, its tables loaded (set by the pool; absent
   * when no executor ever got it). The script cannot move it: a held run's outcome is shown a fixed
   * time after it.
   */
  handedAt?: number;
};

/**
 * Runs a script in a fresh isolate and, outside it, computes what may leave: for an aggregate run,
 * the release of every aggregate in its result (and of those it released during the run), charged
 * to the budget before anything is computed on the host's rows; for a row run, what its reviewers
 * need. Nothing an aggregate run's script saw came from the host's rows, so its result's shape,
 * its failure, its logs and its usage cannot depend on them.
 */
export async function executeRun(
  input: TExecuteInput,
  options: Pick<TRunOptions, 'onCatastrophicError'> = {},
): Promise<TExecuted> {
  const settings = input.release;
  const policy: TReleasePolicy = {
    ...settings.policy,
    noiseSecret: Buffer.from(settings.noiseSecretHex, 'hex'),
  };
  const charged: TCharged = { epsilon: 0, statistics: 0, cached: 0 };
  const plan = (requests: TAggregateRequest[], epsilon: number, rows: 'where' | 'any') =>
    planRelease(requests, input.hostTables, { epsilon, dominanceN: policy.dominance?.n ?? null, rows });
  const charge = async (p: TReleasePlan): Promise<TCharge> => {
    const statistics = p.statistics.map((s) => ({ digest: s.digest, epsilon: s.epsilon }));
    const c = input.charge ? await input.charge(statistics) : { ok: true as const, epsilon: 0, cached: 0 };
    if (c.ok) {
      charged.epsilon += c.epsilon;
      charged.statistics += statistics.length;
      charged.cached += c.cached;
    }
    return c;
  };

  if (input.kind === 'rows') {
    const output = await runInIsolate(
      { script: input.script, params: input.params, tables: input.scriptTables, limits: input.limits },
      { ...options, kind: 'rows' },
    );
    if (!output.ok) return { output, outcome: null };
    return {
      output,
      outcome: held(
        output,
        input.scriptTables,
        plan(markerRequests(output), settings.epsilon, 'any'),
        policy,
      ),
    };
  }

  const interim = new Map<number, TReleased>();
  const reports: TDisclosureReport[] = [];
  let spent = 0;
  const output = await runInIsolate(
    { script: input.script, params: input.params, tables: input.scriptTables, limits: input.limits },
    {
      ...options,
      kind: 'aggregate',
      async release(request, epsilon) {
        const done = interim.get(request.id);
        if (done) return { ok: true, value: done };
        if (spent + epsilon > settings.epsilon * (1 + 1e-12)) {
          return {
            ok: false,
            message: `release(${epsilon}) would take more than the run's epsilon ${settings.epsilon} (${settings.epsilon - spent} left)`,
          };
        }
        try {
          const p = plan([request], epsilon, 'where');
          const c = await charge(p);
          if (!c.ok) return { ok: false, message: c.message };
          spent += epsilon;
          const { released, report } = computeRelease(p, policy);
          reports.push(report);
          interim.set(request.id, released.get(request.id)!);
          return { ok: true, value: released.get(request.id)! };
        } catch (e) {
          if (e instanceof DisclosureError) return { ok: false, message: e.message };
          throw e;
        }
      },
    },
  );
  if (!output.ok) return { output, outcome: null };
  const requests = markerRequests(output).filter((r) => !interim.has(r.id));
  let final = new Map<number, TReleased>();
  if (requests.length > 0) {
    const left = settings.epsilon - spent;
    if (!(left > settings.epsilon * 1e-9)) {
      return {
        output,
        outcome: {
          kind: 'refused',
          code: 'BUDGET_EXHAUSTED',
          message: 'release() calls took all of the run’s epsilon; nothing is left to release the result',
          charged,
        },
      };
    }
    try {
      const p = plan(requests, left, 'where');
      const c = await charge(p);
      if (!c.ok) return { output, outcome: { kind: 'refused', code: c.code, message: c.message, charged } };
      const out = computeRelease(p, policy);
      final = out.released;
      reports.push(out.report);
    } catch (e) {
      if (!(e instanceof DisclosureError)) throw e;
      return { output, outcome: { kind: 'refused', code: e.code, message: e.message, charged } };
    }
  }
  const result = mapMarkers(output.result, (id) => interim.get(id) ?? final.get(id));
  return { output, outcome: { kind: 'released', result, report: mergeReports(reports), charged } };
}

/** The recorded requests the result refers to, in id order. */
function markerRequests(output: Extract<TRunOutput, { ok: true }>): TAggregateRequest[] {
  const ids = new Set(markerIds(output.result));
  return output.aggregates.filter((a) => ids.has(a.id));
}

function held(
  output: Extract<TRunOutput, { ok: true }>,
  tables: TTable[],
  p: TReleasePlan,
  policy: TReleasePolicy,
): TOutcome {
  const exact = new Map<number, THostAggregate>();
  for (const a of markerRequests(output)) exact.set(a.id, computeAggregate(a, tables));
  const hostResult = mapMarkers(output.result, (id) => exact.get(id));
  const { released, report } =
    p.statistics.length > 0 ? computeRelease(p, policy) : { released: new Map(), report: null };
  const releasable = mapMarkers(output.result, (id) => (p.unreleasable.has(id) ? null : released.get(id)));
  const touched = tables.filter((t) => output.touched.includes(t.name));
  return {
    kind: 'held',
    hostResult,
    releasable,
    report,
    unreleasable: [...p.unreleasable].map(([aggregate, reason]) => ({ aggregate, reason })),
    findings: findFindings(output.result, exact, touched, policy.minCellCount),
  };
}

/** One report of several releases in a run: counts added, items and notes joined. */
function mergeReports(reports: TDisclosureReport[]): TDisclosureReport | null {
  if (reports.length === 0) return null;
  const [first, ...rest] = reports;
  const out: TDisclosureReport = structuredClone(first!);
  for (const r of rest) {
    out.cells += r.cells;
    out.suppressedPrimary += r.suppressedPrimary;
    out.suppressedSecondary += r.suppressedSecondary;
    out.suppressedDominance += r.suppressedDominance;
    out.rounded += r.rounded;
    out.perturbed += r.perturbed;
    if (out.dp && r.dp) {
      out.dp.epsilon += r.dp.epsilon;
      out.dp.statistics += r.dp.statistics;
    }
    out.notes.push(...r.notes.filter((n) => !out.notes.includes(n)));
    out.items.push(...r.items);
  }
  return out;
}
