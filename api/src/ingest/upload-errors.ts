/** One fault in an upload: the 1-based physical line where its record starts, and the column when it is about a field. */
export type TRowError = { line: number; column?: string; reason: string };

/** Thrown by the chunks of `encodeUpload` when the upload breaks its schema; `errors` are in file order. */
export class UploadRejected extends Error {
  readonly errors: TRowError[];
  constructor(errors: TRowError[]) {
    super(summarise(errors));
    this.name = 'UploadRejected';
    this.errors = errors;
  }
}

function summarise(errors: TRowError[]): string {
  const first = errors[0];
  if (!first) return 'the upload was refused';
  const where =
    first.column === undefined ? `line ${first.line}` : `line ${first.line}, column ${first.column}`;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${where}: ${first.reason}${more}`;
}

/** Collects row errors up to a limit; `isStopped` tells the reader to stop reading. */
export class ErrorLog {
  readonly errors: TRowError[] = [];
  readonly max: number;
  /** Set when nothing after this point could be checked (a bad header, invalid UTF-8). */
  isFatal = false;
  constructor(max: number) {
    this.max = max;
  }
  get isStopped(): boolean {
    return this.isFatal || this.errors.length >= this.max;
  }
  get hasErrors(): boolean {
    return this.errors.length > 0;
  }
  add(line: number, reason: string, column?: string): void {
    if (this.errors.length >= this.max) return;
    this.errors.push(column === undefined ? { line, reason } : { line, column, reason });
  }
  /** Adds errors found after the reading (at any line): all errors in order of line, up to the limit. */
  merge(errors: TRowError[]): void {
    this.errors.push(...errors);
    this.errors.sort((a, b) => a.line - b.line);
    this.truncate(this.max);
  }
  /** Takes back the errors logged after the first `count`. */
  truncate(count: number): void {
    this.errors.length = Math.min(count, this.errors.length);
  }
}
