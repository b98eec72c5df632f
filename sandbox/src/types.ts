/**
 * Shared shapes of the sandbox: the host's columnar copy of a licensed table, what a run asks the
 * host to aggregate, and what a run returns. Plain data only, so it crosses process boundaries.
 */

/** A column as the host holds it. Strings, dates and timestamps are dictionary-coded (-1 is null). */
export type TColumnData =
  | { type: 'integer' | 'number'; values: Float64Array; nulls: Uint8Array | null }
  | { type: 'boolean'; values: Uint8Array; nulls: Uint8Array | null }
  | { type: 'string' | 'date' | 'timestamp'; codes: Int32Array; dictionary: string[] };

/** A licensed table: only the contract's columns are present. */
export type TTable = {
  /** The dataset slug the script opens it by. */
  name: string;
  /** Identifies the data (dataset id and version); keys the cell-key perturbation and caches. */
  key: string;
  rowCount: number;
  columns: Record<string, TColumnData>;
  /** Schema bounds of numeric columns, for clamping and DP noise. */
  bounds: Record<string, { min?: number; max?: number }>;
  /**
   * Identifies the rows (dataset and version) whatever columns were loaded: released noise is keyed
   * on it, so the same question about the same data gets the same answer under any contract.
   * Defaults to `key`.
   */
  dataKey?: string;
  /**
   * Public facts of each column's schema, which never depend on the rows: whether it may be null,
   * and its code list. Group-bys released automatically group only by columns whose values are
   * public (a code list, booleans, or integers with narrow bounds). Absent: nullable, no codes.
   */
  schema?: Record<string, TColumnSchema>;
};

export type TColumnSchema = { nullable: boolean; codes?: (string | number)[] };

export const MEASURE_FNS = ['count', 'sum', 'mean', 'variance', 'stddev', 'min', 'max', 'median'] as const;
export type TMeasureFn = (typeof MEASURE_FNS)[number];

export const WHERE_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in'] as const;
export type TWhereValue = string | number | boolean | null;
export type TWhereClause = {
  column: string;
  op: (typeof WHERE_OPS)[number];
  value: TWhereValue | TWhereValue[];
};

/**
 * How the script chose an aggregate's rows. `where` clauses are evaluated again by the host on its
 * own data, and only with constants written in the script or its params, so the choice of rows
 * cannot depend on the data; rows picked by a JavaScript predicate (`predicate`) could, so such an
 * aggregate is released only after review.
 */
export type TRowFilter = { kind: 'all' } | { kind: 'where'; clauses: TWhereClause[] } | { kind: 'predicate' };

/**
 * An aggregate the script asked for through the SDK. The host computes every number behind it from
 * its own copy of the data; the script only chose the rows (a bitmap over the table's rows, null
 * for all), the grouping and the measures.
 */
export type TAggregateRequest =
  | {
      id: number;
      kind: 'groupBy';
      table: string;
      selection: Uint8Array | null;
      filter?: TRowFilter;
      /** Table columns to group by (none: one cell over all selected rows). */
      groupBy: string[];
      measures: TMeasure[];
    }
  | {
      id: number;
      kind: 'histogram';
      table: string;
      selection: Uint8Array | null;
      filter?: TRowFilter;
      column: string;
      /** Ascending bin edges; bins are [e0,e1), …, [e(n-1), en]. */
      edges: number[];
    }
  | {
      id: number;
      kind: 'regression';
      table: string;
      selection: Uint8Array | null;
      filter?: TRowFilter;
      y: string;
      x: string[];
      /** Clamping bounds per variable, within the schema's (which apply where none is given). */
      bounds?: Record<string, TBounds>;
    };

/** Values below `min` count as `min`, above `max` as `max`: what bounds a released sum's sensitivity. */
export type TBounds = { min: number; max: number };

/**
 * One measure of a group-by: `count` (rows), or fn over a column. `name` is the script's name for
 * it (the released table's column header); `bounds` clamp the column for sums and means, within the
 * schema's bounds (which apply where none are given).
 */
export type TMeasure = { fn: TMeasureFn; column?: string; name?: string; bounds?: TBounds };

export type TSandboxErrorCode =
  | 'SANDBOX_TIMEOUT'
  | 'SANDBOX_MEMORY'
  | 'SANDBOX_RESULT_TOO_LARGE'
  | 'SANDBOX_SCRIPT_ERROR'
  | 'SANDBOX_CRASHED'
  | 'SANDBOX_INVALID_RESULT'
  /** The host side failed (loading tables, releasing results, a bug): not the script's doing. */
  | 'SANDBOX_HOST_ERROR';

export type TRunLimits = { memoryMb: number; cpuMs: number; wallMs: number; maxResultBytes: number };

export type TRunInput = { script: string; params: unknown; tables: TTable[]; limits: TRunLimits };

export type TUsage = { cpuMs: number; wallMs: number; peakHeapBytes: number };

/**
 * What came out of the isolate. `result` is the returned value as JSON, with every SDK aggregate
 * replaced by `{ "$aggregate": id }`; `errorMessage` and `logs` may hold row values and are shown
 * to the operator only on dummy data.
 */
export type TRunOutput = (
  | { ok: true; result: unknown; aggregates: TAggregateRequest[]; logs: string[]; usage: TUsage }
  | { ok: false; code: TSandboxErrorCode; errorMessage: string; logs: string[]; usage: TUsage }
) & {
  /** Names of the tables the script read a column of or aggregated. */
  touched: string[];
};
