import type { TTable } from '../types.ts';
import { DisclosureError } from './errors.ts';
import { numericColumn, type TNumericColumn } from './table-access.ts';

export const MAX_REGRESSORS = 50;

/**
 * Sufficient statistics of an OLS regression over the complete rows (y and every x non-null),
 * values clamped to their schema bounds. Variables are x1..xk then y (p = k + 1).
 */
export type TRegressionCells = {
  variables: TNumericColumn[];
  n: number;
  mean: Float64Array;
  /** Centered cross products Σ(a−ā)(b−b̄), p×p row-major. */
  cross: Float64Array;
};

export function regressionCells(
  table: TTable,
  selection: Uint8Array | null,
  y: string,
  xs: string[],
): TRegressionCells {
  if (!Array.isArray(xs) || xs.length > MAX_REGRESSORS || new Set([...xs, y]).size !== xs.length + 1) {
    throw new DisclosureError(
      'DISCLOSURE_INVALID_REQUEST',
      `a regression needs at most ${MAX_REGRESSORS} distinct x columns, none of them y`,
    );
  }
  const variables = [...xs, y].map((name) => numericColumn(table, name, 'a regression'));
  const p = variables.length;
  const rows = table.rowCount;
  const complete = new Uint8Array(rows);
  const sum = new Float64Array(p);
  let n = 0;
  const row = new Float64Array(p);
  const value = (j: number, i: number): number => {
    const c = variables[j]!;
    if (c.nulls !== null && c.nulls[i] !== 0) return Number.NaN;
    const v = c.values[i]!;
    return Math.min(Math.max(v, c.min), c.max);
  };
  for (let i = 0; i < rows; i++) {
    if (selection !== null && selection[i] === 0) continue;
    let ok = true;
    for (let j = 0; j < p && ok; j++) {
      row[j] = value(j, i);
      ok = !Number.isNaN(row[j]!);
    }
    if (!ok) continue;
    complete[i] = 1;
    n++;
    for (let j = 0; j < p; j++) sum[j]! += row[j]!;
  }
  const mean = sum.map((s) => (n > 0 ? s / n : 0));
  const cross = new Float64Array(p * p);
  for (let i = 0; i < rows; i++) {
    if (complete[i] === 0) continue;
    for (let j = 0; j < p; j++) row[j] = value(j, i) - mean[j]!;
    for (let a = 0; a < p; a++) {
      for (let b = a; b < p; b++) cross[a * p + b]! += row[a]! * row[b]!;
    }
  }
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) cross[a * p + b] = cross[b * p + a]!;
  return { variables, n, mean, cross };
}

/** Pivots of the standardized normal equations below this mean the x columns are collinear. */
const SINGULAR_PIVOT = 1e-10;

/**
 * OLS coefficients [intercept, β1..βk] from means and centered cross products (variables x1..xk, y),
 * or null when the normal equations are singular (a constant x, or collinear x columns). Solves the
 * correlation-scaled system by Gaussian elimination with partial pivoting.
 */
export function solveRegression(mean: Float64Array, cross: Float64Array): Float64Array | null {
  const p = mean.length;
  const k = p - 1;
  const coef = new Float64Array(p);
  if (k === 0) {
    coef[0] = mean[0]!;
    return coef;
  }
  const scale = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const d = cross[j * p + j]!;
    if (!(d > 0) || !Number.isFinite(d)) return null;
    scale[j] = Math.sqrt(d);
  }
  // Augmented k × (k+1) system of the standardized x's.
  const m = new Float64Array(k * (k + 1));
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) m[a * (k + 1) + b] = cross[a * p + b]! / (scale[a]! * scale[b]!);
    m[a * (k + 1) + k] = cross[a * p + k]! / scale[a]!;
  }
  for (let col = 0; col < k; col++) {
    let piv = col;
    for (let r = col + 1; r < k; r++)
      if (Math.abs(m[r * (k + 1) + col]!) > Math.abs(m[piv * (k + 1) + col]!)) piv = r;
    if (!(Math.abs(m[piv * (k + 1) + col]!) > SINGULAR_PIVOT)) return null;
    if (piv !== col) {
      for (let c = 0; c <= k; c++) {
        const t = m[col * (k + 1) + c]!;
        m[col * (k + 1) + c] = m[piv * (k + 1) + c]!;
        m[piv * (k + 1) + c] = t;
      }
    }
    for (let r = 0; r < k; r++) {
      if (r === col) continue;
      const f = m[r * (k + 1) + col]! / m[col * (k + 1) + col]!;
      if (f === 0) continue;
      for (let c = col; c <= k; c++) m[r * (k + 1) + c]! -= f * m[col * (k + 1) + c]!;
    }
  }
  let intercept = mean[k]!;
  for (let j = 0; j < k; j++) {
    const beta = m[j * (k + 1) + k]! / m[j * (k + 1) + j]! / scale[j]!;
    coef[j + 1] = beta;
    intercept -= beta * mean[j]!;
  }
  coef[0] = intercept;
  return Number.isFinite(intercept) && coef.every(Number.isFinite) ? coef : null;
}
