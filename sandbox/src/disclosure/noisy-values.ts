import { countNoise, streamUniforms, unitNoise } from './cell-key.ts';
import { laplaceNoise } from './laplace.ts';
import type { TMeasure } from './measures.ts';
import type { TFrameEntry, THistogramEntry, TRegressionEntry } from './plan.ts';
import { solveRegression } from './regression.ts';
import { maxAbsBound, type TNumericColumn } from './table-access.ts';

/**
 * How released numbers are perturbed: either cell-key noise (deterministic in the set of
 * contributing rows) or, under a DP policy, Laplace noise with `epsilon` per noisy statistic.
 */
export type TNoise = { kind: 'cellKey'; secret: Uint8Array } | { kind: 'dp'; epsilon: number };

/** The nearest multiple of `rounding` of a non-negative count. */
export function roundCount(count: number, rounding: number): number {
  const n = Math.max(0, Math.round(count));
  return rounding > 1 ? Math.round(n / rounding) * rounding : n;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

/** Upper bound of the sample variance of n values confined to a range R: R²/4 · n/(n−1). */
function maxVariance(c: TNumericColumn, n: number): number {
  const r = c.max - c.min;
  return c.isBounded ? ((r * r) / 4) * (n / Math.max(1, n - 1)) : Infinity;
}

/**
 * The DP statistic behind a measure's count: a column without a null bitmap has exactly the
 * rows' count, so they share one noisy value (and one share of epsilon).
 */
export function countStat(e: TFrameEntry, column: string | undefined): string {
  if (column === undefined) return 'n:rows';
  const col = e.frame.table.columns[column]!;
  return !('codes' in col) && col.nulls === null ? 'n:rows' : `n:${column}`;
}

/** The noisy statistics a group-by frame's measures draw on (for the DP epsilon split). */
export function frameStats(e: TFrameEntry): Set<string> {
  const stats = new Set<string>();
  for (const req of e.requests) {
    for (const m of req.measures) {
      if (m.fn === 'count') stats.add(countStat(e, m.column));
      else {
        if (m.fn !== 'sum') stats.add(countStat(e, m.column));
        stats.add(`sum:${m.column}`);
        if (m.fn === 'variance' || m.fn === 'stddev') stats.add(`sq:${m.column}`);
      }
    }
  }
  return stats;
}

/** Released value of measure m in cell g of a frame (counts already rounded). Memoized per statistic. */
export function frameValues(
  e: TFrameEntry,
  noise: TNoise,
  rounding: number,
): (m: TMeasure, g: number) => number {
  const { frame } = e;
  const G = frame.groupCount;
  const cells = Int32Array.from({ length: G }, (_, i) => i);
  const memo = new Map<string, Float64Array>();
  const once = (key: string, make: () => Float64Array): Float64Array => {
    let v = memo.get(key);
    if (!v) {
      v = make();
      memo.set(key, v);
    }
    return v;
  };
  const uniforms = (stream: string, kh: Uint32Array | null, kl: Uint32Array | null) => {
    if (noise.kind !== 'cellKey' || !kh || !kl) throw new Error('cell keys were not accumulated');
    return streamUniforms(noise.secret, stream, kh, kl, cells);
  };

  /** Unrounded noisy count of a measure's contributing rows. */
  const count = (column: string | undefined): Float64Array => {
    const key = noise.kind === 'dp' ? countStat(e, column) : `n:${column ?? ''}`;
    return once(key, () => {
      const s = column === undefined ? null : frame.stats.get(column)!;
      const n = s ? s.n : frame.n;
      const out = new Float64Array(G);
      if (noise.kind === 'dp') {
        const base = key === 'n:rows' ? frame.n : n;
        const lap = laplaceNoise(1 / noise.epsilon, G);
        for (let g = 0; g < G; g++) out[g] = Math.max(0, base[g]! + lap[g]!);
      } else {
        const u = uniforms('count', s ? s.keyHi : frame.keyHi, s ? s.keyLo : frame.keyLo);
        for (let g = 0; g < G; g++) out[g] = Math.max(0, n[g]! + countNoise(u[g]!));
      }
      return out;
    });
  };
  const sum = (column: string): Float64Array =>
    once(`sum:${column}`, () => {
      const s = frame.stats.get(column)!;
      const c = s.numeric!;
      const out = new Float64Array(G);
      if (noise.kind === 'dp') {
        const lap = laplaceNoise(maxAbsBound(c) / noise.epsilon, G);
        for (let g = 0; g < G; g++) out[g] = s.sum![g]! + lap[g]!;
      } else {
        const u = uniforms(`sum:${column}`, s.keyHi, s.keyLo);
        for (let g = 0; g < G; g++) {
          const scale = c.isBounded ? c.max - c.min : s.maxAbs![g]!;
          out[g] = s.sum![g]! + scale * unitNoise(u[g]!);
        }
      }
      return out;
    });
  const variance = (column: string): Float64Array =>
    once(`var:${column}`, () => {
      const s = frame.stats.get(column)!;
      const c = s.numeric!;
      const n = count(column);
      const out = new Float64Array(G);
      if (noise.kind === 'dp') {
        const sq = laplaceNoise(maxAbsBound(c) ** 2 / noise.epsilon, G);
        const sm = sum(column);
        for (let g = 0; g < G; g++) {
          const k = Math.max(2, n[g]!);
          const v = (s.sumSq![g]! + sq[g]! - sm[g]! ** 2 / k) / (k - 1);
          out[g] = clamp(v, 0, maxVariance(c, k));
        }
      } else {
        const u = uniforms(`m2:${column}`, s.keyHi, s.keyLo);
        for (let g = 0; g < G; g++) {
          const scale = c.isBounded ? (c.max - c.min) ** 2 : (2 * s.maxAbs![g]!) ** 2;
          const k = Math.max(2, n[g]!);
          const m2 = Math.max(0, s.m2![g]! + scale * unitNoise(u[g]!));
          out[g] = clamp(m2 / (k - 1), 0, maxVariance(c, k));
        }
      }
      return out;
    });
  return (m, g) => {
    const col = m.column;
    switch (m.fn) {
      case 'count':
        return roundCount(count(col)[g]!, rounding);
      case 'sum':
        return sum(col!)[g]!;
      case 'mean': {
        const c = frame.stats.get(col!)!.numeric!;
        return clamp(sum(col!)[g]! / Math.max(1, count(col)[g]!), c.min, c.max);
      }
      case 'variance':
        return variance(col!)[g]!;
      case 'stddev':
        return Math.sqrt(variance(col!)[g]!);
      default:
        throw new Error(`unreleasable measure ${m.fn}`);
    }
  };
}

/** Released bin counts (rounded). */
export function histogramValues(h: THistogramEntry, noise: TNoise, rounding: number): number[] {
  const { counts, keyHi, keyLo } = h.cells;
  const bins = counts.length;
  const noisy =
    noise.kind === 'dp'
      ? laplaceNoise(1 / noise.epsilon, bins).map((l, b) => counts[b]! + l)
      : streamUniforms(
          noise.secret,
          'count',
          keyHi!,
          keyLo!,
          Int32Array.from({ length: bins }, (_, i) => i),
        ).map((u, b) => counts[b]! + countNoise(u));
  return Array.from(noisy, (v) => roundCount(v, rounding));
}

/**
 * Released regression: coefficients solved from perturbed sufficient statistics, and the rounded
 * noisy count of complete rows. Coefficients are null when the perturbed system is singular.
 *
 * Cell-key: means from the column sums plus (one row's range) noise, centered cross products plus
 * (product of the two ranges) noise, each from its own stream of the complete rows' cell key.
 * DP: raw moments n, Σv, Σx·x', Σx·y; the regression's epsilon is split evenly over these T
 * entries, so each gets Laplace noise of (its sensitivity: 1, B or B·B') × T / epsilon, B being the
 * larger absolute bound of each variable.
 */
export function regressionValues(
  r: TRegressionEntry,
  noise: TNoise,
  rounding: number,
): { coefficients: Float64Array | null; n: number } {
  const { variables, n, mean, cross, maxAbsDev, keyHi, keyLo } = r.cells;
  const p = variables.length;
  const k = p - 1;
  const noisyMean = new Float64Array(p);
  const noisyCross = new Float64Array(p * p);
  let noisyN: number;
  if (noise.kind === 'dp') {
    // Entries n, Σv (p), Σx·x' and Σx·y (k(k+1)/2 + k), each with an equal share of epsilon.
    const bound = variables.map(maxAbsBound);
    const entries = 1 + p + (k * (k + 1)) / 2 + k;
    const per = entries / noise.epsilon;
    const lap = laplaceNoise(1, entries);
    let next = 0;
    noisyN = n + per * lap[next++]!;
    const count = Math.max(1, noisyN);
    for (let a = 0; a < p; a++) noisyMean[a] = (n * mean[a]! + bound[a]! * per * lap[next++]!) / count;
    for (let a = 0; a < k; a++) {
      for (let b = a; b <= k; b++) {
        const raw = cross[a * p + b]! + n * mean[a]! * mean[b]! + bound[a]! * bound[b]! * per * lap[next++]!;
        noisyCross[a * p + b] = raw - count * noisyMean[a]! * noisyMean[b]!;
        noisyCross[b * p + a] = noisyCross[a * p + b]!;
      }
    }
  } else {
    const one = Int32Array.of(0);
    const u = (stream: string) => streamUniforms(noise.secret, stream, keyHi!, keyLo!, one)[0]!;
    const names = variables.map((v) => v.name);
    const scale = variables.map((v, j) => (v.isBounded ? v.max - v.min : maxAbsDev[j]!));
    noisyN = Math.max(0, n + countNoise(u('count')));
    const count = Math.max(1, noisyN);
    for (let a = 0; a < p; a++) {
      const top = variables[a]!.isBounded ? scale[a]! : Math.abs(mean[a]!) + maxAbsDev[a]!;
      noisyMean[a] = (n * mean[a]! + top * unitNoise(u(`reg-sum:${names[a]}`))) / count;
    }
    for (let a = 0; a < k; a++) {
      for (let b = a; b <= k; b++) {
        const z = unitNoise(u(`reg-cross:${names[a]}*${names[b]}`));
        noisyCross[a * p + b] = cross[a * p + b]! + scale[a]! * scale[b]! * z;
        noisyCross[b * p + a] = noisyCross[a * p + b]!;
      }
    }
  }
  return { coefficients: solveRegression(noisyMean, noisyCross), n: roundCount(noisyN, rounding) };
}
