import { createHash } from 'node:crypto';
import type { TAggregateRequest, TColumnData, TColumnSchema, TTable } from '../types.ts';
import { DisclosureError } from './errors.ts';

/** Refuses a request of a kind this module does not know (the runner sends plain data). */
export function checkKind(req: TAggregateRequest): void {
  if (req.kind !== 'groupBy' && req.kind !== 'histogram' && req.kind !== 'regression') {
    throw new DisclosureError(
      'DISCLOSURE_INVALID_REQUEST',
      `unknown aggregate kind ${JSON.stringify((req as { kind: unknown }).kind)}`,
    );
  }
}

/** The run's table the request names. */
export function findTable(tables: readonly TTable[], name: string): TTable {
  const table = tables.find((t) => t.name === name);
  if (!table)
    throw new DisclosureError(
      'DISCLOSURE_UNKNOWN_TABLE',
      `no table named ${JSON.stringify(name)} in this run`,
    );
  return table;
}

export function getColumn(table: TTable, name: string): TColumnData {
  const col = Object.hasOwn(table.columns, name) ? table.columns[name] : undefined;
  if (!col) {
    throw new DisclosureError(
      'DISCLOSURE_UNKNOWN_COLUMN',
      `table ${JSON.stringify(table.name)} has no column ${JSON.stringify(name)}`,
    );
  }
  return col;
}

/** A numeric column with its schema bounds (±Infinity where the schema gives none). */
export type TNumericColumn = {
  name: string;
  values: Float64Array;
  nulls: Uint8Array | null;
  min: number;
  max: number;
  /** Both bounds known: values are confined to [min, max]. */
  isBounded: boolean;
};

export function numericColumn(table: TTable, name: string, use: string): TNumericColumn {
  const col = getColumn(table, name);
  if (col.type !== 'integer' && col.type !== 'number') {
    throw new DisclosureError(
      'DISCLOSURE_INVALID_REQUEST',
      `${use} needs a numeric column; ${JSON.stringify(name)} is ${col.type}`,
    );
  }
  const b = Object.hasOwn(table.bounds, name) ? table.bounds[name] : undefined;
  const min = typeof b?.min === 'number' && Number.isFinite(b.min) ? b.min : -Infinity;
  const max = typeof b?.max === 'number' && Number.isFinite(b.max) ? b.max : Infinity;
  if (min > max) {
    throw new DisclosureError(
      'DISCLOSURE_INVALID_REQUEST',
      `the schema bounds of ${JSON.stringify(name)} are inverted`,
    );
  }
  return {
    name,
    values: col.values,
    nulls: col.nulls,
    min,
    max,
    isBounded: min > -Infinity && max < Infinity,
  };
}

/** The largest absolute value the schema allows (the DP sensitivity of a sum), Infinity if unbounded. */
export function maxAbsBound(c: TNumericColumn): number {
  return Math.max(Math.abs(c.min), Math.abs(c.max));
}

/**
 * Checks a selection bitmap against the table and normalizes it: null when every row is selected,
 * so that "all rows" compares equal however the script expressed it. Any non-zero byte selects.
 */
export function normalizeSelection(table: TTable, selection: Uint8Array | null): Uint8Array | null {
  if (selection === null) return null;
  if (!(selection instanceof Uint8Array) || selection.length !== table.rowCount) {
    throw new DisclosureError(
      'DISCLOSURE_INVALID_REQUEST',
      `a selection over ${JSON.stringify(table.name)} must be a Uint8Array of ${table.rowCount} bytes`,
    );
  }
  return selection.every((b) => b !== 0) ? null : selection;
}

/** Equal for equal sets of selected rows (the bitmap's contents, not its identity). */
export function selectionId(selection: Uint8Array | null): string {
  if (selection === null) return 'all';
  const bits = new Uint8Array(selection.length);
  for (let i = 0; i < selection.length; i++) bits[i] = selection[i] !== 0 ? 1 : 0;
  return createHash('sha256').update(bits).digest('hex');
}

/** What the catalogue says of a column: nullable, with its code list if any (absent: nullable). */
export function schemaOf(table: TTable, name: string): TColumnSchema {
  return (
    (table.schema && Object.hasOwn(table.schema, name) ? table.schema[name] : undefined) ?? { nullable: true }
  );
}

/** Whether row i of a column is null (NaN counts as null in numeric columns). */
export function isNullAt(col: TColumnData, i: number): boolean {
  if ('codes' in col) return col.codes[i]! < 0;
  if (col.nulls !== null && col.nulls[i] !== 0) return true;
  const v = col.values[i]!;
  return Number.isNaN(v);
}
