import type { TTable } from '../types.ts';
import { cellLabels, cellOfRows } from './domain.ts';
import { DisclosureError } from './errors.ts';
import { histogramCells } from './histogram.ts';
import { measureLabel } from './measures.ts';
import { addDiscreteLaplace, discreteLaplaceVariance, rationalScale } from './noise.ts';
import { dpRegression } from './regression-dp.ts';
import {
  GRID,
  resolveBounds,
  type TFrameUnit,
  type THistogramUnit,
  type TMeasured,
  type TRegressionUnit,
  type TReleasePlan,
  type TResolvedBounds,
  type TStatistic,
} from './release-plan.ts';
import { hostSelection } from './row-filter.ts';
import {
  familyCells,
  PRIMARY,
  RELEASED,
  SECONDARY,
  suppressSecondary,
  type TFamilyCells,
  type TRelation,
} from './suppress.ts';
import { isNullAt, numericColumn } from './table-access.ts';
import type {
  TDisclosureReport,
  TLabel,
  TReleasedGroupBy,
  TReleasedHistogram,
  TReleasedRegression,
} from './types.ts';

/** What disclosure control needs besides the plan: thresholds, the dominance rule, the noise key. */
export type TReleasePolicy = {
  /** Cells whose noisy count is below this are suppressed (contract default 10). */
  minCellCount: number;
  /** Released counts are rounded to a multiple of this (contract default 5). */
  rounding: number;
  /** (n, k) rule: a sum or mean whose n largest contributors exceed share k of it is suppressed. */
  dominance: { n: 1 | 2; k: number } | null;
  /** Per-deployment secret keying the noise; at least 16 bytes. */
  noiseSecret: Uint8Array;
};

export type TReleased = TReleasedGroupBy | TReleasedHistogram | TReleasedRegression;

type TItem = TDisclosureReport['items'][number];

/**
 * Computes every planned statistic on the host's rows, adds its discrete Laplace noise, and
 * derives the released values from the noisy statistics only: counts rounded to `rounding`, sums
 * and means within what their bounds allow, cells whose noisy count is under `minCellCount` or
 * whose noisy largest contributors dominate them suppressed, with secondary suppression across
 * totals and margins. Every decision reads noisy values, so it is post-processing of the
 * differentially private statistics and reveals nothing more.
 */
export function computeRelease(
  plan: TReleasePlan,
  policy: TReleasePolicy,
): { released: Map<number, TReleased>; report: TDisclosureReport } {
  checkPolicy(policy);
  const min = policy.minCellCount;
  const selections = new Map<string, Uint8Array | null>();
  const selectionOf = (u: TFrameUnit | THistogramUnit | TRegressionUnit) => {
    const key = JSON.stringify([u.table.name, u.rowsKey]);
    if (!selections.has(key)) {
      selections.set(key, u.filter.kind === 'where' ? hostSelection(u.table, u.filter.clauses) : u.selection);
    }
    return selections.get(key)!;
  };
  const noisy = (stat: TStatistic, exact: ArrayLike<number>, sensitivity: number) =>
    addDiscreteLaplace(policy.noiseSecret, stat.digest, exact, sensitivity, stat.epsilon);

  const frames = plan.units
    .filter((u): u is TFrameUnit => u.kind === 'frame')
    .map((u) => evaluateFrame(u, selectionOf(u), noisy, policy));
  const histograms = plan.units
    .filter((u): u is THistogramUnit => u.kind === 'histogram')
    .map((u) => evaluateHistogram(u, selectionOf(u), noisy, min));

  suppressSecondary(relationsOf(frames, histograms), min);

  const report: TDisclosureReport = {
    cells: 0,
    suppressedPrimary: 0,
    suppressedSecondary: 0,
    suppressedDominance: 0,
    rounded: 0,
    perturbed: 0,
    dp: { epsilon: plan.epsilon, mechanism: 'discrete-laplace', statistics: plan.statistics.length },
    notes: [],
    items: [],
  };
  const released = new Map<number, TReleased>();
  const frameOf = new Map(frames.map((f) => [f.unit, f]));
  const histogramOf = new Map(histograms.map((h) => [h.unit, h]));
  const epsilonOf = (id: number) =>
    plan.statistics.filter((s) => s.aggregates.includes(id)).reduce((e, s) => e + s.epsilon, 0);
  let isGroupWithheld = false;
  for (const [id, unit] of plan.byRequest) {
    const item: TItem = { aggregate: id, epsilon: epsilonOf(id), noiseSd: {}, suppressed: [] };
    if (unit.kind === 'frame') {
      const out = releaseGroupBy(id, frameOf.get(unit)!, policy, report, item);
      if (out.withheld > 0) isGroupWithheld = true;
      released.set(id, out.table);
    } else if (unit.kind === 'histogram') {
      released.set(id, releaseHistogram(histogramOf.get(unit)!, policy.rounding, report, item));
    } else {
      released.set(id, releaseRegression(unit, selectionOf(unit), policy, report, item));
    }
    report.items.push(item);
  }
  report.notes.push(
    `differential privacy: each statistic (a count, sum or sum of squares per cell, histogram bins, regression moments) gets discrete Laplace noise of scale sensitivity/epsilon; epsilon ${plan.epsilon} split over ${plan.statistics.length} statistics by weight; cells are disjoint, so a statistic over many cells costs its epsilon once`,
  );
  if (policy.rounding > 1) report.notes.push(`counts rounded to multiples of ${policy.rounding}`);
  if (isGroupWithheld) {
    report.notes.push(`groups whose noisy count is below ${min} are left out of the released tables`);
  }
  if (policy.dominance) {
    report.notes.push(
      `dominance (${policy.dominance.n}, ${policy.dominance.k * 100} %) rule: a sum or mean whose ${policy.dominance.n === 1 ? 'largest contributor holds' : 'two largest contributors hold'} more than ${policy.dominance.k * 100} % of it (judged on noisy values) is suppressed`,
    );
  }
  return { released, report };
}

