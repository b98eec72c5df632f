/** Dummy tables: data of a licensed table's public schema, for scripts to run on without real rows. */
export { dummyTable } from './dummy-table.ts';
export { DummyTableError, type TDummyTableErrorCode } from './errors.ts';
export type { TDummyColumn, TDummySpec } from './spec.ts';
