import type { TColumn } from '../catalogue/dataset-schema.ts';
import { type CodeList, codeListsOf } from './code-lists.ts';
import {
  CODED,
  checkDate,
  checkText,
  checkTimestamp,
  ERR_ABOVE_MAX,
  ERR_BELOW_MIN,
  ERR_BOOLEAN,
  ERR_DATE,
  ERR_INTEGER,
  ERR_NOT_IN_CODES,
  ERR_NUMBER,
  ERR_NUMBER_RANGE,
  ERR_REQUIRED,
  ERR_STRING,
  ERR_TIMESTAMP,
  ERR_UNSAFE_INTEGER,
  escapeText,
  faultOf,
  IS_NULL,
  KIND_BOOLEAN,
  KIND_DATE,
  KIND_INTEGER,
  KIND_NUMBER,
  KIND_STRING,
  kindOf,
  NEEDS_ESCAPE,
} from './field-codecs.ts';
import { RecordReader, type TReaderOptions } from './record-reader.ts';

/**
 * Reads NDJSON: one JSON object per line, keys naming schema columns. Blank lines are skipped (they
 * still count). A missing key or `null` is NULL. Keys are read with `Object.keys`, so `__proto__`
 * and other inherited names are refused as unknown columns, never looked up on the prototype.
 * A value of a column with a code list is looked up in it once its type is right.
 */
export class NdjsonRecords extends RecordReader {
  private readonly columns: TColumn[];
  private readonly kinds: Int8Array;
  /** Per column: its code list, or undefined. */
  private readonly codeLists: (CodeList | undefined)[];
  private readonly indexOf: Map<string, number>;
  /** Values of the current line by column; `seenAt[j] === stamp` when the line has the key. */
  private readonly values: unknown[];
  private readonly seenAt: Float64Array;
  private stamp = 0;
  private isSkipping = false;

  constructor(options: TReaderOptions & { columns: TColumn[] }) {
    super(options);
    this.columns = options.columns;
    this.kinds = Int8Array.from(options.columns, kindOf);
    this.codeLists = codeListsOf(options.columns);
    this.indexOf = new Map(options.columns.map((c, j) => [c.name, j]));
    this.values = new Array(options.columns.length).fill(null);
    this.seenAt = new Float64Array(options.columns.length);
  }

  protected rebase(): void {}

  lineAtEnd(): number {
    return this.line;
  }

  finish(): void {}

  run(): boolean {
    const s = this.buf;
    const n = s.length;
    const log = this.log;
    let p = this.pos;
    while (p < n && !log.isStopped) {
      const nl = s.indexOf('\n', p);
      if (nl === -1) {
        if (!this.isSkipping && n - p > this.maxRecordBytes) {
          this.recordTooLarge(this.line);
          this.isSkipping = true;
        }
        if (this.isSkipping) p = n;
        break;
      }
      const line = this.line++;
      const next = nl + 1;
      if (this.isSkipping) this.isSkipping = false;
      else if (this.isOversized(p, nl)) this.recordTooLarge(line);
      else if (this.encodeLine(s.slice(p, nl), line)) this.rowCount++;
      p = next;
      if (this.isBatchReady()) {
        this.pos = p;
        return true;
      }
    }
    this.pos = p;
    return false;
  }

  /** Checks and writes one line; false when it is blank or refused. */
  private encodeLine(text: string, line: number): boolean {
    const log = this.log;
    let k = 0;
    while (k < text.length) {
      const c = text.charCodeAt(k);
      if (c !== 32 && c !== 9 && c !== 13) break;
      k++;
    }
    if (k === text.length) return false;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      log.add(line, 'invalid JSON');
      return false;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      log.add(line, 'not a JSON object');
      return false;
    }
    const record = value as Record<string, unknown>;
    const stamp = ++this.stamp;
    let isValid = true;
    for (const key of Object.keys(record)) {
      const j = this.indexOf.get(key);
      if (j === undefined) {
        log.add(line, 'not a column of the dataset', key);
        isValid = false;
      } else {
        this.seenAt[j] = stamp;
        this.values[j] = record[key];
      }
    }
    let row = this.prefix;
    const columns = this.columns;
    for (let j = 0; j < columns.length; j++) {
      const column = columns[j]!;
      const field = this.seenAt[j] === stamp ? this.values[j] : null;
      const encoded =
        field === null ? (column.nullable ? IS_NULL : ERR_REQUIRED) : this.encodeValue(field, j);
      if (typeof encoded === 'number') {
        if (encoded === IS_NULL) {
          row += j > 0 ? '\t\\N' : '\\N';
          continue;
        }
        log.add(line, faultOf(encoded, column), column.name);
        isValid = false;
      } else if (isValid) {
        row += j > 0 ? `\t${encoded}` : encoded;
      }
    }
    if (isValid && this.rules !== undefined) isValid = this.checkRules(line, stamp);
    if (!isValid || log.hasErrors) return isValid;
    this.writeRaw(`${row}\n`);
    return true;
  }

  /** The quality rules on a valid line: values as text (numbers as JSON writes them), null for NULL. */
  private checkRules(line: number, stamp: number): boolean {
    const rules = this.rules!;
    const texts = this.ruleTexts;
    for (let j = 0; j < this.columns.length; j++) {
      if (rules.needs[j] !== 1) continue;
      const value = this.seenAt[j] === stamp ? this.values[j] : null;
      texts[j] = value === null || value === undefined ? null : String(value);
    }
    return rules.checkRow(texts, line);
  }

  /** The COPY text of a JSON value for column `j`, or a fault status. */
  private encodeValue(field: unknown, j: number): string | number {
    const kind = this.kinds[j]!;
    if (kind < CODED) return this.encodeTyped(field, kind, this.columns[j]!);
    const codes = this.codeLists[j]!;
    const encoded = this.encodeTyped(field, codes.kind, this.columns[j]!);
    return typeof encoded === 'number' || codes.hasValue(field as string | number)
      ? encoded
      : ERR_NOT_IN_CODES;
  }

  /** The COPY text of a JSON value for a column of kind `kind` (without CODED), or a fault status. */
  private encodeTyped(field: unknown, kind: number, column: TColumn): string | number {
    switch (kind) {
      case KIND_INTEGER:
        if (typeof field !== 'number' || !Number.isInteger(field)) return ERR_INTEGER;
        if (!Number.isSafeInteger(field)) return ERR_UNSAFE_INTEGER;
        return this.bounded(field, column);
      case KIND_NUMBER:
        if (typeof field !== 'number') return ERR_NUMBER;
        if (!Number.isFinite(field)) return ERR_NUMBER_RANGE;
        return this.bounded(field, column);
      case KIND_STRING: {
        if (typeof field !== 'string') return ERR_STRING;
        const status = checkText(field);
        if (status < 0) return status;
        return status === NEEDS_ESCAPE ? escapeText(field) : field;
      }
      case KIND_BOOLEAN:
        return typeof field === 'boolean' ? (field ? 't' : 'f') : ERR_BOOLEAN;
      case KIND_DATE:
        return typeof field === 'string' && checkDate(field, 0, field.length) >= 0 ? field : ERR_DATE;
      default:
        return typeof field === 'string' && checkTimestamp(field, 0, field.length) >= 0
          ? field
          : ERR_TIMESTAMP;
    }
  }

  private bounded(value: number, column: TColumn): string | number {
    if (column.min !== undefined && value < column.min) return ERR_BELOW_MIN;
    if (column.max !== undefined && value > column.max) return ERR_ABOVE_MAX;
    return String(value);
  }
}
