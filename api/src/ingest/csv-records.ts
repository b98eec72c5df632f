import type { TColumn } from '../catalogue/dataset-schema.ts';
import { type CodeList, checkCoded, codeListsOf } from './code-lists.ts';
import {
  AS_IS,
  CODED,
  checkText,
  checkTyped,
  ERR_NOT_IN_CODES,
  ERR_REQUIRED,
  encodeText,
  faultOf,
  IS_FALSE,
  IS_NULL,
  IS_TRUE,
  KIND_STRING,
  kindOf,
} from './field-codecs.ts';
import { find, NONE, RecordReader, type TReaderOptions } from './record-reader.ts';

const WRITTEN = 0;
const FAILED = -1;

/**
 * Reads RFC 4180 CSV whose first record is the header. Records end in LF or CRLF; completely empty
 * lines are skipped (they still count as lines). Fields may be quoted, with `""` for a quote and
 * commas and newlines inside; an empty field, quoted or not, is NULL.
 *
 * Records are found with `indexOf` (a resumable quote-aware scan when a quote is near). When the
 * header lists the schema in order, which is the usual case, one char-code pass per record splits,
 * unquotes, escapes and copies it into the output codes while fields are checked in place. Other
 * headers split the record first, then write its fields in schema order. A record holding a NUL
 * takes the general path, which names the NUL in its error. Fields of a column with a code list
 * (kind CODED and up) are looked up in it after their type check; the others never are.
 */
export class CsvRecords extends RecordReader {
  private readonly columns: TColumn[];
  /** Per schema column: its code list, or undefined. */
  private readonly codeLists: (CodeList | undefined)[];
  private readonly prefixCodes: Uint16Array;
  private hasHeader = false;
  private fieldCount = 0;
  /** Per header field: its schema column, that column's kind and its code list. */
  private fieldColumns: TColumn[] = [];
  private fieldKinds = new Int8Array(0);
  private fieldCodes: (CodeList | undefined)[] = [];
  /** Per schema column: its header field, or -1 when the header leaves it out (NULL). */
  private columnFields = new Int32Array(0);
  /** True when the header lists every schema column, in schema order. */
  private isHeaderInOrder = false;
  /** Per header field of the current record: status, start and end. */
  private statuses = new Int8Array(0);
  private starts = new Int32Array(0);
  private ends = new Int32Array(0);

  /** Quote-aware search for the end of the record at `pos`, kept across chunks; `scan` < 0 when idle. */
  private scan = -1;
  private isInQuote = false;
  private closedAt = -2;
  private newlines = 0;
  private recordStart = 0;
  /** Set while passing over the rest of a record too large to keep. */
  private isSkipping = false;

  /** Next position of each special character at or after the last search; see `find`. */
  private nextNewline = -1;
  private nextQuote = -1;
  private nextComma = -1;
  private nextNul = -1;

  constructor(options: TReaderOptions & { columns: TColumn[] }) {
    super(options);
    this.columns = options.columns;
    this.codeLists = codeListsOf(options.columns);
    this.prefixCodes = Uint16Array.from(options.prefix, (ch) => ch.charCodeAt(0));
  }

  protected rebase(base: number): void {
    if (this.scan >= 0) this.scan -= base;
    if (this.recordStart >= 0) this.recordStart -= base;
    this.closedAt -= base;
    this.nextNewline = -1;
    this.nextQuote = -1;
    this.nextComma = -1;
    this.nextNul = -1;
  }

  lineAtEnd(): number {
    return this.line + (this.scan >= 0 ? this.newlines : 0);
  }

  finish(): void {
    if (this.log.isStopped) return;
    if (this.pos < this.buf.length && !this.isSkipping) this.log.add(this.line, 'unterminated quoted field');
    else if (!this.hasHeader) this.log.add(1, 'no header');
  }

