import { addDiscreteLaplace, createNoiseStream, discreteLaplaceVariance, rationalScale } from './noise.ts';
import { solveRegression } from './regression.ts';
import { GRID, type TRegressionUnit } from './release-plan.ts';
import { numericColumn } from './table-access.ts';

/** Draws of the noise used to estimate how much of a coefficient's uncertainty is the noise's. */
const BOOTSTRAP_DRAWS = 200;

export type TDpRegression = {
  /** Noisy count of complete rows; null when below the threshold (nothing else is released). */
  n: number | null;
  coefficients: Record<string, number> | null;
  standardErrors: Record<string, number> | null;
  r2: number | null;
};

/**
 * Ordinary least squares from noisy sufficient statistics (Vu and Slavković, "Differential privacy
 * for clinical trial data", 2009; Wang, "Revisiting differentially private linear regression",
 * NeurIPS 2018): each variable is clamped to its bounds and rescaled to z = (v − centre) / half-width
 * in [−1, 1], so that the moments n, Σz and Σz·z' each move by at most 1 per row; each of the T
 * moments gets discrete Laplace noise with epsilon/T. Rescaling first keeps the noise proportional to
 * each variable's range rather than to its largest absolute value (a year column is 2000 ± 50, not
 * 0 … 2050), which is what made coefficients drown in noise.
 *
 * Standard errors add two parts: the usual OLS sampling covariance computed from the noisy moments,
 * and the covariance due to the noise itself, estimated by re-solving the normal equations under
 * fresh draws of noise of the same scale around the released moments (a parametric bootstrap in
 * the manner of Ferrando, Wang and Sheldon, "Parametric bootstrap for differentially private
 * confidence intervals", AISTATS 2022). Both are post-processing of the noisy moments.
 */
export function dpRegression(
  unit: TRegressionUnit,
  selection: Uint8Array | null,
  secret: Uint8Array,
  threshold: number,
): TDpRegression {
  const names = [...unit.x, unit.y];
  const p = names.length;
  const k = p - 1;
  const columns = names.map((c) => numericColumn(unit.table, c, 'a regression'));
  // Moments: [n, Σz_0 … Σz_k, Σz_a·z_b for a ≤ b].
  const pairs: [number, number][] = [];
  for (let a = 0; a < p; a++) for (let b = a; b < p; b++) pairs.push([a, b]);
  const entries = 1 + p + pairs.length;
  const exact = new Float64Array(entries);
  const z = new Float64Array(p);
  const rows = unit.table.rowCount;
  for (let i = 0; i < rows; i++) {
    if (selection !== null && selection[i] === 0) continue;
    let isComplete = true;
    for (let j = 0; j < p && isComplete; j++) {
      const c = columns[j]!;
      const v = c.values[i]!;
      if ((c.nulls !== null && c.nulls[i] !== 0) || Number.isNaN(v)) isComplete = false;
      else {
        const b = unit.bounds[j]!;
        z[j] = (Math.min(Math.max(v, b.min), b.max) - b.mid) / b.half;
      }
    }
    if (!isComplete) continue;
    exact[0]!++;
    for (let j = 0; j < p; j++) exact[1 + j]! += Math.round(z[j]! * GRID);
    for (let e = 0; e < pairs.length; e++) {
      const [a, b] = pairs[e]!;
      exact[1 + p + e]! += Math.round(z[a]! * z[b]! * GRID);
    }
  }
  const share = unit.moments.epsilon / entries;
  const sensitivity = (e: number) => (e === 0 ? 1 : GRID);
  const noisy = new Float64Array(entries);
  for (let e = 0; e < entries; e++) {
    noisy[e] = addDiscreteLaplace(
      secret,
      `${unit.moments.digest}:${e}`,
      [exact[e]!],
      sensitivity(e),
      share,
    )[0]!;
  }
  if (noisy[0]! < threshold) return { n: null, coefficients: null, standardErrors: null, r2: null };

  const fit = fitMoments(noisy, p, pairs);
  if (!fit) return { n: noisy[0]!, coefficients: null, standardErrors: null, r2: null };

  // The noise's share of the uncertainty: re-solve under fresh noise of the same variance.
  const stream = createNoiseStream(secret, `${unit.moments.digest}:bootstrap`);
  const sd = Array.from({ length: entries }, (_, e) =>
    Math.sqrt(discreteLaplaceVariance(scaleOf(sensitivity(e), share))),
  );
  const draws: Float64Array[] = [];
  const moved = new Float64Array(entries);
  for (let d = 0; d < BOOTSTRAP_DRAWS; d++) {
    for (let e = 0; e < entries; e++) {
      // Laplace with standard deviation sd: scale sd/√2, by inversion of a uniform in (−½, ½).
      const u = stream.unit() - 0.5;
      moved[e] = noisy[e]! - (sd[e]! / Math.SQRT2) * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
    }
    const again = fitMoments(moved, p, pairs);
    if (again) draws.push(again.alpha);
  }
  const noiseCov = covariance(draws, p);
  const cov = fit.cov.map((v, i) => v + noiseCov[i]!);

  // Back from z to the variables' own scales: β_j = h_y α_j / h_j, β_0 = c_y + h_y α_0 − Σ β_j c_j.
  const [hy, cy] = [unit.bounds[k]!.half, unit.bounds[k]!.mid];
  const jacobian = new Float64Array(p * p);
  jacobian[0] = hy;
  for (let j = 1; j <= k; j++) {
    const b = unit.bounds[j - 1]!;
    jacobian[j] = (-hy * b.mid) / b.half;
    jacobian[j * p + j] = hy / b.half;
  }
  const beta = new Float64Array(p);
  for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) beta[r]! += jacobian[r * p + c]! * fit.alpha[c]!;
  beta[0]! += cy;
  const se = new Float64Array(p);
  for (let r = 0; r < p; r++) {
    let v = 0;
    for (let a = 0; a < p; a++)
      for (let b = 0; b < p; b++) v += jacobian[r * p + a]! * cov[a * p + b]! * jacobian[r * p + b]!;
    se[r] = Math.sqrt(Math.max(0, v));
  }
  const record = (values: Float64Array) =>
    Object.fromEntries([['intercept', values[0]!], ...unit.x.map((x, j) => [x, values[j + 1]!] as const)]);
  return { n: noisy[0]!, coefficients: record(beta), standardErrors: record(se), r2: fit.r2 };
}

