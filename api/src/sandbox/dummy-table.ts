import { dummyTable as makeDummyTable, type TTable } from '@enclave/sandbox';
import type { datasets } from '../db/schema/index.ts';
import { sha256Hex } from '../lib/hash.ts';

/** Rows of a dummy table: the real table's count (public in the catalogue), within these bounds. */
const DUMMY_ROWS = { min: 1_000, max: 10_000 };

/** The licensed columns' schema, as the dummy generator and the table key see it. */
const columnsOf = (dataset: typeof datasets.$inferSelect, columns: string[]) =>
  columns.map((name) => dataset.columns.find((x) => x.name === name)!);

const rowsOf = (dataset: typeof datasets.$inferSelect) =>
  Math.min(DUMMY_ROWS.max, Math.max(DUMMY_ROWS.min, dataset.rowCount));

/** The cache key of a dummy table: the dataset, its size, the licensed columns' schema and order. */
export function dummyTableKey(dataset: typeof datasets.$inferSelect, columns: string[]): string {
  const schema = sha256Hex(JSON.stringify(columnsOf(dataset, columns))).slice(0, 16);
  return `dummy:${dataset.id}:${rowsOf(dataset)}:${schema}:${columns.join(',')}`;
}

/**
 * Dummy data for a licensed table: the same columns, types, bounds, code lists and null rules as the
 * real one, values shaped by the schema's hints; nothing in it comes from the rows. Aggregate runs
 * run their scripts on it, and dummy runs show everything computed from it.
 */
export function dummyTable(dataset: typeof datasets.$inferSelect, columns: string[]): TTable {
  const schema = columnsOf(dataset, columns);
  const key = dummyTableKey(dataset, columns);
  return makeDummyTable({ name: dataset.slug, key, columns: schema, rows: rowsOf(dataset), seed: key });
}