  run(): boolean {
    const s = this.buf;
    const n = s.length;
    const log = this.log;
    let p = this.pos;
    while (p < n && !log.isStopped) {
      let nl: number;
      let isQuoted = false;
      if (this.scan >= 0) {
        nl = this.scanQuoted();
        isQuoted = true;
      } else {
        if (this.nextNewline < p) this.nextNewline = find(s, '\n', p);
        nl = this.nextNewline;
        if (this.nextQuote < p) this.nextQuote = find(s, '"', p);
        if (this.nextQuote < nl && this.nextQuote < n) {
          this.scan = p;
          this.recordStart = p;
          nl = this.scanQuoted();
          isQuoted = true;
        }
      }
      if (nl >= n) {
        if (!this.isSkipping && n - p > this.maxRecordBytes) {
          this.recordTooLarge(this.line);
          if (!this.hasHeader) log.isFatal = true;
          if (this.scan < 0) {
            this.scan = n;
            this.isInQuote = false;
            this.closedAt = -2;
            this.newlines = 0;
          }
          this.recordStart = -1;
          this.isSkipping = true;
        }
        if (this.isSkipping) p = this.scan;
        break;
      }
      const line = this.line;
      this.line += isQuoted ? 1 + this.newlines : 1;
      if (isQuoted) this.newlines = 0;
      const next = nl + 1;
      if (this.isSkipping) {
        this.isSkipping = false;
        p = next;
        continue;
      }
      const e = nl > p && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (e === p) {
        if (!this.hasHeader) {
          log.add(line, 'no header');
          log.isFatal = true;
          break;
        }
        p = next;
        continue;
      }
      if (this.isOversized(p, e)) {
        this.recordTooLarge(line);
        if (!this.hasHeader) log.isFatal = true;
        p = next;
        continue;
      }
      if (!this.hasHeader) {
        this.readHeader(isQuoted ? this.splitQuoted(p, e, line) : s.slice(p, e).split(','), line);
        p = next;
        continue;
      }
      const result = this.isHeaderInOrder
        ? this.encodeInOrder(p, e, line)
        : isQuoted
          ? this.encodeFields(this.splitQuoted(p, e, line), line)
          : this.encodeReordered(p, e, line);
      if (result !== FAILED) this.rowCount++;
      p = next;
      if (this.isBatchReady()) {
        this.pos = p;
        return true;
      }
    }
    this.pos = p;
    return false;
  }

  /**
   * Finds the newline that ends the record at `recordStart`, skipping newlines inside quotes and
   * counting them. A quote opens a quoted section only at the start of a field (or right after a
   * closing quote, as the second half of `""`); elsewhere it is left for `splitQuoted` to refuse.
   * Returns the newline, or NONE when the text runs out first (the search resumes with more).
   */
  private scanQuoted(): number {
    const s = this.buf;
    const n = s.length;
    let i = this.scan;
    let isInQuote = this.isInQuote;
    let closedAt = this.closedAt;
    let newlines = this.newlines;
    for (;;) {
      if (this.nextQuote < i) this.nextQuote = find(s, '"', i);
      if (this.nextNewline < i) this.nextNewline = find(s, '\n', i);
      const q = this.nextQuote;
      if (isInQuote) {
        while (this.nextNewline < q) {
          newlines++;
          this.nextNewline = find(s, '\n', this.nextNewline + 1);
        }
        if (q >= n) {
          i = n;
          break;
        }
        isInQuote = false;
        closedAt = q;
        i = q + 1;
      } else {
        const nl = this.nextNewline;
        if (q < nl && q < n) {
          if (q === closedAt + 1 || q === this.recordStart || s.charCodeAt(q - 1) === 44) isInQuote = true;
          i = q + 1;
          continue;
        }
        if (nl >= n) {
          i = n;
          break;
        }
        this.scan = -1;
        this.isInQuote = false;
        this.closedAt = -2;
        this.newlines = newlines;
        return nl;
      }
    }
    this.scan = i;
    this.isInQuote = isInQuote;
    this.closedAt = closedAt;
    this.newlines = newlines;
    return NONE;
  }

  /** Splits the complete record `buf[p, e)` that holds quotes; null (and logged) when malformed. */
  private splitQuoted(p: number, e: number, line: number): string[] | null {
    const r = this.buf.slice(p, e);
    const n = r.length;
    const fields: string[] = [];
    let i = 0;
    for (;;) {
      if (r.charCodeAt(i) === 34) {
        let value = '';
        let k = i + 1;
        for (;;) {
          const q = r.indexOf('"', k);
          if (q === -1) {
            this.fieldFault(line, fields.length, 'unterminated quoted field');
            return null;
          }
          if (r.charCodeAt(q + 1) === 34) {
            value += r.slice(k, q + 1);
            k = q + 2;
            continue;
          }
          value += r.slice(k, q);
          i = q + 1;
          break;
        }
        fields.push(value);
        if (i === n) return fields;
        if (r.charCodeAt(i) !== 44) {
          this.fieldFault(line, fields.length - 1, 'characters after a closing quote');
          return null;
        }
        i++;
      } else {
        let c = r.indexOf(',', i);
        if (c === -1) c = n;
        const q = r.indexOf('"', i);
        if (q !== -1 && q < c) {
          this.fieldFault(line, fields.length, 'quote inside an unquoted field');
          return null;
        }
        fields.push(r.slice(i, c));
        if (c === n) return fields;
        i = c + 1;
      }
    }
  }

