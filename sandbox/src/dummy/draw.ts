import type { TRng } from './rng.ts';

/**
 * A value list is guaranteed to appear in full when there are at least this many non-null rows per
 * value: a filter on any public code then selects rows, while each forced row moves the weights of
 * the others by little.
 */
const COVERAGE_ROWS_PER_VALUE = 4;

/** 1 where a row is null, drawn at `share`; null when no row is. */
export function nullMask(n: number, share: number, rng: TRng): Uint8Array | null {
  if (!(share > 0)) return null;
  const mask = new Uint8Array(n);
  let hasNull = false;
  for (let i = 0; i < n; i++) {
    if (rng.next() < share) {
      mask[i] = 1;
      hasNull = true;
    }
  }
  return hasNull ? mask : null;
}

/** An index in [0, k) per row (−1 where null), uniform or in proportion to `weights`. */
export function drawCategories(
  n: number,
  k: number,
  weights: readonly number[] | undefined,
  nulls: Uint8Array | null,
  rng: TRng,
): Int32Array {
  const cats = new Int32Array(n);
  if (weights === undefined) {
    for (let i = 0; i < n; i++) cats[i] = nulls?.[i] ? -1 : rng.below(k);
    return cats;
  }
  const cdf = new Float64Array(k);
  let total = 0;
  for (let j = 0; j < k; j++) {
    total += weights[j]!;
    cdf[j] = total;
  }
  for (let i = 0; i < n; i++) {
    if (nulls?.[i]) {
      cats[i] = -1;
      continue;
    }
    // The first category whose cumulative weight exceeds x: a zero weight is never picked.
    const x = rng.next() * total;
    let lo = 0;
    let hi = k - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    cats[i] = lo;
  }
  return cats;
}

/**
 * Gives every drawable category that did not come up one row, taken from a random row whose
 * category is held by several, when the list is short enough for the table (see above).
 */
export function ensureCoverage(
  cats: Int32Array,
  k: number,
  isDrawable: (j: number) => boolean,
  rng: TRng,
): void {
  const counts = new Int32Array(k);
  let nonNull = 0;
  for (let i = 0; i < cats.length; i++) {
    const c = cats[i]!;
    if (c >= 0) {
      counts[c]!++;
      nonNull++;
    }
  }
  const missing: number[] = [];
  let drawable = 0;
  for (let j = 0; j < k; j++) {
    if (!isDrawable(j)) continue;
    drawable++;
    if (counts[j] === 0) missing.push(j);
  }
  if (missing.length === 0 || drawable * COVERAGE_ROWS_PER_VALUE > nonNull) return;
  // Terminates: more non-null rows than drawable categories, so some category is held by several rows.
  for (const m of missing) {
    for (;;) {
      const i = rng.below(cats.length);
      const c = cats[i]!;
      if (c >= 0 && counts[c]! > 1) {
        counts[c]!--;
        cats[i] = m;
        counts[m] = 1;
        break;
      }
    }
  }
}

/** Fisher–Yates, in place. */
export function shuffle<T>(items: T[], rng: TRng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
  return items;
}

/** Rows that are not null. */
export function countNonNull(n: number, nulls: Uint8Array | null): number {
  if (nulls === null) return n;
  let count = n;
  for (let i = 0; i < n; i++) count -= nulls[i]!;
  return count;
}
