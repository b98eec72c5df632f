import { type SQL, sql } from 'drizzle-orm';
import type { TColumn } from '../catalogue/dataset-schema.ts';
import { tableRef } from '../data/table-store.ts';
import type { Db } from '../db/client.ts';
import { rowsOf } from '../db/client.ts';

/** A column's values as the text its upload would hold, so a `unique` rule keys them alike. */
const textOf = (column: TColumn): SQL => {
  const name = sql.identifier(column.name);
  return column.type === 'timestamp'
    ? sql`to_char(${name} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
    : sql`${name}::text`;
};

/**
 * For an append: per column with a `unique` rule, the distinct values the rows before `version`
 * already hold, so that the upload may not repeat them.
 */
export async function uniqueSeeds(
  db: Db,
  tableName: string,
  columns: TColumn[],
  version: number,
): Promise<Map<string, string[]>> {
  const seeds = new Map<string, string[]>();
  for (const column of columns) {
    if (!column.rules?.some((r) => r.kind === 'unique')) continue;
    const rows = rowsOf<{ v: string }>(
      await db.execute(
        sql`select distinct ${textOf(column)} as v from ${tableRef(tableName)} where _v < ${version} and ${sql.identifier(column.name)} is not null`,
      ),
    );
    seeds.set(
      column.name,
      rows.map((r) => r.v),
    );
  }
  return seeds;
}