const scaleOf = (sensitivity: number, epsilon: number) => {
  const { t, s } = rationalScale(sensitivity / epsilon);
  return t / s;
};

/**
 * OLS in z space from moments [n, Σz, Σzz'] (grid units): coefficients α = [α_0, α_1 … α_k], their
 * sampling covariance (p × p) and r²; null when the system is singular or has no degrees of freedom.
 */
function fitMoments(m: Float64Array, p: number, pairs: [number, number][]) {
  const k = p - 1;
  const n = m[0]!;
  if (!(n > p + 1)) return null;
  const mean = new Float64Array(p);
  for (let j = 0; j < p; j++) mean[j] = m[1 + j]! / GRID / n;
  const cross = new Float64Array(p * p);
  for (let e = 0; e < pairs.length; e++) {
    const [a, b] = pairs[e]!;
    const c = m[1 + p + e]! / GRID - n * mean[a]! * mean[b]!;
    cross[a * p + b] = c;
    cross[b * p + a] = c;
  }
  const alpha = solveRegression(mean, cross);
  if (!alpha) return null;
  const syy = cross[k * p + k]!;
  let explained = 0;
  for (let j = 0; j < k; j++) explained += alpha[j + 1]! * cross[j * p + k]!;
  const sse = Math.max(0, syy - explained);
  const sigma2 = sse / (n - p);
  const inverse = invert(cross, p, k);
  if (!inverse) return null;
  const cov = new Float64Array(p * p);
  // Slopes: σ² (X'X)⁻¹ over the centred x's; intercept: σ²/n + x̄' Cov x̄, and −Cov x̄ across.
  const covMean = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const v = sigma2 * inverse[a * k + b]!;
      cov[(a + 1) * p + (b + 1)] = v;
      covMean[a]! += v * mean[b]!;
    }
  }
  let v0 = sigma2 / n;
  for (let a = 0; a < k; a++) {
    v0 += mean[a]! * covMean[a]!;
    cov[a + 1] = -covMean[a]!;
    cov[(a + 1) * p] = -covMean[a]!;
  }
  cov[0] = v0;
  const r2 = syy > 0 ? Math.min(1, Math.max(0, explained / syy)) : null;
  return { alpha, cov, r2 };
}

/** Inverse of the leading k × k block of a p × p matrix (Gauss–Jordan, partial pivoting), or null. */
function invert(matrix: Float64Array, p: number, k: number): Float64Array | null {
  const w = 2 * k;
  const a = new Float64Array(k * w);
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < k; c++) a[r * w + c] = matrix[r * p + c]!;
    a[r * w + k + r] = 1;
  }
  for (let col = 0; col < k; col++) {
    let piv = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(a[r * w + col]!) > Math.abs(a[piv * w + col]!)) piv = r;
    const pv = a[piv * w + col]!;
    if (!(Math.abs(pv) > 0) || !Number.isFinite(pv)) return null;
    if (piv !== col) {
      for (let c = 0; c < w; c++) {
        const t = a[col * w + c]!;
        a[col * w + c] = a[piv * w + c]!;
        a[piv * w + c] = t;
      }
    }
    for (let c = 0; c < w; c++) a[col * w + c]! /= pv;
    for (let r = 0; r < k; r++) {
      if (r === col) continue;
      const f = a[r * w + col]!;
      if (f === 0) continue;
      for (let c = 0; c < w; c++) a[r * w + c]! -= f * a[col * w + c]!;
    }
  }
  const out = new Float64Array(k * k);
  for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) out[r * k + c] = a[r * w + k + c]!;
  return out;
}

/** Sample covariance (p × p) of vectors. */
function covariance(draws: Float64Array[], p: number): Float64Array {
  const cov = new Float64Array(p * p);
  const m = draws.length;
  if (m < 2) return cov;
  const mean = new Float64Array(p);
  for (const d of draws) for (let j = 0; j < p; j++) mean[j]! += d[j]! / m;
  for (const d of draws) {
    for (let a = 0; a < p; a++)
      for (let b = 0; b < p; b++) cov[a * p + b]! += ((d[a]! - mean[a]!) * (d[b]! - mean[b]!)) / (m - 1);
  }
  return cov;
}
