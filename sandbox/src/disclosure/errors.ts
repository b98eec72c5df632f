/**
 * Why disclosure control refused its input. These are programming or integration faults (the
 * runner recorded an aggregate the host cannot compute, the policy is malformed), not a script's
 * choices: a script returning something unreleasable gets a `review` decision, not an error.
 */
export type TDisclosureErrorCode =
  /** The policy is malformed: minCellCount or rounding not a positive integer, epsilon not positive, short secret. */
  | 'DISCLOSURE_INVALID_POLICY'
  /** An aggregate names a table that is not among the run's tables. */
  | 'DISCLOSURE_UNKNOWN_TABLE'
  /** An aggregate names a column the table does not have. */
  | 'DISCLOSURE_UNKNOWN_COLUMN'
  /** An aggregate is malformed: selection of the wrong length, a measure on a non-numeric column, bad edges, a duplicate id. */
  | 'DISCLOSURE_INVALID_REQUEST';

/**
 * The one error this module throws on purpose; branch on `code`.
 *
 * @example
 * try { releaseRun(input) } catch (e) { if (e instanceof DisclosureError) fail(e.code) }
 */
export class DisclosureError extends Error {
  readonly code: TDisclosureErrorCode;

  constructor(code: TDisclosureErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DisclosureError';
    this.code = code;
  }
}
