import { type SQL, sql } from 'drizzle-orm';
import type { TColumn } from '../catalogue/dataset-schema.ts';
import { pgTypeOf } from '../data/table-store.ts';
import type { TFieldError } from '../errors.ts';
import { columnRef, lookupColumn, shown, type TColumnMap } from './columns.ts';

export const FILTER_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'like'] as const;
export type TFilterOp = (typeof FILTER_OPS)[number];

export type TScalar = string | number | boolean | null;

/** One condition as a caller gives it: a column name, an operator and a raw value (a list for `in`). */
export type TFilter = { column: string; op: TFilterOp; value: TScalar | TScalar[] };

/** Most values an `in` list may hold. */
export const MAX_IN_VALUES = 100;
export const MAX_VALUE_LENGTH = 1000;

const OPS: ReadonlySet<string> = new Set(FILTER_OPS);

/**
 * Parses a `filter` query parameter, `column:op:value`: the value is everything after the second
 * colon (so timestamps keep theirs), and `in` takes a comma-separated list.
 */
export function parseFilterParam(raw: string): TFilter | string {
  const first = raw.indexOf(':');
  const second = first < 0 ? -1 : raw.indexOf(':', first + 1);
  if (second < 0) return 'expected column:op:value';
  const op = raw.slice(first + 1, second);
  if (!OPS.has(op)) return `unknown operator ${shown(op)}; use one of ${FILTER_OPS.join(', ')}`;
  const value = raw.slice(second + 1);
  return {
    column: raw.slice(0, first),
    op: op as TFilterOp,
    value: op === 'in' ? value.split(',') : value,
  };
}

const INTEGER = /^[+-]?\d{1,16}$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP =
  /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]([01]\d|2[0-3])(:?[0-5]\d)?)$/;

function isCalendarDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1) return false;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/**
 * A filter value read by its column's type, as the text PostgreSQL casts to that type; or why it
 * cannot be. Query parameters give text, JSON bodies may give numbers and booleans too.
 */
export function parseFilterValue(column: TColumn, raw: string | number | boolean): { text: string } | string {
  switch (column.type) {
    case 'integer': {
      const n =
        typeof raw === 'number' ? raw : typeof raw === 'string' && INTEGER.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) return `column ${column.name} holds integers within ±9007199254740991`;
      return { text: String(n) };
    }
    case 'number': {
      const n =
        typeof raw === 'number' ? raw : typeof raw === 'string' && NUMBER.test(raw) ? Number(raw) : NaN;
      if (!Number.isFinite(n)) return `column ${column.name} holds numbers`;
      return { text: String(n) };
    }
    case 'boolean':
      if (raw === true || raw === 'true' || raw === '1') return { text: 'true' };
      if (raw === false || raw === 'false' || raw === '0') return { text: 'false' };
      return `column ${column.name} holds booleans (true or false)`;
    case 'date':
      if (typeof raw === 'string' && isCalendarDate(raw)) return { text: raw };
      return `column ${column.name} holds dates (YYYY-MM-DD)`;
    case 'timestamp': {
      const m = typeof raw === 'string' ? TIMESTAMP.exec(raw) : null;
      if (m && isCalendarDate(m[1]!)) return { text: raw as string };
      return `column ${column.name} holds timestamps (ISO 8601 with Z or an ±hh:mm offset)`;
    }
    case 'string':
      if (typeof raw !== 'string') return `column ${column.name} holds strings`;
      if (raw.length > MAX_VALUE_LENGTH) return `values are at most ${MAX_VALUE_LENGTH} characters`;
      if (raw.includes('\0')) return 'values may not contain NUL characters';
      return { text: raw };
  }
}

/** PostgreSQL refuses a pattern whose escape character (`\`) escapes nothing. */
function isLikePattern(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') {
      if (i + 1 >= pattern.length) return false;
      i++;
    }
  }
  return true;
}

const COMPARISONS: Record<Exclude<TFilterOp, 'in' | 'like' | 'eq' | 'ne'>, SQL> = {
  lt: sql.raw('<'),
  lte: sql.raw('<='),
  gt: sql.raw('>'),
  gte: sql.raw('>='),
};

/**
 * Checks a filter against the schema and turns it into a condition: the column as a quoted
 * identifier, every value a bind parameter cast to the column's type. Problems go to `errors`
 * under `path` (and `path.column` / `path.value` when `isStructured`, for JSON bodies).
 */
export function filterCondition(
  columns: TColumnMap,
  filter: TFilter,
  path: string,
  errors: TFieldError[],
  tableAlias?: string,
  isStructured = false,
): SQL | undefined {
  const at = (part: string) => (isStructured ? `${path}.${part}` : path);
  const column = lookupColumn(columns, filter.column, at('column'), errors);
  if (!column) return undefined;
  const ref = columnRef(column, tableAlias);
  const { op, value } = filter;
  const fail = (message: string) => {
    errors.push({
      path: at('value'),
      message: isStructured ? message : `${filter.column}:${op}: ${message}`,
    });
    return undefined;
  };
  // The parameter goes as text: postgres.js would otherwise serialize it by the inferred type
  // (its boolean serializer turns the string 'true' into false).
  const typed = (text: string) => sql`cast(cast(${text} as text) as ${sql.raw(pgTypeOf(column.type))})`;

  if (op === 'in') {
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0 || values.length > MAX_IN_VALUES) {
      return fail(`in takes 1 to ${MAX_IN_VALUES} values`);
    }
    const parts: SQL[] = [];
    for (const v of values) {
      if (v === null) return fail('in takes no null; use eq with null');
      const parsed = parseFilterValue(column, v);
      if (typeof parsed === 'string') return fail(parsed);
      parts.push(typed(parsed.text));
    }
    return sql`${ref} in (${sql.join(parts, sql`, `)})`;
  }
  if (Array.isArray(value)) return fail(`a list of values is for the in operator only`);
  if (value === null) {
    if (op === 'eq') return sql`${ref} is null`;
    if (op === 'ne') return sql`${ref} is not null`;
    return fail('null compares with eq or ne only');
  }
  if (op === 'like') {
    if (column.type !== 'string')
      return fail(`like applies to string columns; ${column.name} is ${column.type}`);
    const parsed = parseFilterValue(column, value);
    if (typeof parsed === 'string') return fail(parsed);
    if (!isLikePattern(parsed.text)) return fail('a like pattern may not end with an unescaped \\');
    return sql`${ref} like ${parsed.text}`;
  }
  const parsed = parseFilterValue(column, value);
  if (typeof parsed === 'string') return fail(parsed);
  if (op === 'eq') return sql`${ref} = ${typed(parsed.text)}`;
  // Rows whose value is null differ from any given value.
  if (op === 'ne') return sql`${ref} is distinct from ${typed(parsed.text)}`;
  return sql`${ref} ${COMPARISONS[op]} ${typed(parsed.text)}`;
}
