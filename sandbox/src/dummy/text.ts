import { countNonNull, drawCategories, ensureCoverage, shuffle } from './draw.ts';
import type { TRng } from './rng.ts';
import type { TDummyColumn } from './spec.ts';

/**
 * Dates and timestamps without codes fall in these fixed recent years (fixed, not relative to the
 * clock, so a table never changes with the day it is built).
 */
const DATE_FROM_MS = Date.UTC(2020, 0, 1);
const DATE_TO_MS = Date.UTC(2025, 0, 1);
const DAY_MS = 86_400_000;
/** Distinct values of a free-text column: one per 20 rows, between 2 and 50. */
const FREE_TEXT_VALUES = { perRows: 20, min: 2, max: 50 };

type TCoded = { codes: Int32Array; dictionary: string[] };

/** A string, date or timestamp column, dictionary-coded (−1 where null). */
export function textValues(c: TDummyColumn, n: number, nulls: Uint8Array | null, rng: TRng): TCoded {
  if (c.sensitivity === 'identifier' && c.type === 'string') return uniqueStrings(c, n, nulls, rng);
  if (c.codes !== undefined) {
    const weights = c.hints?.weights;
    const codes = drawCategories(n, c.codes.length, weights, nulls, rng);
    ensureCoverage(codes, c.codes.length, (j) => weights === undefined || weights[j]! > 0, rng);
    return { codes, dictionary: c.codes.map(String) };
  }
  if (c.type === 'date') {
    const days = drawCategories(n, (DATE_TO_MS - DATE_FROM_MS) / DAY_MS, undefined, nulls, rng);
    return sortedDictionary(days, isoDay);
  }
  if (c.type === 'timestamp') {
    const seconds = drawCategories(n, (DATE_TO_MS - DATE_FROM_MS) / 1000, undefined, nulls, rng);
    return sortedDictionary(seconds, timestampLabeller());
  }
  const k = Math.min(
    FREE_TEXT_VALUES.max,
    Math.max(FREE_TEXT_VALUES.min, Math.floor(n / FREE_TEXT_VALUES.perRows)),
  );
  const codes = drawCategories(n, k, undefined, nulls, rng);
  return { codes, dictionary: Array.from({ length: k }, (_, j) => `${c.name}_${j + 1}`) };
}

/** Re-codes raw integers (−1 null) to a dictionary of the values that occur, in ascending order. */
function sortedDictionary(raw: Int32Array, label: (v: number) => string): TCoded {
  const sorted = raw.slice().sort();
  let first = 0;
  while (first < sorted.length && sorted[first]! < 0) first++;
  const distinct = new Int32Array(sorted.length - first);
  let k = 0;
  for (let i = first; i < sorted.length; i++)
    if (k === 0 || sorted[i] !== distinct[k - 1]) distinct[k++] = sorted[i]!;
  const dictionary = Array.from({ length: k }, (_, j) => label(distinct[j]!));
  const codes = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i]!;
    if (v < 0) {
      codes[i] = -1;
      continue;
    }
    let lo = 0;
    let hi = k - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (distinct[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    codes[i] = lo;
  }
  return { codes, dictionary };
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/** `YYYY-MM-DD` of a day after DATE_FROM. */
const isoDay = (day: number) => new Date(DATE_FROM_MS + day * DAY_MS).toISOString().slice(0, 10);

/** `YYYY-MM-DDTHH:MM:SSZ` of a second after DATE_FROM; Date formats only the days (it is slow). */
function timestampLabeller(): (second: number) => string {
  const days = new Map<number, string>();
  return (second) => {
    const day = Math.floor(second / 86_400);
    let date = days.get(day);
    if (date === undefined) {
      date = isoDay(day);
      days.set(day, date);
    }
    const t = second - day * 86_400;
    const hh = TWO_DIGITS[Math.floor(t / 3600)]!;
    return `${date}T${hh}:${TWO_DIGITS[Math.floor(t / 60) % 60]}:${TWO_DIGITS[t % 60]}Z`;
  };
}

/**
 * Distinct strings for an identifier column, in random order over the non-null rows: the public
 * codes first, then values shaped like them (the last run of digits counting up, `P00017`), or
 * `${name}_000001`… without codes.
 */
function uniqueStrings(c: TDummyColumn, n: number, nulls: Uint8Array | null, rng: TRng): TCoded {
  const count = countNonNull(n, nulls);
  const codes = (c.codes as string[] | undefined) ?? [];
  const taken = new Set(codes);
  const pool = shuffle([...codes], rng).slice(0, count);
  const template = codes[0] ?? `${c.name}_000000`;
  const digits = /(\d+)(?!.*\d)/.exec(template);
  const prefix = digits ? template.slice(0, digits.index) : `${template}_`;
  const suffix = digits ? template.slice(digits.index + digits[1]!.length) : '';
  const width = Math.max(digits ? digits[1]!.length : 6, String(count + codes.length).length);
  for (let j = 1; pool.length < count; j++) {
    const v = `${prefix}${String(j).padStart(width, '0')}${suffix}`;
    if (taken.size === 0 || !taken.has(v)) pool.push(v);
  }
  shuffle(pool, rng);
  const out = new Int32Array(n);
  let next = 0;
  for (let i = 0; i < n; i++) out[i] = nulls?.[i] ? -1 : next++;
  return { codes: out, dictionary: pool };
}