type TNoisy = (stat: TStatistic, exact: ArrayLike<number>, sensitivity: number) => Float64Array;

/** Noisy statistics of one frame and the suppression state of each family of its cells. */
type TFrameValues = {
  unit: TFrameUnit;
  rows: Float64Array;
  counts: Map<string, Float64Array>;
  sums: Map<TMeasured, { sum: Float64Array; squares: Float64Array | null; dominated: Uint8Array | null }>;
  families: Map<string, TFamilyCells>;
};

/** The family of a count: the rows, or the non-null values of a column that can be null. */
const familyOfCount = (unit: TFrameUnit, column: string | undefined) =>
  column !== undefined && unit.counted.has(column) ? `col:${column}` : 'rows';
const familyOfMagnitude = (m: TMeasured) => `mag:${m.column}:${m.bounds.min}:${m.bounds.max}`;

function evaluateFrame(
  unit: TFrameUnit,
  selection: Uint8Array | null,
  noisy: TNoisy,
  policy: TReleasePolicy,
): TFrameValues {
  const { table, cells: G } = unit;
  const cell = cellOfRows(table, selection, unit.columns, unit.domains);
  const rowCount = table.rowCount;
  const n = new Float64Array(G);
  for (let i = 0; i < rowCount; i++) {
    const c = cell[i]!;
    if (c >= 0) n[c]!++;
  }
  const rows = noisy(unit.rows, n, 1);
  const families = new Map<string, TFamilyCells>([['rows', familyCells(rows, policy.minCellCount)]]);
  const counts = new Map<string, Float64Array>();
  for (const [column, stat] of unit.counted) {
    const col = table.columns[column]!;
    const k = new Float64Array(G);
    for (let i = 0; i < rowCount; i++) {
      const c = cell[i]!;
      if (c >= 0 && !isNullAt(col, i)) k[c]!++;
    }
    const value = noisy(stat, k, 1);
    counts.set(column, value);
    families.set(familyOfCount(unit, column), familyCells(value, policy.minCellCount));
  }
  const countOf = (column: string) => counts.get(column) ?? rows;

  const sums: TFrameValues['sums'] = new Map();
  for (const m of unit.measured.values()) {
    const acc = accumulate(table, m, cell, G, policy.dominance?.n ?? 1);
    const sum = noisy(m.sum, acc.sum, GRID);
    const squares = m.squares ? noisy(m.squares, acc.squares!, GRID) : null;
    const size = countOf(m.column);
    const fam = familyCells(size, policy.minCellCount);
    let dominated: Uint8Array | null = null;
    if (m.dominance && policy.dominance) {
      const top = noisy(m.dominance, acc.top!, GRID);
      const unitD = m.bounds.max / GRID;
      dominated = new Uint8Array(G);
      fam.dominated = dominated;
      for (let g = 0; g < G; g++) {
        const total = sumValue(m, sum[g]!, size[g]!);
        if (fam.state[g] === RELEASED && (total <= 0 || top[g]! * unitD > policy.dominance.k * total)) {
          dominated[g] = 1;
          fam.state[g] = PRIMARY;
          fam.why[g] =
            `dominance: the ${policy.dominance.n === 1 ? 'largest contributor holds' : 'two largest contributors hold'} more than ${policy.dominance.k * 100} % of the sum`;
        }
      }
    }
    families.set(familyOfMagnitude(m), fam);
    sums.set(m, { sum, squares, dominated });
  }
  return { unit, rows, counts, sums, families };
}

