import type { TColumn } from '../catalogue/dataset-schema.ts';

/*
 * Field checks shared by the CSV and NDJSON readers. A check looks at `s[a, b)` without copying and
 * returns a status: zero or more means valid (and says how to write it), below zero names the fault.
 * Statuses instead of thrown errors or result objects keep the per-field path free of allocation.
 */

export const KIND_INTEGER = 0;
export const KIND_NUMBER = 1;
export const KIND_STRING = 2;
export const KIND_BOOLEAN = 3;
export const KIND_DATE = 4;
export const KIND_TIMESTAMP = 5;

const KINDS: Record<TColumn['type'], number> = {
  integer: KIND_INTEGER,
  number: KIND_NUMBER,
  string: KIND_STRING,
  boolean: KIND_BOOLEAN,
  date: KIND_DATE,
  timestamp: KIND_TIMESTAMP,
};

/**
 * Added to the kind of a column with a code list. Readers send such fields down a separate path
 * (`kind >= CODED`), so columns without one keep theirs unchanged.
 */
export const CODED = 8;

/** A column's kind, plus CODED when it has a code list. */
export const kindOf = (column: TColumn): number =>
  KINDS[column.type] + (column.codes === undefined ? 0 : CODED);

/** Valid, written as given. */
export const AS_IS = 0;
export const IS_NULL = 1;
export const IS_TRUE = 2;
export const IS_FALSE = 3;
/** A valid integer written in a non-canonical form (`+5`, `007`, `-0`). */
export const RECAST_INTEGER = 4;
/** Text holding a backslash, tab, newline or carriage return. */
export const NEEDS_ESCAPE = 5;

export const ERR_REQUIRED = -1;
export const ERR_INTEGER = -2;
export const ERR_UNSAFE_INTEGER = -3;
export const ERR_NUMBER = -4;
export const ERR_NUMBER_RANGE = -5;
export const ERR_BELOW_MIN = -6;
export const ERR_ABOVE_MAX = -7;
export const ERR_BOOLEAN = -8;
export const ERR_DATE = -9;
export const ERR_TIMESTAMP = -10;
export const ERR_NUL = -11;
export const ERR_STRING = -12;
export const ERR_NOT_IN_CODES = -13;

/** Why a field was refused, for a status below zero. */
export function faultOf(status: number, column: TColumn): string {
  switch (status) {
    case ERR_REQUIRED:
      return 'required';
    case ERR_INTEGER:
      return 'not an integer';
    case ERR_UNSAFE_INTEGER:
      return 'integer outside the safe range ±9007199254740991';
    case ERR_NUMBER:
      return 'not a number';
    case ERR_NUMBER_RANGE:
      return 'number out of double precision range';
    case ERR_BELOW_MIN:
      return `below the minimum ${column.min}`;
    case ERR_ABOVE_MAX:
      return `above the maximum ${column.max}`;
    case ERR_BOOLEAN:
      return 'not a boolean (true, false, 1 or 0)';
    case ERR_DATE:
      return 'not a date (YYYY-MM-DD)';
    case ERR_TIMESTAMP:
      return 'not a timestamp (ISO 8601 with Z or ±hh:mm offset)';
    case ERR_NUL:
      return 'NUL character';
    case ERR_STRING:
      return 'not a string';
    case ERR_NOT_IN_CODES:
      return "not in the column's code list";
    default:
      return 'invalid value';
  }
}

const isDigit = (c: number) => c >= 48 && c <= 57;

function bounded(value: number, column: TColumn, ok: number): number {
  if (column.min !== undefined && value < column.min) return ERR_BELOW_MIN;
  if (column.max !== undefined && value > column.max) return ERR_ABOVE_MAX;
  return ok;
}

/** `[+-]?\d+`, a safe integer, within the column's bounds. */
export function checkInteger(s: string, a: number, b: number, column: TColumn): number {
  let i = a;
  let c = s.charCodeAt(i);
  let isNegative = false;
  let isCanonical = true;
  if (c === 45) {
    isNegative = true;
    i++;
  } else if (c === 43) {
    isCanonical = false;
    i++;
  }
  const first = i;
  if (first >= b) return ERR_INTEGER;
  let value = 0;
  for (; i < b; i++) {
    c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return ERR_INTEGER;
    value = value * 10 + c;
  }
  if (s.charCodeAt(first) === 48 && (b - first > 1 || isNegative)) isCanonical = false;
  // Up to 15 digits the running value is exact and safe; beyond, let Number round and judge.
  if (b - first > 15) {
    value = Number(s.slice(first, b));
    if (!Number.isSafeInteger(value)) return ERR_UNSAFE_INTEGER;
  }
  if (isNegative) value = -value;
  if (column.min === undefined && column.max === undefined) return isCanonical ? AS_IS : RECAST_INTEGER;
  return bounded(value, column, isCanonical ? AS_IS : RECAST_INTEGER);
}