  private fieldFault(line: number, field: number, reason: string): void {
    this.log.add(line, reason, this.hasHeader ? this.fieldColumns[field]?.name : undefined);
  }

  private readHeader(names: string[] | null, line: number): void {
    const log = this.log;
    log.isFatal = true;
    if (names === null) return;
    const columns = this.columns;
    const indexOf = new Map(columns.map((c, j) => [c.name, j]));
    const columnFields = new Int32Array(columns.length).fill(-1);
    const fieldColumns: TColumn[] = [];
    const fieldCodes: (CodeList | undefined)[] = [];
    names.forEach((name, i) => {
      const j = indexOf.get(name);
      if (j === undefined) log.add(line, 'not a column of the dataset', name);
      else if (columnFields[j]! >= 0) log.add(line, 'duplicate column in the header', name);
      else {
        columnFields[j] = i;
        fieldColumns[i] = columns[j]!;
        fieldCodes[i] = this.codeLists[j];
      }
    });
    columns.forEach((c, j) => {
      if (columnFields[j]! < 0 && !c.nullable)
        log.add(line, 'required column missing from the header', c.name);
    });
    if (log.hasErrors) return;
    log.isFatal = false;
    this.hasHeader = true;
    this.fieldCount = names.length;
    this.fieldColumns = fieldColumns;
    this.fieldKinds = Int8Array.from(fieldColumns, kindOf);
    this.fieldCodes = fieldCodes;
    this.columnFields = columnFields;
    this.isHeaderInOrder = names.length === columns.length && columnFields.every((f, j) => f === j);
    this.statuses = new Int8Array(names.length);
    this.starts = new Int32Array(names.length);
    this.ends = new Int32Array(names.length);
  }

  private fieldCountFault(line: number, got: number): number {
    this.log.add(line, `expected ${this.fieldCount} fields, got ${got}`);
    return FAILED;
  }

  /**
   * The header is the schema in order: one pass copies each field to the output (unquoting and
   * escaping as it goes) while looking for the comma that ends it; the field is then checked and,
   * when its COPY text differs (NULL, boolean, recast integer), rewritten.
   */
  private encodeInOrder(p: number, e: number, line: number): number {
    const s = this.buf;
    if (this.nextNul < p) this.nextNul = find(s, '\0', p);
    if (this.nextNul < e) return this.encodeFields(this.splitQuoted(p, e, line), line);
    const count = this.fieldCount;
    const columns = this.fieldColumns;
    const kinds = this.fieldKinds;
    const prefix = this.prefixCodes;
    // Escaping at most doubles a field; a NULL takes two codes for an empty field.
    const out = this.reserve(prefix.length + 2 * (e - p) + 3 * count + 1);
    let j = this.outLength;
    for (let k = 0; k < prefix.length; k++) out[j++] = prefix[k]!;
    const errorsBefore = this.log.errors.length;
    const needs = this.rules?.needs;
    const texts = this.ruleTexts;
    let isValid = true;
    let field = 0;
    let i = p;
    for (;;) {
      const written = j;
      let start = i;
      let end: number;
      let hasQuotePair = false;
      if (s.charCodeAt(i) === 34) {
        start = ++i;
        for (;;) {
          if (i >= e) return this.structureFault(line, field, 'unterminated quoted field', errorsBefore);
          const c = s.charCodeAt(i);
          if (c === 34) {
            if (i + 1 < e && s.charCodeAt(i + 1) === 34) {
              out[j++] = 34;
              i += 2;
              hasQuotePair = true;
              continue;
            }
            break;
          }
          if (c >= 32 && c !== 92) out[j++] = c;
          else if (c === 92) {
            out[j++] = 92;
            out[j++] = 92;
          } else if (c === 10) {
            out[j++] = 92;
            out[j++] = 110;
          } else if (c === 9) {
            out[j++] = 92;
            out[j++] = 116;
          } else if (c === 13) {
            out[j++] = 92;
            out[j++] = 114;
          } else out[j++] = c;
          i++;
        }
        end = i++;
        if (i < e && s.charCodeAt(i) !== 44) {
          return this.structureFault(line, field, 'characters after a closing quote', errorsBefore);
        }
      } else {
        for (; i < e; i++) {
          const c = s.charCodeAt(i);
          if (c > 44) {
            if (c !== 92) out[j++] = c;
            else {
              out[j++] = 92;
              out[j++] = 92;
            }
          } else if (c === 44) break;
          else if (c === 34)
            return this.structureFault(line, field, 'quote inside an unquoted field', errorsBefore);
          else if (c >= 32) out[j++] = c;
          else if (c === 9) {
            out[j++] = 92;
            out[j++] = 116;
          } else if (c === 13) {
            out[j++] = 92;
            out[j++] = 114;
          } else out[j++] = c;
        }
        end = i;
      }
      if (field < count) {
        const column = columns[field]!;
        const kind = kinds[field]!;
        let status = AS_IS;
        if (end === start) status = column.nullable ? IS_NULL : ERR_REQUIRED;
        else if (kind !== KIND_STRING) {
          status =
            kind < CODED
              ? checkTyped(kind, s, start, end, column)
              : this.checkQuotedCoded(field, s, start, end, hasQuotePair);
        }
        if (needs !== undefined && needs[field] === 1) {
          const text = end === start ? null : s.slice(start, end);
          texts[field] = hasQuotePair ? text!.replaceAll('""', '"') : text;
        }
        if (status !== AS_IS) {
          j = written;
          if (status === IS_NULL) {
            out[j++] = 92;
            out[j++] = 78;
          } else if (status === IS_TRUE) out[j++] = 116;
          else if (status === IS_FALSE) out[j++] = 102;
          else if (status < 0) {
            this.log.add(line, faultOf(status, column), column.name);
            isValid = false;
          } else {
            this.outLength = j;
            this.writeRaw(encodeText(status, s.slice(start, end)));
            j = this.outLength;
          }
        }
      }
      field++;
      if (i >= e) break;
      out[j++] = 9;
      i++;
    }
    if (field !== count) {
      // The shape is the fault: field errors logged on the way are taken back.
      this.log.truncate(errorsBefore);
      return this.fieldCountFault(line, field);
    }
    if (!isValid || (this.rules !== undefined && !this.rules.checkRow(texts, line))) return FAILED;
    if (this.log.hasErrors) return WRITTEN;
    out[j++] = 10;
    this.outLength = j;
    return WRITTEN;
  }