/**
 * Per cell, in grid units: the sum of each value's clamped offset from the bounds' centre, of its
 * square's offset from half the squared half-width, and the sum of the `topN` largest values.
 * Each row's term is rounded to an integer within ±GRID, so one row moves any of them by at most
 * GRID: the sensitivity the noise is scaled to.
 */
function accumulate(table: TTable, m: TMeasured, cell: Int32Array, G: number, topN: 1 | 2) {
  const { values, nulls } = numericColumn(table, m.column, 'a sum');
  const { min, max, mid, half } = m.bounds;
  const toUnits = GRID / half;
  const sum = new Float64Array(G);
  const rows = table.rowCount;
  const squares = m.squares ? new Float64Array(G) : null;
  const top = m.dominance ? new Float64Array(G) : null;
  const second = m.dominance && topN === 2 ? new Float64Array(G) : null;
  const toSquareUnits = (2 * GRID) / (half * half);
  const halfSquare = (half * half) / 2;
  const toTopUnits = GRID / max;
  for (let i = 0; i < rows; i++) {
    const c = cell[i]!;
    if (c < 0 || (nulls !== null && nulls[i] !== 0)) continue;
    let v = values[i]!;
    if (Number.isNaN(v)) continue;
    if (v < min) v = min;
    else if (v > max) v = max;
    const d = v - mid;
    sum[c]! += Math.round(d * toUnits);
    if (squares !== null) squares[c]! += Math.round((d * d - halfSquare) * toSquareUnits);
    if (top !== null && v > top[c]!) {
      if (second !== null) second[c] = top[c]!;
      top[c] = v;
    } else if (second !== null && v > second[c]!) second[c] = v;
  }
  // The largest values are single rows' values: each is rounded to the grid like any row's term.
  if (top !== null) {
    for (let g = 0; g < G; g++) {
      top[g] = Math.round(top[g]! * toTopUnits) + (second === null ? 0 : Math.round(second[g]! * toTopUnits));
    }
  }
  return { sum, squares, top };
}

/** The released sum of a cell from its noisy centred sum and count: within [min·n, max·n]. */
function sumValue(m: TMeasured, noisySum: number, noisyCount: number): number {
  const k = Math.max(0, noisyCount);
  const { min, max, mid, half } = m.bounds;
  return clamp((noisySum * half) / GRID + mid * k, min * k, max * k);
}

function meanValue(m: TMeasured, noisySum: number, noisyCount: number): number {
  const { min, max, mid, half } = m.bounds;
  return clamp(mid + (noisySum * half) / GRID / Math.max(1, noisyCount), min, max);
}