/**
 * Decimal or scientific notation, finite, within bounds. Accepted text is written as given:
 * PostgreSQL's float8 input (strtod) reads every form accepted here to the same double as Number().
 */
export function checkNumber(s: string, a: number, b: number, column: TColumn): number {
  let i = a;
  let c = s.charCodeAt(i);
  if (c === 45 || c === 43) c = ++i < b ? s.charCodeAt(i) : -1;
  let digits = 0;
  let hasNonZero = false;
  while (isDigit(c)) {
    if (c !== 48) hasNonZero = true;
    digits++;
    c = ++i < b ? s.charCodeAt(i) : -1;
  }
  if (c === 46) {
    c = ++i < b ? s.charCodeAt(i) : -1;
    while (isDigit(c)) {
      if (c !== 48) hasNonZero = true;
      digits++;
      c = ++i < b ? s.charCodeAt(i) : -1;
    }
  }
  if (digits === 0) return ERR_NUMBER;
  let hasExponent = false;
  if (c === 101 || c === 69) {
    hasExponent = true;
    c = ++i < b ? s.charCodeAt(i) : -1;
    if (c === 45 || c === 43) c = ++i < b ? s.charCodeAt(i) : -1;
    if (!isDigit(c)) return ERR_NUMBER;
    while (isDigit(c)) c = ++i < b ? s.charCodeAt(i) : -1;
  }
  if (i !== b) return ERR_NUMBER;
  // Without an exponent and at this length the value is finite and no underflow is possible.
  if (!hasExponent && b - a < 300 && column.min === undefined && column.max === undefined) return AS_IS;
  const value = Number(s.slice(a, b));
  if (!Number.isFinite(value) || (value === 0 && hasNonZero)) return ERR_NUMBER_RANGE;
  return bounded(value, column, AS_IS);
}

/** `true`/`false` (any case), `1`/`0`. */
export function checkBoolean(s: string, a: number, b: number): number {
  const n = b - a;
  if (n === 1) {
    const c = s.charCodeAt(a);
    return c === 49 ? IS_TRUE : c === 48 ? IS_FALSE : ERR_BOOLEAN;
  }
  if (n === 4) {
    return (s.charCodeAt(a) | 32) === 116 &&
      (s.charCodeAt(a + 1) | 32) === 114 &&
      (s.charCodeAt(a + 2) | 32) === 117 &&
      (s.charCodeAt(a + 3) | 32) === 101
      ? IS_TRUE
      : ERR_BOOLEAN;
  }
  if (n === 5) {
    return (s.charCodeAt(a) | 32) === 102 &&
      (s.charCodeAt(a + 1) | 32) === 97 &&
      (s.charCodeAt(a + 2) | 32) === 108 &&
      (s.charCodeAt(a + 3) | 32) === 115 &&
      (s.charCodeAt(a + 4) | 32) === 101
      ? IS_FALSE
      : ERR_BOOLEAN;
  }
  return ERR_BOOLEAN;
}

/** Two digits at i as a number, or -1. */
function two(s: string, i: number): number {
  const h = s.charCodeAt(i) - 48;
  const l = s.charCodeAt(i + 1) - 48;
  return h >= 0 && h <= 9 && l >= 0 && l <= 9 ? h * 10 + l : -1;
}

/** True when `s[a, a+10)` is `YYYY-MM-DD`, a real date of the proleptic Gregorian calendar from year 1. */
function isCalendarDate(s: string, a: number): boolean {
  const hi = two(s, a);
  const lo = two(s, a + 2);
  if (hi < 0 || lo < 0 || s.charCodeAt(a + 4) !== 45 || s.charCodeAt(a + 7) !== 45) return false;
  const year = hi * 100 + lo;
  const month = two(s, a + 5);
  const day = two(s, a + 8);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  if (day <= 28) return true;
  if (month === 2) return day === 29 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31);
}

