import type { TAggregateRequest, TTable } from '../types.ts';

/** The contract's disclosure policy for one run, plus the deployment's cell-key secret. */
export type TDisclosurePolicy = {
  /** Cells with fewer contributing rows are suppressed (contract default 10). */
  minCellCount: number;
  /** Released counts are rounded to a multiple of this (contract default 5). */
  rounding: number;
  /** Epsilon to spend on this run, already reserved by the caller from the contract's budget. */
  dp?: { epsilon: number; delta?: number };
  /** Per-deployment secret keying the cell-key perturbation; at least 16 bytes. */
  cellKeySecret: Uint8Array;
};

export type TReleaseInput = {
  /** The script's return value as JSON, each SDK aggregate replaced by `{ "$aggregate": id }`. */
  result: unknown;
  /** Every aggregate the SDK recorded during the run. */
  aggregates: TAggregateRequest[];
  /** The host's own copies of the licensed tables. */
  tables: TTable[];
  policy: TDisclosurePolicy;
  /** String keys the result may use: literals of the script source and params. */
  allowedLabels: Set<string>;
};

export type TDisclosureReport = {
  /** Cells of the released aggregates (groups, histogram bins, regressions), withheld ones included. */
  cells: number;
  /** Cells with fewer than minCellCount contributing rows (for some measure). */
  suppressedPrimary: number;
  /** Cells suppressed only so that suppressed cells cannot be recovered from totals or margins. */
  suppressedSecondary: number;
  /** Count values rounded to a multiple of `rounding`. */
  rounded: number;
  /** Numbers released with noise added (cell-key perturbation or DP). */
  perturbed: number;
  dp: { epsilon: number; mechanism: 'laplace' } | null;
  notes: string[];
  items: { aggregate: number; suppressed: { cell: string; reason: string }[] }[];
};

export type TReleaseDecision =
  | { kind: 'release'; result: unknown; report: TDisclosureReport }
  | {
      kind: 'review';
      reason: string;
      /** The result with aggregates computed but NOT disclosure-controlled: for the provider's reviewer only. */
      hostResult: unknown;
    };

/** A group label: a dictionary string, a number, a boolean, or null for the null group. */
export type TLabel = string | number | boolean | null;

/**
 * A released group-by: one row per group, group labels first, then one value per measure
 * (`count`, `count(col)`, `sum(col)`, `mean(col)`, `variance(col)`, `stddev(col)`). Groups with
 * fewer than minCellCount rows are left out entirely, labels included; `suppressed` lists the rows
 * shown whose values are (partly) null because of suppression.
 */
export type TReleasedGroupBy = { columns: string[]; rows: (TLabel | number)[][]; suppressed: number[] };

/**
 * A released histogram: `counts[i]` for bin i of the requested edges, null when suppressed.
 * `edges` are echoed only when every edge is a literal of the script or params.
 */
export type TReleasedHistogram = { edges?: number[]; counts: (number | null)[]; suppressed: number[] };

/** A released regression: coefficients (null when suppressed) and the rounded count of complete rows. */
export type TReleasedRegression = { coefficients: Record<string, number> | null; n: number | null };

/** Host computation without disclosure control (review, dummy data, tests): every group with its row count. */
export type THostGroupBy = { columns: string[]; rows: (TLabel | number | null)[][]; n: number[] };
export type THostHistogram = { edges: number[]; counts: number[] };
export type THostRegression = {
  coefficients: Record<string, number> | null;
  /** Complete rows (y and every x non-null). */
  n: number;
  /** Why there are no coefficients: no complete rows, or the x columns are collinear. */
  note?: string;
};
export type THostAggregate = THostGroupBy | THostHistogram | THostRegression;