/** Sample variance from the noisy centred sums of values and squares: within [0, half²·n/(n−1)]. */
function varianceValue(m: TMeasured, noisySum: number, noisySquares: number, noisyCount: number): number {
  const { half } = m.bounds;
  const k = Math.max(2, noisyCount);
  const deviations = (noisySum * half) / GRID;
  const squares = Math.max(0, (noisySquares * (half * half)) / 2 / GRID + (k * half * half) / 2);
  return clamp((squares - (deviations * deviations) / k) / (k - 1), 0, (half * half * k) / (k - 1));
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/** The nearest multiple of `rounding` of a noisy count, never below zero. */
export function roundCount(count: number, rounding: number): number {
  const n = Math.max(0, Math.round(count));
  return rounding > 1 ? Math.round(n / rounding) * rounding : n;
}

type THistogramValues = { unit: THistogramUnit; counts: Float64Array; bins: TFamilyCells };

function evaluateHistogram(
  unit: THistogramUnit,
  selection: Uint8Array | null,
  noisy: TNoisy,
  min: number,
): THistogramValues {
  const exact = histogramCells(unit.table, selection, unit.column, unit.edges);
  const counts = noisy(unit.bins, exact, 1);
  return { unit, counts, bins: familyCells(counts, min) };
}

/**
 * The relations secondary suppression keeps safe (suppress.ts): each table's cells against its
 * total, and each group-by's cells against every coarser group-by of the same rows.
 */
function relationsOf(frames: TFrameValues[], histograms: THistogramValues[]): TRelation[] {
  const relations: TRelation[] = [];
  const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  for (const f of frames) {
    const cells = all(f.unit.cells);
    for (const fam of f.families.values()) {
      relations.push({ fines: fam, fineCells: cells, coarse: null, against: 'the total of its table' });
    }
  }
  for (const h of histograms) {
    relations.push({
      fines: h.bins,
      fineCells: all(h.unit.edges.length - 1),
      coarse: null,
      against: 'the total of its histogram',
    });
  }
  for (const fine of frames) {
    for (const coarse of frames) {
      const f = fine.unit;
      const c = coarse.unit;
      const isMargin =
        f.table === c.table &&
        f.rowsKey === c.rowsKey &&
        c.columns.length < f.columns.length &&
        c.columns.every((col) => f.columns.includes(col));
      if (!isMargin) continue;
      const shared = [...fine.families.keys()].filter((k) => coarse.families.has(k));
      if (shared.length === 0) continue;
      const members: number[][] = Array.from({ length: c.cells }, () => []);
      const at = c.columns.map((col) => f.columns.indexOf(col));
      const positions = c.columns.map((_, j) => new Map(c.domains[j]!.map((label, i) => [label, i])));
      for (let cell = 0; cell < f.cells; cell++) {
        const labels = cellLabels(cell, f.domains);
        let k = 0;
        for (let j = 0; j < at.length; j++)
          k = k * c.domains[j]!.length + positions[j]!.get(labels[at[j]!]!)!;
        members[k]!.push(cell);
      }
      const against =
        c.columns.length === 0 ? 'a total of the same rows' : `the margin by ${c.columns.join(', ')}`;
      for (const key of shared) {
        for (let b = 0; b < members.length; b++) {
          relations.push({
            fines: fine.families.get(key)!,
            fineCells: members[b]!,
            coarse: { cells: coarse.families.get(key)!, cell: b },
            against,
          });
        }
      }
    }
  }
  return relations;
}

function releaseGroupBy(
  id: number,
  f: TFrameValues,
  policy: TReleasePolicy,
  report: TDisclosureReport,
  item: TItem,
): { table: TReleasedGroupBy; withheld: number } {
  const { unit } = f;
  const req = unit.requests.find((r) => r.id === id)!;
  const at = req.groupBy.map((c) => unit.columns.indexOf(c));
  const isLabelled = req.groupBy.length > 0;
  const table: TReleasedGroupBy = {
    columns: [...req.groupBy, ...req.measures.map(measureLabel)],
    rows: [],
    suppressed: [],
  };
  const measured = req.measures.map((m) => {
    if (m.column === undefined || m.fn === 'count') return null;
    const b = resolveBounds(unit.table, m.column, m.bounds) as TResolvedBounds;
    return unit.measured.get(JSON.stringify([m.column, b.min, b.max]))!;
  });
  for (const [j, m] of req.measures.entries()) {
    const label = measureLabel(m);
    const x = measured[j];
    if (!x)
      item.noiseSd[label] = Math.sqrt(
        discreteLaplaceVariance(
          scaleOf(m.column === undefined ? unit.rows : (unit.counted.get(m.column) ?? unit.rows), 1),
        ),
      );
    else
      item.noiseSd[`${label} (sum)`] =
        (Math.sqrt(discreteLaplaceVariance(scaleOf(x.sum, GRID))) * x.bounds.half) / GRID;
  }
  const rowsFamily = f.families.get('rows')!;
  let withheld = 0;
  for (let g = 0; g < unit.cells; g++) {
    report.cells++;
    if (isLabelled && rowsFamily.state[g] === PRIMARY) {
      withheld++;
      report.suppressedPrimary++;
      continue;
    }
    const labels = cellLabels(g, unit.domains);
    const row: (TLabel | number)[] = at.map((j) => labels[j]!);
    const reasons = new Map<string, string[]>();
    let worst = RELEASED;
    for (const [j, m] of req.measures.entries()) {
      const x = measured[j];
      const fam = f.families.get(x ? familyOfMagnitude(x) : familyOfCount(unit, m.column))!;
      const state = fam.state[g]!;
      if (state === RELEASED) {
        row.push(measureValue(f, m, x ?? null, g, policy.rounding));
        report.perturbed++;
        if (m.fn === 'count') report.rounded++;
        continue;
      }
      row.push(null);
      if (state === PRIMARY || worst === RELEASED) worst = state;
      const why = `${state === SECONDARY ? 'secondary' : 'primary'}: ${fam.why[g]}`;
      const names = reasons.get(why) ?? [];
      names.push(measureLabel(m));
      reasons.set(why, names);
      if (x && f.sums.get(x)!.dominated?.[g]) report.suppressedDominance++;
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
      cell: `${withheld} group${withheld === 1 ? '' : 's'} (left out)`,
      reason: `primary: noisy count below ${policy.minCellCount}`,
    });
  }
  return { table, withheld };
}

