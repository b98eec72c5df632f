import type { TAggregateRequest } from '../types.ts';
import { COUNT_NOISE_P } from './cell-key.ts';
import { coefficientRecord, labelPositions, materializeResult } from './compute-aggregate.ts';
import { DisclosureError } from './errors.ts';
import { measureFamily, measureName, type TGroupByRequest } from './measures.ts';
import { frameStats, frameValues, histogramValues, regressionValues, type TNoise } from './noisy-values.ts';
import {
  planRelease,
  relationsOf,
  type TFrameEntry,
  type THistogramEntry,
  type TRegressionEntry,
} from './plan.ts';
import { solveRegression } from './regression.ts';
import { mapMarkers, problemReason, scanResult } from './scan-result.ts';
import { PRIMARY, RELEASED, SECONDARY, suppressSecondary } from './suppress.ts';
import type {
  TDisclosurePolicy,
  TDisclosureReport,
  TLabel,
  TReleaseDecision,
  TReleasedGroupBy,
  TReleasedHistogram,
  TReleasedRegression,
  TReleaseInput,
} from './types.ts';

type TItem = TDisclosureReport['items'][number];

/**
 * Decides what a sandbox run may release, computing every released number from the host's own
 * tables (nothing numeric the script returned is used).
 *
 * Released automatically only when the result is made of `{ $aggregate: id }` markers nested in
 * arrays and objects whose keys are all `allowedLabels`, and no aggregate asks for min, max or
 * median. Then, per aggregate: host computation; primary and secondary suppression (suppress.ts);
 * perturbation (cell-key noise, or Laplace noise under `policy.dp`); counts rounded to
 * `policy.rounding`. Each marker becomes a {@link TReleasedGroupBy}, {@link TReleasedHistogram}
 * or {@link TReleasedRegression}. Anything else goes to review with the exact host result.
 *
 * @throws {DisclosureError} on a malformed policy or an aggregate the host cannot compute.
 */
