import { type SQL, sql } from 'drizzle-orm';
import type { TColumn, TColumnType } from '../catalogue/dataset-schema.ts';
import type { TFieldError } from '../errors.ts';

/*
 * Column checks and value shapes shared by the open data reads. Every name a caller gives is looked
 * up in the dataset's schema (a Map, so `__proto__` or `constructor` are just unknown names) and
 * only the schema's own column then reaches SQL, as a quoted identifier.
 */

/** The columns a caller may name; `withheld` are the dataset's others, refused by name (a grant's unnamed ones). */
export type TColumnMap = ReadonlyMap<string, TColumn> & { readonly withheld: ReadonlySet<string> };

export const columnMap = (columns: readonly TColumn[], withheld: readonly string[] = []): TColumnMap =>
  Object.assign(new Map(columns.map((c) => [c.name, c])), { withheld: new Set(withheld) });

/** How a name is echoed in an error: quoted, and cut short so a long attempt does not flood it. */
export const shown = (name: string) => JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);

/** The column named `name`, or an error at `path` naming it. */
export function lookupColumn(
  columns: TColumnMap,
  name: string,
  path: string,
  errors: TFieldError[],
): TColumn | undefined {
  const column = columns.get(name);
  if (!column) {
    errors.push({
      path,
      message: columns.withheld.has(name)
        ? `column ${shown(name)} is not granted`
        : `unknown column ${shown(name)}`,
    });
  }
  return column;
}

/**
 * A comma-separated list of column names (`select=a,b`), each checked against the schema; all
 * columns in schema order when absent.
 */
export function parseColumnList(
  columns: TColumnMap,
  raw: string | undefined,
  path: string,
  errors: TFieldError[],
): TColumn[] {
  if (raw === undefined) return [...columns.values()];
  const out: TColumn[] = [];
  const seen = new Set<string>();
  for (const part of raw.split(',')) {
    const name = part.trim();
    if (name === '') {
      errors.push({ path, message: 'empty column name; give names separated by commas' });
      continue;
    }
    if (seen.has(name)) {
      errors.push({ path, message: `column ${shown(name)} is given twice` });
      continue;
    }
    seen.add(name);
    const column = lookupColumn(columns, name, path, errors);
    if (column) out.push(column);
  }
  return out;
}

/** A column of the dataset table, optionally qualified by a table alias; the name is a checked one. */
export const columnRef = (column: TColumn, alias?: string): SQL =>
  alias ? sql`${sql.identifier(alias)}.${sql.identifier(column.name)}` : sql`${sql.identifier(column.name)}`;

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const ISO_US = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/**
 * `expr` as it leaves the database: dates as `YYYY-MM-DD`, timestamps as ISO 8601 in UTC (with
 * milliseconds, or microseconds where the stored value has them), booleans as `true`/`false` text
 * for CSV. Formatting in SQL keeps both drivers and COPY output identical.
 */
export function outputExpr(type: TColumnType, expr: SQL, target: 'json' | 'csv' = 'json'): SQL {
  switch (type) {
    case 'date':
      // In CSV the session's ISO DateStyle (set by the database port) already writes YYYY-MM-DD.
      return target === 'csv' ? expr : sql`to_char(${expr}, 'YYYY-MM-DD')`;
    case 'timestamp':
      return sql`case when extract(microseconds from ${expr})::bigint % 1000 = 0 then to_char(${expr} at time zone 'UTC', ${sql.raw(ISO_MS)}) else to_char(${expr} at time zone 'UTC', ${sql.raw(ISO_US)}) end`;
    case 'boolean':
      return target === 'csv' ? sql`(${expr})::text` : expr;
    default:
      return expr;
  }
}

/**
 * A value from a driver as JSON: int8 and numeric arrive as strings (postgres.js) or numbers and
 * bigints (PGlite); integers are within ±2^53−1, so a JSON number holds them exactly.
 */
export function decodeValue(type: TColumnType, raw: unknown): string | number | boolean | null {
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case 'integer':
    case 'number':
      return typeof raw === 'number' ? raw : Number(raw);
    case 'boolean':
      return typeof raw === 'boolean' ? raw : raw === 't' || raw === 'true';
    default:
      return String(raw);
  }
}
