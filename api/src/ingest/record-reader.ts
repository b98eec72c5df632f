import type { RuleChecker } from '../quality/rule-checker.ts';
import type { ErrorLog } from './upload-errors.ts';

/** Output is handed on in strings of at least this many characters (the last one excepted). */
export const BATCH_CHARS = 64 * 1024;

/** `indexOf` that answers "none" with a position past any buffer, so "before x" tests need no -1 case. */
export const NONE = 2 ** 30;
export const find = (s: string, ch: string, from: number): number => {
  const i = s.indexOf(ch, from);
  return i === -1 ? NONE : i;
};

/** What a reader needs to know, shared by the CSV and NDJSON readers. */
export type TReaderOptions = {
  log: ErrorLog;
  /** The COPY text that starts every row: the version and a tab. */
  prefix: string;
  maxRecordBytes: number;
  /** The quality rules of the columns, when any declares one. */
  rules?: RuleChecker | undefined;
};

/**
 * A reader of decoded text that writes COPY rows. The text lives in one string `buf`; records
 * before `pos` are done. `run()` reads records until the text runs out (false) or an output batch
 * is full (true, then `take()` it); what is left is at most one unfinished record.
 */
export abstract class RecordReader {
  protected buf = '';
  protected pos = 0;
  /** The physical line on which the record at `pos` starts. */
  protected line = 1;
  /** Output rows as char codes; `take()` turns them into one string. */
  protected outCodes = new Uint16Array(2 * BATCH_CHARS);
  protected outLength = 0;
  protected readonly log: ErrorLog;
  protected readonly prefix: string;
  protected readonly maxRecordBytes: number;
  protected readonly rules: RuleChecker | undefined;
  /** Field texts of the current row in schema order (null for NULL), for the columns `rules` needs. */
  protected readonly ruleTexts: (string | null)[] = [];
  rowCount = 0;
  private pending: string[] = [];
  private pendingLength = 0;

  constructor(options: TReaderOptions) {
    this.log = options.log;
    this.prefix = options.prefix;
    this.maxRecordBytes = options.maxRecordBytes;
    this.rules = options.rules;
  }

  /** Reads records from `buf` at `pos`; true when a batch is ready. */
  abstract run(): boolean;
  /** Shifts positions kept into `buf` when the text before `base` is dropped. */
  protected abstract rebase(base: number): void;
  /** Reports what only the end of the upload reveals, after the final `run()`s. */
  abstract finish(): void;
  /** The physical line at the end of the text read so far. */
  abstract lineAtEnd(): number;

  /**
   * Adds decoded text. While a long record is unfinished, small pieces wait until they at least
   * double it, so a record arriving in many small chunks is not copied and rescanned each time.
   */
  feed(text: string): void {
    if (text.length === 0) return;
    const left = this.buf.length - this.pos;
    if (left > 4096 && this.pendingLength + text.length < left) {
      this.pending.push(text);
      this.pendingLength += text.length;
      return;
    }
    this.merge(text);
  }

  /** Takes in text held back by `feed`. */
  flush(): void {
    if (this.pendingLength > 0) this.merge('');
  }

  /** At the end of the upload: takes in all text and ends a last record that has no newline. */
  end(): void {
    this.flush();
    if (this.pos < this.buf.length) this.merge('\n');
  }

  /** The output written since the last take. */
  take(): string {
    const length = this.outLength;
    if (length === 0) return '';
    this.outLength = 0;
    const text = Buffer.from(this.outCodes.buffer, 0, 2 * length).toString('utf16le');
    if (this.outCodes.length > 8 * BATCH_CHARS) this.outCodes = new Uint16Array(2 * BATCH_CHARS);
    return text;
  }

  /** Makes room for `n` more output codes and returns the array to write them into. */
  protected reserve(n: number): Uint16Array {
    const need = this.outLength + n;
    if (need > this.outCodes.length) {
      const grown = new Uint16Array(Math.max(need, 2 * this.outCodes.length));
      grown.set(this.outCodes.subarray(0, this.outLength));
      this.outCodes = grown;
    }
    return this.outCodes;
  }

  /** True when the output holds a full batch to hand on; once an error is logged, none is. */
  protected isBatchReady(): boolean {
    return this.outLength >= BATCH_CHARS && !this.log.hasErrors;
  }

  /** Writes text that needs no escaping. */
  protected writeRaw(text: string): void {
    const out = this.reserve(text.length);
    let j = this.outLength;
    for (let i = 0; i < text.length; i++) out[j++] = text.charCodeAt(i);
    this.outLength = j;
  }

  private merge(text: string): void {
    const base = this.pos;
    let kept = base < this.buf.length ? this.buf.slice(base) : '';
    if (this.pendingLength > 0) {
      kept += this.pending.join('');
      this.pending = [];
      this.pendingLength = 0;
    }
    this.buf = kept + text;
    this.pos = 0;
    this.rebase(base);
  }

  /** True when the record `buf[start, end)` is over the byte limit; characters never outnumber bytes. */
  protected isOversized(start: number, end: number): boolean {
    return (
      end - start > this.maxRecordBytes / 3 &&
      Buffer.byteLength(this.buf.slice(start, end)) > this.maxRecordBytes
    );
  }

  protected recordTooLarge(line: number): void {
    this.log.add(line, `record larger than ${this.maxRecordBytes} bytes`);
  }
}
