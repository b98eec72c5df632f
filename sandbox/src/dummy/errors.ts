/**
 * Why a dummy table could not be built: the column spec contradicts itself (min above max, weights
 * that do not match the codes, codes of the wrong type). The catalogue refuses such schemas, so
 * this is an integration fault, not something an operator caused.
 */
export type TDummyTableErrorCode = 'DUMMY_SPEC_INVALID';

/**
 * The one error `dummyTable` throws on purpose; branch on `code`, read `column` for the culprit.
 *
 * @example
 * try { dummyTable(spec) } catch (e) { if (e instanceof DummyTableError) log(e.code, e.column) }
 */
export class DummyTableError extends Error {
  readonly code: TDummyTableErrorCode;
  /** The column whose spec is invalid, when one is to blame. */
  readonly column: string | undefined;

  constructor(code: TDummyTableErrorCode, message: string, column?: string) {
    super(message);
    this.name = 'DummyTableError';
    this.code = code;
    this.column = column;
  }
}
