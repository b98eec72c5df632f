import { DummyTableError } from './errors.ts';

/**
 * One column of a dummy table, as the catalogue describes it: only public schema facts, never
 * anything read from the rows.
 */
export type TDummyColumn = {
  name: string;
  type: 'integer' | 'number' | 'string' | 'boolean' | 'date' | 'timestamp';
  nullable: boolean;
  sensitivity: 'public' | 'personal' | 'identifier' | 'sensitive';
  min?: number;
  max?: number;
  /** Public code list: strings for string/date/timestamp columns, safe integers for integer columns. */
  codes?: (string | number)[];
  hints?: {
    /** Shape of a numeric column without codes. */
    distribution?: 'uniform' | 'normal' | 'lognormal';
    /** Mean of the values (also for lognormal: the mean of the values, not of their logarithm). */
    mean?: number;
    /** Standard deviation of the values. */
    sd?: number;
    /** Relative frequency per code, same length as `codes`; a code of weight 0 never appears. */
    weights?: number[];
    /** Share of nulls in a nullable column, 0 ≤ x < 1 (default 0.05); ignored on other columns. */
    nullShare?: number;
  };
};

/** What `dummyTable` builds: the table's slug and key as the sandbox sees them, its columns, size and seed. */
export type TDummySpec = {
  /** The dataset slug the script opens the table by. */
  name: string;
  /** The table's key (dataset, version, columns), as for the real table. */
  key: string;
  columns: TDummyColumn[];
  rows: number;
  /** Any string; the same spec and seed always give the same table. */
  seed: string;
};

const TYPES = new Set(['integer', 'number', 'string', 'boolean', 'date', 'timestamp']);
const DISTRIBUTIONS = new Set(['uniform', 'normal', 'lognormal']);

/** Throws `DUMMY_SPEC_INVALID` where the spec contradicts itself; hints that do not apply are ignored. */
export function validateSpec(spec: TDummySpec): void {
  if (!Number.isSafeInteger(spec.rows) || spec.rows < 0) {
    throw new DummyTableError('DUMMY_SPEC_INVALID', `rows must be a non-negative integer, got ${spec.rows}`);
  }
  const names = new Set<string>();
  for (const c of spec.columns) {
    if (names.has(c.name)) {
      throw new DummyTableError('DUMMY_SPEC_INVALID', `column "${c.name}" appears twice`, c.name);
    }
    names.add(c.name);
    validateColumn(c);
  }
}

function validateColumn(c: TDummyColumn): void {
  const fail = (why: string): never => {
    throw new DummyTableError('DUMMY_SPEC_INVALID', `column "${c.name}": ${why}`, c.name);
  };
  if (!TYPES.has(c.type)) fail(`unknown type "${c.type}"`);
  const isNumeric = c.type === 'integer' || c.type === 'number';
  const { min, max, codes, hints = {} } = c;
  if (min !== undefined && !Number.isFinite(min)) fail('min is not a finite number');
  if (max !== undefined && !Number.isFinite(max)) fail('max is not a finite number');
  if (min !== undefined && max !== undefined) {
    if (min > max) fail(`min ${min} exceeds max ${max}`);
    if (c.type === 'integer' && Math.ceil(min) > Math.floor(max))
      fail(`no integer between ${min} and ${max}`);
  }
  if (codes !== undefined) {
    if (codes.length === 0) fail('codes is empty');
    if (c.type === 'number' || c.type === 'boolean') {
      fail('codes apply to string, integer, date and timestamp columns only');
    }
    const isCode =
      c.type === 'integer' ? (v: unknown) => Number.isSafeInteger(v) : (v: unknown) => typeof v === 'string';
    for (const v of codes) {
      if (!isCode(v)) fail(`code ${JSON.stringify(v)} does not fit a ${c.type} column`);
      if (
        isNumeric &&
        ((min !== undefined && (v as number) < min) || (max !== undefined && (v as number) > max))
      ) {
        fail(`code ${v} is outside [${min ?? '-∞'}, ${max ?? '∞'}]`);
      }
    }
    if (new Set(codes).size !== codes.length) fail('codes has duplicates');
  }
  if (hints.weights !== undefined) {
    if (codes === undefined) fail('weights are given without codes');
    if (hints.weights.length !== codes!.length)
      fail(`${hints.weights.length} weights for ${codes!.length} codes`);
    if (!hints.weights.every((w) => Number.isFinite(w) && w >= 0)) fail('a weight is negative or not finite');
    if (!hints.weights.some((w) => w > 0)) fail('every weight is 0');
  }
  const share = hints.nullShare;
  if (share !== undefined && !(Number.isFinite(share) && share >= 0 && share < 1)) {
    fail(`nullShare must be in [0, 1), got ${share}`);
  }
  if (!isNumeric) return;
  if (hints.distribution !== undefined && !DISTRIBUTIONS.has(hints.distribution)) {
    fail(`unknown distribution "${hints.distribution}"`);
  }
  if (hints.mean !== undefined && !Number.isFinite(hints.mean)) fail('mean is not a finite number');
  if (hints.sd !== undefined && !(Number.isFinite(hints.sd) && hints.sd >= 0))
    fail('sd must be finite and ≥ 0');
}
