/** What a release reports about itself: how many cells, what was suppressed and why, the noise. */
export type TDisclosureReport = {
  /** Cells of the released aggregates (groups, histogram bins, regressions), withheld ones included. */
  cells: number;
  /** Cells whose noisy count is under minCellCount, or whose magnitude is dominated. */
  suppressedPrimary: number;
  /** Cells suppressed only so that suppressed cells cannot be recovered from totals or margins. */
  suppressedSecondary: number;
  /** Values suppressed by the dominance rule (counted in suppressedPrimary too). */
  suppressedDominance: number;
  /** Count values rounded to a multiple of `rounding`. */
  rounded: number;
  /** Numbers released with noise in them. */
  perturbed: number;
  /** The epsilon the released statistics carry (what the budget was charged is the run's to say). */
  dp: { epsilon: number; mechanism: 'discrete-laplace'; statistics: number } | null;
  notes: string[];
  items: {
    aggregate: number;
    /** Epsilon of the statistics behind this aggregate. */
    epsilon: number;
    /** Standard deviation of the noise in each released count, and in each measure's underlying sum. */
    noiseSd: Record<string, number>;
    suppressed: { cell: string; reason: string }[];
  }[];
};

/** A group label: a dictionary string, a number, a boolean, or null for the null group. */
export type TLabel = string | number | boolean | null;

/**
 * A released group-by: one row per group, group labels first, then one value per measure, headed
 * by the measure's name in the script. Groups are the combinations of the grouping columns' public
 * values; those whose noisy count is under minCellCount are left out; `suppressed` lists the rows
 * shown whose values are (partly) null because of suppression.
 */
export type TReleasedGroupBy = { columns: string[]; rows: (TLabel | number)[][]; suppressed: number[] };

/** A released histogram: `counts[i]` for bin [edges[i], edges[i+1]), null when suppressed. */
export type TReleasedHistogram = { edges: number[]; counts: (number | null)[]; suppressed: number[] };

/**
 * A released regression: coefficients with standard errors (sampling and noise), r², and the
 * rounded noisy count of complete rows; all null when suppressed.
 */
export type TReleasedRegression = {
  coefficients: Record<string, number> | null;
  standardErrors: Record<string, number> | null;
  r2: number | null;
  n: number | null;
};

/** Host computation without disclosure control (previews, review, dummy data): every group with its row count. */
export type THostGroupBy = { columns: string[]; rows: (TLabel | number | null)[][]; n: number[] };
export type THostHistogram = { edges: number[]; counts: number[] };
export type THostRegression = {
  coefficients: Record<string, number> | null;
  /** Complete rows (y and every x non-null). */
  n: number;
  /** Share of y's variance the fit explains; null without coefficients. */
  r2?: number | null;
  /** Why there are no coefficients: no complete rows, or the x columns are collinear. */
  note?: string;
};
export type THostAggregate = THostGroupBy | THostHistogram | THostRegression;