export function releaseRun(input: TReleaseInput): TReleaseDecision {
  const { policy } = input;
  checkPolicy(policy);
  const recorded = new Map<number, TAggregateRequest>();
  for (const a of input.aggregates) {
    if (recorded.has(a.id))
      throw new DisclosureError('DISCLOSURE_INVALID_REQUEST', `aggregate id ${a.id} recorded twice`);
    recorded.set(a.id, a);
  }
  const review = (reason: string): TReleaseDecision => ({
    kind: 'review',
    reason,
    hostResult: materializeResult(input.result, input.aggregates, input.tables),
  });
  const scan = scanResult(input.result, input.allowedLabels, recorded);
  if (scan.problems.size > 0) return review(problemReason(scan.problems));

  const requests = [...scan.ids].sort((a, b) => a - b).map((id) => recorded.get(id)!);
  const min = policy.minCellCount;
  const plan = planRelease(requests, input.tables, {
    minCellCount: min,
    isDp: policy.dp !== undefined,
    cellKeySecret: policy.dp ? null : policy.cellKeySecret,
  });

  const notes: string[] = [];
  let noise: TNoise;
  if (policy.dp) {
    const unbounded = unboundedUnderDp(plan.frames, plan.regressions);
    if (unbounded.length > 0) {
      return review(
        `under differential privacy a sum, mean, variance or regression needs both schema bounds of its column; missing for ${unbounded.map((c) => JSON.stringify(c)).join(', ')}`,
      );
    }
    const statistics =
      plan.frames.reduce((k, e) => k + frameStats(e).size, 0) +
      plan.histograms.length +
      plan.regressions.length;
    const share = statistics > 0 ? policy.dp.epsilon / statistics : policy.dp.epsilon;
    noise = { kind: 'dp', epsilon: share };
    notes.push(
      `differential privacy: Laplace noise, epsilon ${policy.dp.epsilon} split evenly over ${statistics} noisy statistics (${share} each); cell-key perturbation not applied`,
    );
    if (policy.dp.delta !== undefined) notes.push('delta unused: the Laplace mechanism is pure epsilon-DP');
  } else {
    noise = { kind: 'cellKey', secret: policy.cellKeySecret };
    notes.push(
      `cell-key perturbation: counts get noise −2..+2 with probabilities ${COUNT_NOISE_P.join(', ')} (variance 1.2); sums, variances and regression statistics get noise of one row's range; the noise is fixed by the set of contributing rows`,
    );
    for (const c of unboundedColumns(plan.frames, plan.regressions)) {
      notes.push(
        `column ${JSON.stringify(c)} has no schema bounds: its noise is scaled to each cell's largest value`,
      );
    }
  }

  for (const r of plan.regressions) {
    if (r.cells.n >= r.threshold && !solveRegression(r.cells.mean, r.cells.cross)) {
      return review(
        `regression of ${JSON.stringify(r.requests[0]!.y)}: the x columns are constant or collinear (singular normal equations)`,
      );
    }
  }

  suppressSecondary(relationsOf(plan), min);
  if (policy.rounding > 1) notes.push(`counts rounded to multiples of ${policy.rounding}`);

  const report: TDisclosureReport = {
    cells: 0,
    suppressedPrimary: 0,
    suppressedSecondary: 0,
    rounded: 0,
    perturbed: 0,
    dp: policy.dp ? { epsilon: policy.dp.epsilon, mechanism: 'laplace' } : null,
    notes,
    items: [],
  };
  const released = new Map<number, unknown>();
  // Requests over the same cells share one draw of noise, so they release the same numbers.
  const memo = new Map<object, unknown>();
  const once = <T>(key: object, make: () => T): T => {
    if (!memo.has(key)) memo.set(key, make());
    return memo.get(key) as T;
  };
  let isGroupWithheld = false;
  let isEdgeWithheld = false;
  for (const req of requests) {
    const entry = plan.byRequest.get(req.id)!;
    const item: TItem = { aggregate: req.id, suppressed: [] };
    if (req.kind === 'groupBy') {
      const e = entry as TFrameEntry;
      const out = releaseGroupBy(
        req,
        e,
        once(e, () => frameValues(e, noise, policy.rounding)),
        min,
        report,
        item,
      );
      if (out.withheld > 0) isGroupWithheld = true;
      released.set(req.id, out.table);
    } else if (req.kind === 'histogram') {
      const h = entry as THistogramEntry;
      const out = releaseHistogram(
        h,
        once(h, () => histogramValues(h, noise, policy.rounding)),
        report,
        item,
      );
      if (h.edges.every((x) => input.allowedLabels.has(String(x)))) out.edges = [...h.edges];
      else isEdgeWithheld = true;
      released.set(req.id, out);
    } else {
      const r = entry as TRegressionEntry;
      const values = () => once(r, () => regressionValues(r, noise, policy.rounding));
      released.set(req.id, releaseRegression(r, values, report, item));
    }
    if (item.suppressed.length > 0) report.items.push(item);
  }
  if (isGroupWithheld) {
    notes.push(`groups with fewer than ${min} rows are left out of the released tables, labels included`);
  }
  if (isEdgeWithheld) {
    notes.push(
      'histogram edges that are not literals of the script or params are not echoed; bins follow the requested edges',
    );
  }
  return { kind: 'release', result: mapMarkers(input.result, (id) => released.get(id)), report };
}

function releaseHistogram(
  h: THistogramEntry,
  counts: number[],
  report: TDisclosureReport,
  item: TItem,
): TReleasedHistogram {
  const out: TReleasedHistogram = { counts: [], suppressed: [] };
  for (let b = 0; b < counts.length; b++) {
    report.cells++;
    const state = h.bins.state[b]!;
    if (state === RELEASED) {
      out.counts.push(counts[b]!);
      report.rounded++;
      report.perturbed++;
      continue;
    }
    out.counts.push(null);
    out.suppressed.push(b);
    if (state === PRIMARY) report.suppressedPrimary++;
    else report.suppressedSecondary++;
    item.suppressed.push({ cell: `bin ${b}`, reason: `${tag(state)}: ${h.bins.why[b]}` });
  }
  return out;
}

function releaseRegression(
  r: TRegressionEntry,
  values: () => ReturnType<typeof regressionValues>,
  report: TDisclosureReport,
  item: TItem,
): TReleasedRegression {
  report.cells++;
  if (r.cells.n < r.threshold) {
    report.suppressedPrimary++;
    item.suppressed.push({ cell: 'regression', reason: `primary: fewer than ${r.threshold} complete rows` });
    return { coefficients: null, n: null };
  }
  const { coefficients, n } = values();
  report.rounded++;
  report.perturbed++;
  if (!coefficients) {
    report.suppressedPrimary++;
    item.suppressed.push({ cell: 'regression', reason: 'primary: singular after perturbation' });
    return { coefficients: null, n };
  }
  report.perturbed += coefficients.length;
  return { coefficients: coefficientRecord(r.x, coefficients), n };
}