  /** `checkCoded` on the field text `s[a, b)` of the in-order path, whose `""` pairs stand for one quote. */
  private checkQuotedCoded(field: number, s: string, a: number, b: number, hasQuotePair: boolean): number {
    const codes = this.fieldCodes[field]!;
    const column = this.fieldColumns[field]!;
    if (!hasQuotePair) return checkCoded(codes, s, a, b, column);
    const value = s.slice(a, b).replaceAll('""', '"');
    return checkCoded(codes, value, 0, value.length, column);
  }

  private structureFault(line: number, field: number, reason: string, errorsBefore: number): number {
    this.log.truncate(errorsBefore);
    this.fieldFault(line, field, reason);
    return FAILED;
  }

  /** The record `buf[p, e)` holds no quote; the header is not the schema in order. */
  private encodeReordered(p: number, e: number, line: number): number {
    const s = this.buf;
    if (this.nextNul < p) this.nextNul = find(s, '\0', p);
    if (this.nextNul < e) return this.encodeFields(s.slice(p, e).split(','), line);
    const count = this.fieldCount;
    const last = count - 1;
    const statuses = this.statuses;
    const starts = this.starts;
    const ends = this.ends;
    const columns = this.fieldColumns;
    const kinds = this.fieldKinds;
    let isValid = true;
    let f = p;
    for (let i = 0; i < count; i++) {
      let c: number;
      if (i < last) {
        c = s.indexOf(',', f);
        if (c === -1 || c > e) return this.fieldCountFault(line, s.slice(p, e).split(',').length);
      } else {
        if (this.nextComma < f) this.nextComma = find(s, ',', f);
        if (this.nextComma < e) return this.fieldCountFault(line, s.slice(p, e).split(',').length);
        c = e;
      }
      const column = columns[i]!;
      const kind = kinds[i]!;
      let status: number;
      if (c === f) status = column.nullable ? IS_NULL : ERR_REQUIRED;
      else if (kind === KIND_STRING) status = AS_IS;
      else if (kind < CODED) status = checkTyped(kind, s, f, c, column);
      else status = checkCoded(this.fieldCodes[i]!, s, f, c, column);
      if (status < 0) {
        this.log.add(line, faultOf(status, column), column.name);
        isValid = false;
      }
      statuses[i] = status;
      starts[i] = f;
      ends[i] = c;
      f = c + 1;
    }
    if (
      !isValid ||
      !this.checkRules(line, (k) => (starts[k] === ends[k] ? null : s.slice(starts[k], ends[k])))
    )
      return FAILED;
    if (this.log.hasErrors) return WRITTEN;
    const columnFields = this.columnFields;
    const prefix = this.prefixCodes;
    // Escaping at most doubles a field; a NULL takes two codes for an empty field.
    const out = this.reserve(prefix.length + 2 * (e - p) + 3 * columnFields.length + 1);
    let j = this.outLength;
    for (let k = 0; k < prefix.length; k++) out[j++] = prefix[k]!;
    for (let col = 0; col < columnFields.length; col++) {
      if (col > 0) out[j++] = 9;
      const k = columnFields[col]!;
      const status = k < 0 ? IS_NULL : statuses[k]!;
      if (status === AS_IS) {
        const end = ends[k]!;
        for (let i = starts[k]!; i < end; i++) {
          const c = s.charCodeAt(i);
          if (c >= 32 && c !== 92) out[j++] = c;
          else if (c === 92) {
            out[j++] = 92;
            out[j++] = 92;
          } else if (c === 9) {
            out[j++] = 92;
            out[j++] = 116;
          } else if (c === 13) {
            out[j++] = 92;
            out[j++] = 114;
          } else out[j++] = c;
        }
      } else if (status === IS_NULL) {
        out[j++] = 92;
        out[j++] = 78;
      } else if (status === IS_TRUE) out[j++] = 116;
      else if (status === IS_FALSE) out[j++] = 102;
      else {
        this.outLength = j;
        this.writeRaw(encodeText(status, s.slice(starts[k]!, ends[k]!)));
        j = this.outLength;
      }
    }
    out[j++] = 10;
    this.outLength = j;
    return WRITTEN;
  }

