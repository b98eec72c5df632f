import { countNonNull, drawCategories, ensureCoverage, shuffle } from './draw.ts';
import { DummyTableError } from './errors.ts';
import type { TRng } from './rng.ts';
import type { TDummyColumn } from './spec.ts';

/** Integer ranges of at most this many values (months, weekdays, ratings) are drawn uniformly and covered. */
const SMALL_INTEGER_RANGE = 100;
/** Width of the plausible range on the open side of a column with one bound, or of [0, 1000] with none. */
const DEFAULT_SPAN = 1000;
/** Draws outside the bounds are redrawn this often (a truncated shape), then clamped. */
const REDRAWS = 16;

/** Values of an integer or number column, NaN where null. */
export function numericValues(c: TDummyColumn, n: number, nulls: Uint8Array | null, rng: TRng): Float64Array {
  if (c.sensitivity === 'identifier') return uniqueIntegers(c, n, nulls, rng);
  if (c.codes !== undefined) return codedNumbers(c, c.codes as number[], n, nulls, rng);
  return shapedNumbers(c, n, nulls, rng);
}

function codedNumbers(
  c: TDummyColumn,
  codes: number[],
  n: number,
  nulls: Uint8Array | null,
  rng: TRng,
): Float64Array {
  const weights = c.hints?.weights;
  const cats = drawCategories(n, codes.length, weights, nulls, rng);
  ensureCoverage(cats, codes.length, (j) => weights === undefined || weights[j]! > 0, rng);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = cats[i]! < 0 ? Number.NaN : codes[cats[i]!]!;
  return values;
}

function shapedNumbers(c: TDummyColumn, n: number, nulls: Uint8Array | null, rng: TRng): Float64Array {
  const isInteger = c.type === 'integer';
  const lo = c.min === undefined ? -Infinity : isInteger ? Math.ceil(c.min) : c.min;
  const hi = c.max === undefined ? Infinity : isInteger ? Math.floor(c.max) : c.max;
  const isSmallRange = isInteger && hi - lo + 1 <= SMALL_INTEGER_RANGE;
  const draw = sampler(c, isSmallRange, rng);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (nulls?.[i]) {
      values[i] = Number.NaN;
      continue;
    }
    let v = draw();
    for (let t = 0; t < REDRAWS && (v < lo || v > hi); t++) v = draw();
    v = isInteger ? Math.round(v) : Math.round(v * 100) / 100;
    values[i] = Math.min(Math.max(v, lo), hi);
  }
  if (isSmallRange) coverIntegers(values, lo, hi, rng);
  return values;
}

/** [a, b]: the bounds, or a span of DEFAULT_SPAN on the side that has none. */
function plausibleRange(c: TDummyColumn): [number, number] {
  if (c.min !== undefined && c.max !== undefined) return [c.min, c.max];
  if (c.min !== undefined) return [c.min, c.min + DEFAULT_SPAN];
  if (c.max !== undefined) return [c.max - DEFAULT_SPAN, c.max];
  return [0, DEFAULT_SPAN];
}

/**
 * One draw of the column's shape. Without a distribution hint: normal when a mean or sd is given,
 * uniform over a small integer range, otherwise triangular over the plausible range (values
 * cluster in the middle). Missing means default to the middle of the range, sds to a sixth of it
 * (for a lognormal, of its positive part).
 */
function sampler(c: TDummyColumn, isSmallRange: boolean, rng: TRng): () => number {
  const h = c.hints ?? {};
  const distribution =
    h.distribution ??
    (h.mean !== undefined || h.sd !== undefined ? 'normal' : isSmallRange ? 'uniform' : 'triangular');
  const [lo, b] = plausibleRange(c);
  // Lognormal values are positive: only the positive part of the range sets its defaults.
  const a = distribution === 'lognormal' ? Math.max(lo, 0) : lo;
  const mean = h.mean ?? (a + b) / 2;
  const sd = h.sd ?? (b - a) / 6;
  switch (distribution) {
    case 'uniform': {
      if (c.type !== 'integer') return () => a + rng.next() * (b - a);
      const ia = Math.ceil(a);
      const count = Math.floor(b) - ia + 1;
      return () => ia + rng.below(count);
    }
    case 'normal':
      return () => mean + sd * rng.normal();
    case 'lognormal': {
      if (!(mean > 0)) {
        throw new DummyTableError(
          'DUMMY_SPEC_INVALID',
          `column "${c.name}": a lognormal column needs a positive mean, got ${mean}`,
          c.name,
        );
      }
      // The log-scale parameters that give values of this mean and sd.
      const sigma2 = Math.log(1 + (sd * sd) / (mean * mean));
      const mu = Math.log(mean) - sigma2 / 2;
      const sigma = Math.sqrt(sigma2);
      return () => Math.exp(mu + sigma * rng.normal());
    }
    default:
      return () => a + (rng.next() + rng.next()) * 0.5 * (b - a);
  }
}

function coverIntegers(values: Float64Array, lo: number, hi: number, rng: TRng): void {
  const cats = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) cats[i] = Number.isNaN(values[i]!) ? -1 : values[i]! - lo;
  ensureCoverage(cats, hi - lo + 1, () => true, rng);
  for (let i = 0; i < values.length; i++) if (cats[i]! >= 0) values[i] = lo + cats[i]!;
}

/**
 * Distinct integers for an identifier column, in random order over the non-null rows: the public
 * codes first (so filters on them select rows), then the next integers after them within the
 * bounds. Only a range smaller than the table forces repeats.
 */
function uniqueIntegers(c: TDummyColumn, n: number, nulls: Uint8Array | null, rng: TRng): Float64Array {
  const count = countNonNull(n, nulls);
  const codes = (c.codes as number[] | undefined) ?? [];
  const taken = new Set(codes);
  const pool = shuffle([...codes], rng).slice(0, count);
  const lo = c.min !== undefined ? Math.ceil(c.min) : Math.min(1, Math.floor(c.max ?? 1) - count + 1);
  const hi = c.max !== undefined ? Math.floor(c.max) : Number.POSITIVE_INFINITY;
  // A number column whose bounds hold no integer cannot have distinct integers: shape it instead.
  if (lo > hi) return shapedNumbers(c, n, nulls, rng);
  const start = codes.reduce((m, v) => Math.max(m, v + 1), lo);
  for (let v = start; pool.length < count && v <= hi; v++) if (!taken.has(v)) pool.push(v);
  for (let v = lo; pool.length < count && v < start; v++) if (!taken.has(v)) pool.push(v);
  for (let v = lo; pool.length < count; v = v >= hi ? lo : v + 1) pool.push(v);
  shuffle(pool, rng);
  const values = new Float64Array(n);
  let next = 0;
  for (let i = 0; i < n; i++) values[i] = nulls?.[i] ? Number.NaN : pool[next++]!;
  return values;
}