function releaseGroupBy(
  req: TGroupByRequest,
  e: TFrameEntry,
  value: ReturnType<typeof frameValues>,
  min: number,
  report: TDisclosureReport,
  item: TItem,
): { table: TReleasedGroupBy; withheld: number } {
  const { frame } = e;
  const at = labelPositions(req, frame);
  const isLabelled = req.groupBy.length > 0;
  const table: TReleasedGroupBy = {
    columns: [...req.groupBy, ...req.measures.map(measureName)],
    rows: [],
    suppressed: [],
  };
  let withheld = 0;
  for (const g of frame.order) {
    report.cells++;
    if (isLabelled && frame.n[g]! < min) {
      withheld++;
      report.suppressedPrimary++;
      continue;
    }
    const labels = frame.labels[g]!;
    const row: (TLabel | number)[] = at.map((j) => labels[j]!);
    const reasons = new Map<string, string[]>();
    let worst = RELEASED;
    for (const m of req.measures) {
      const fam = e.families.get(measureFamily(m))!;
      const state = fam.state[g]!;
      if (state === RELEASED) {
        row.push(value(m, g));
        report.perturbed++;
        if (m.fn === 'count') report.rounded++;
        continue;
      }
      row.push(null);
      if (state === PRIMARY || worst === RELEASED) worst = state;
      const why = `${tag(state)}: ${fam.why[g]}`;
      const names = reasons.get(why) ?? [];
      names.push(measureName(m));
      reasons.set(why, names);
    }
    if (worst !== RELEASED) {
      table.suppressed.push(table.rows.length);
      if (worst === PRIMARY) report.suppressedPrimary++;
      else report.suppressedSecondary++;
      item.suppressed.push({
        cell: isLabelled ? req.groupBy.map((c, j) => `${c}=${JSON.stringify(row[j])}`).join(', ') : '(total)',
        reason: [...reasons].map(([why, names]) => `${names.join(', ')}: ${why}`).join('; '),
      });
    }
    table.rows.push(row);
  }
  if (withheld > 0) {
    item.suppressed.unshift({
      cell: `${withheld} group${withheld === 1 ? '' : 's'} (labels withheld)`,
      reason: `primary: fewer than ${min} rows`,
    });
  }
  return { table, withheld };
}

function tag(state: number): string {
  return state === SECONDARY ? 'secondary' : 'primary';
}

function checkPolicy(policy: TDisclosurePolicy): void {
  const bad = (why: string) => new DisclosureError('DISCLOSURE_INVALID_POLICY', why);
  if (!Number.isSafeInteger(policy.minCellCount) || policy.minCellCount < 1) {
    throw bad('minCellCount must be a positive integer');
  }
  if (!Number.isSafeInteger(policy.rounding) || policy.rounding < 1)
    throw bad('rounding must be a positive integer');
  if (!(policy.cellKeySecret instanceof Uint8Array) || policy.cellKeySecret.length < 16) {
    throw bad('cellKeySecret must be at least 16 bytes');
  }
  if (policy.dp !== undefined) {
    const { epsilon, delta } = policy.dp;
    if (!(typeof epsilon === 'number' && Number.isFinite(epsilon) && epsilon > 0)) {
      throw bad('dp.epsilon must be a positive number');
    }
    if (delta !== undefined && !(typeof delta === 'number' && delta >= 0 && delta < 1)) {
      throw bad('dp.delta must be in [0, 1)');
    }
  }
}

/** Columns whose sums (or regressions) would need DP noise scaled to a bound the schema lacks. */
function unboundedUnderDp(frames: TFrameEntry[], regressions: TRegressionEntry[]): string[] {
  const out = new Set<string>();
  for (const e of frames) {
    for (const s of frameStats(e)) {
      if (!s.startsWith('sum:')) continue;
      const c = e.frame.stats.get(s.slice(4))!.numeric!;
      if (!c.isBounded) out.add(c.name);
    }
  }
  for (const r of regressions) for (const v of r.cells.variables) if (!v.isBounded) out.add(v.name);
  return [...out].sort();
}

function unboundedColumns(frames: TFrameEntry[], regressions: TRegressionEntry[]): string[] {
  const out = new Set<string>();
  for (const e of frames)
    for (const s of e.frame.stats.values()) if (s.numeric && !s.numeric.isBounded) out.add(s.numeric.name);
  for (const r of regressions) for (const v of r.cells.variables) if (!v.isBounded) out.add(v.name);
  return [...out].sort();
}