  /**
   * The quality rules on a row of the slower paths, whose header field `k` has the text `textOf(k)`
   * (null for NULL); a column the header leaves out is NULL. True when no rule refuses the row.
   */
  private checkRules(line: number, textOf: (field: number) => string | null): boolean {
    const rules = this.rules;
    if (rules === undefined) return true;
    const texts = this.ruleTexts;
    const columnFields = this.columnFields;
    for (let j = 0; j < columnFields.length; j++) {
      if (rules.needs[j] !== 1) continue;
      const k = columnFields[j]!;
      texts[j] = k < 0 ? null : textOf(k);
    }
    return rules.checkRow(texts, line);
  }

  /** Checks and writes a record already split into field texts (the slower path); null when it was malformed. */
  private encodeFields(fields: string[] | null, line: number): number {
    if (fields === null) return FAILED;
    const count = this.fieldCount;
    if (fields.length !== count) return this.fieldCountFault(line, fields.length);
    const statuses = this.statuses;
    let isValid = true;
    for (let i = 0; i < count; i++) {
      const value = fields[i]!;
      const column = this.fieldColumns[i]!;
      const codes = this.fieldCodes[i];
      const kind = codes === undefined ? this.fieldKinds[i]! : codes.kind;
      let status: number;
      if (value.length === 0) status = column.nullable ? IS_NULL : ERR_REQUIRED;
      else if (kind === KIND_STRING) status = checkText(value);
      else status = checkTyped(kind, value, 0, value.length, column);
      // A NUL makes any field fail its type check; name the NUL instead.
      if (status < 0 && kind !== KIND_STRING && value.indexOf('\0') !== -1) status = checkText(value);
      if (
        status >= 0 &&
        status !== IS_NULL &&
        codes !== undefined &&
        !codes.hasText(value, 0, value.length)
      ) {
        status = ERR_NOT_IN_CODES;
      }
      if (status < 0) {
        this.log.add(line, faultOf(status, column), column.name);
        isValid = false;
      }
      statuses[i] = status;
    }
    if (!isValid || !this.checkRules(line, (k) => (fields[k]!.length === 0 ? null : fields[k]!)))
      return FAILED;
    if (this.log.hasErrors) return WRITTEN;
    const columnFields = this.columnFields;
    let row = this.prefix;
    for (let j = 0; j < columnFields.length; j++) {
      const k = columnFields[j]!;
      if (j > 0) row += '\t';
      row += k < 0 ? '\\N' : encodeText(statuses[k]!, fields[k]!);
    }
    this.writeRaw(`${row}\n`);
    return WRITTEN;
  }
}