const scaleOf = (stat: TStatistic, sensitivity: number) => {
  const { t, s } = rationalScale(sensitivity / stat.epsilon);
  return t / s;
};

function measureValue(
  f: TFrameValues,
  m: TFrameUnit['requests'][number]['measures'][number],
  x: TMeasured | null,
  g: number,
  rounding: number,
): number {
  if (!x) {
    const count = m.column === undefined ? f.rows : (f.counts.get(m.column) ?? f.rows);
    return roundCount(count[g]!, rounding);
  }
  const size = (f.counts.get(x.column) ?? f.rows)[g]!;
  const s = f.sums.get(x)!;
  switch (m.fn) {
    case 'sum':
      return sumValue(x, s.sum[g]!, size);
    case 'mean':
      return meanValue(x, s.sum[g]!, size);
    case 'variance':
      return varianceValue(x, s.sum[g]!, s.squares![g]!, size);
    case 'stddev':
      return Math.sqrt(varianceValue(x, s.sum[g]!, s.squares![g]!, size));
    default:
      throw new Error(`unreleasable measure ${m.fn}`);
  }
}

function releaseHistogram(
  h: THistogramValues,
  rounding: number,
  report: TDisclosureReport,
  item: TItem,
): TReleasedHistogram {
  const out: TReleasedHistogram = { edges: [...h.unit.edges], counts: [], suppressed: [] };
  item.noiseSd.count = Math.sqrt(discreteLaplaceVariance(scaleOf(h.unit.bins, 1)));
  for (let b = 0; b < h.counts.length; b++) {
    report.cells++;
    const state = h.bins.state[b]!;
    if (state === RELEASED) {
      out.counts.push(roundCount(h.counts[b]!, rounding));
      report.rounded++;
      report.perturbed++;
      continue;
    }
    out.counts.push(null);
    out.suppressed.push(b);
    if (state === PRIMARY) report.suppressedPrimary++;
    else report.suppressedSecondary++;
    item.suppressed.push({
      cell: `bin ${b}`,
      reason: `${state === SECONDARY ? 'secondary' : 'primary'}: ${h.bins.why[b]}`,
    });
  }
  return out;
}

function releaseRegression(
  unit: TRegressionUnit,
  selection: Uint8Array | null,
  policy: TReleasePolicy,
  report: TDisclosureReport,
  item: TItem,
): TReleasedRegression {
  report.cells++;
  const threshold = Math.max(policy.minCellCount, 10 * (unit.x.length + 1));
  const out = dpRegression(unit, selection, policy.noiseSecret, threshold);
  if (out.n === null) {
    report.suppressedPrimary++;
    item.suppressed.push({
      cell: 'regression',
      reason: `primary: noisy count of complete rows below ${threshold}`,
    });
    return { coefficients: null, standardErrors: null, r2: null, n: null };
  }
  report.perturbed++;
  report.rounded++;
  if (!out.coefficients) {
    report.suppressedPrimary++;
    item.suppressed.push({
      cell: 'regression',
      reason: 'primary: the x columns are constant or collinear in the noisy moments',
    });
    return { coefficients: null, standardErrors: null, r2: null, n: roundCount(out.n, policy.rounding) };
  }
  report.perturbed += Object.keys(out.coefficients).length;
  return {
    coefficients: out.coefficients,
    standardErrors: out.standardErrors,
    r2: out.r2,
    n: roundCount(out.n, policy.rounding),
  };
}

function checkPolicy(policy: TReleasePolicy): void {
  const bad = (why: string) => {
    throw new DisclosureError('DISCLOSURE_INVALID_POLICY', why);
  };
  if (!Number.isSafeInteger(policy.minCellCount) || policy.minCellCount < 1)
    bad('minCellCount must be a positive integer');
  if (!Number.isSafeInteger(policy.rounding) || policy.rounding < 1)
    bad('rounding must be a positive integer');
  if (!(policy.noiseSecret instanceof Uint8Array) || policy.noiseSecret.length < 16)
    bad('noiseSecret must be at least 16 bytes');
  const d = policy.dominance;
  if (d && !((d.n === 1 || d.n === 2) && d.k > 0 && d.k < 1))
    bad('dominance needs n of 1 or 2 and k in (0, 1)');
}