export function checkDate(s: string, a: number, b: number): number {
  return b - a === 10 && isCalendarDate(s, a) ? AS_IS : ERR_DATE;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.f+](Z|±hh:mm)`, every field in range. Written as given: PostgreSQL's
 * timestamptz input reads this form to the same instant. Leap seconds (`:60`) are refused.
 */
export function checkTimestamp(s: string, a: number, b: number): number {
  if (b - a < 20 || !isCalendarDate(s, a) || s.charCodeAt(a + 10) !== 84) return ERR_TIMESTAMP;
  const hour = two(s, a + 11);
  const minute = two(s, a + 14);
  const second = two(s, a + 17);
  if (s.charCodeAt(a + 13) !== 58 || s.charCodeAt(a + 16) !== 58) return ERR_TIMESTAMP;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return ERR_TIMESTAMP;
  let i = a + 19;
  if (s.charCodeAt(i) === 46) {
    const first = ++i;
    while (i < b && isDigit(s.charCodeAt(i))) i++;
    if (i === first) return ERR_TIMESTAMP;
  }
  const c = s.charCodeAt(i);
  if (c === 90) return i + 1 === b ? AS_IS : ERR_TIMESTAMP;
  if ((c !== 43 && c !== 45) || b - i !== 6 || s.charCodeAt(i + 3) !== 58) return ERR_TIMESTAMP;
  const offsetHours = two(s, i + 1);
  const offsetMinutes = two(s, i + 4);
  // PostgreSQL accepts offsets up to 15:59.
  return offsetHours >= 0 && offsetHours <= 15 && offsetMinutes >= 0 && offsetMinutes <= 59
    ? AS_IS
    : ERR_TIMESTAMP;
}

const TEXT_SPECIAL = /[\\\t\n\r]/;
const TEXT_SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Free text: anything but NUL. */
export function checkText(s: string): number {
  if (s.indexOf('\0') !== -1) return ERR_NUL;
  return TEXT_SPECIAL.test(s) ? NEEDS_ESCAPE : AS_IS;
}

/** Text in COPY text format: backslash, tab, newline and carriage return escaped. */
export const escapeText = (s: string): string => s.replace(TEXT_SPECIAL_ALL, (ch) => ESCAPES[ch]!);

/** The value of integer text that `checkInteger` accepted (`+5`, `007` and `-0` included). */
export function integerValue(s: string, a: number, b: number): number {
  if (b - a > 15) return Number(s.slice(a, b));
  let i = a;
  const c = s.charCodeAt(i);
  if (c === 45 || c === 43) i++;
  let value = 0;
  for (; i < b; i++) value = value * 10 + s.charCodeAt(i) - 48;
  return c === 45 ? -value : value;
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return (
    era * 146_097 +
    yearOfEra * 365 +
    Math.floor(yearOfEra / 4) -
    Math.floor(yearOfEra / 100) +
    dayOfYear -
    719_468
  );
}

/**
 * The instant of timestamp text that `checkTimestamp` accepted, as a key: the whole seconds since
 * 1970 in UTC (rounded down), then the decimals of the second without trailing zeros
 * (`1704067200.5`). Two texts get the same key exactly when they name the same instant, whatever
 * their offsets and decimals.
 */
export function timestampKey(s: string, a: number, b: number): string {
  const year = two(s, a) * 100 + two(s, a + 2);
  let seconds =
    daysFromCivil(year, two(s, a + 5), two(s, a + 8)) * 86_400 +
    two(s, a + 11) * 3600 +
    two(s, a + 14) * 60 +
    two(s, a + 17);
  let i = a + 19;
  let decimals = '';
  if (s.charCodeAt(i) === 46) {
    const first = ++i;
    while (i < b && isDigit(s.charCodeAt(i))) i++;
    let last = i;
    while (last > first && s.charCodeAt(last - 1) === 48) last--;
    decimals = s.slice(first, last);
  }
  const sign = s.charCodeAt(i);
  if (sign !== 90) seconds -= (sign === 45 ? -1 : 1) * (two(s, i + 1) * 3600 + two(s, i + 4) * 60);
  return decimals === '' ? String(seconds) : `${seconds}.${decimals}`;
}

/** Checks a non-empty text field of a non-string kind. */
export function checkTyped(kind: number, s: string, a: number, b: number, column: TColumn): number {
  switch (kind) {
    case KIND_INTEGER:
      return checkInteger(s, a, b, column);
    case KIND_NUMBER:
      return checkNumber(s, a, b, column);
    case KIND_BOOLEAN:
      return checkBoolean(s, a, b);
    case KIND_DATE:
      return checkDate(s, a, b);
    case KIND_TIMESTAMP:
      return checkTimestamp(s, a, b);
    default:
      return AS_IS;
  }
}

/** The COPY text of a valid field of text `s` with status `status`. */
export function encodeText(status: number, s: string): string {
  switch (status) {
    case IS_NULL:
      return '\\N';
    case IS_TRUE:
      return 't';
    case IS_FALSE:
      return 'f';
    case RECAST_INTEGER:
      return String(Number(s));
    case NEEDS_ESCAPE:
      return escapeText(s);
    default:
      return s;
  }
}
