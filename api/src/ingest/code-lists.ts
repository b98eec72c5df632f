import type { TColumn } from '../catalogue/dataset-schema.ts';
import {
  AS_IS,
  CODED,
  checkTyped,
  ERR_NOT_IN_CODES,
  integerValue,
  KIND_INTEGER,
  KIND_STRING,
  KIND_TIMESTAMP,
  kindOf,
  timestampKey,
} from './field-codecs.ts';

/*
 * Code lists at ingest: a column with `codes` takes only those values. Each list becomes a Set once
 * per upload; readers look a field up only when its column has one (kind CODED and up).
 */

/** The longest code list compared code by code rather than through a Set. */
const MAX_FEW = 8;

/**
 * A column's code list, built once per upload. Values are looked up by what they mean: integers by
 * value (`007` is 7), timestamps by instant, strings and dates as written.
 */
export class CodeList {
  /** The column's kind, without CODED. */
  readonly kind: number;
  private readonly keys: ReadonlySet<string | number>;
  /**
   * The string codes of a short list compared as text, or undefined: a few comparisons in place
   * cost less than hashing a field that must first be cut out of its line.
   */
  private readonly few: string[] | undefined;

  constructor(column: TColumn) {
    this.kind = kindOf(column) & ~CODED;
    const codes = column.codes ?? [];
    this.keys = new Set(
      this.kind === KIND_TIMESTAMP ? codes.map((c) => timestampKey(String(c), 0, String(c).length)) : codes,
    );
    this.few =
      this.kind !== KIND_INTEGER && this.kind !== KIND_TIMESTAMP && codes.length <= MAX_FEW
        ? codes.filter((c) => typeof c === 'string')
        : undefined;
  }

  /** Whether the field text `s[a, b)`, valid for the column's type, is one of the codes. */
  hasText(s: string, a: number, b: number): boolean {
    switch (this.kind) {
      case KIND_INTEGER:
        return this.keys.has(integerValue(s, a, b));
      case KIND_TIMESTAMP:
        return this.keys.has(timestampKey(s, a, b));
      default: {
        const few = this.few;
        if (few === undefined) return this.keys.has(a === 0 && b === s.length ? s : s.slice(a, b));
        for (let k = 0; k < few.length; k++) {
          const code = few[k]!;
          if (code.length === b - a && s.startsWith(code, a)) return true;
        }
        return false;
      }
    }
  }

  /** Whether a JSON value, valid for the column's type, is one of the codes. */
  hasValue(value: string | number): boolean {
    return typeof value === 'string' && this.kind === KIND_TIMESTAMP
      ? this.keys.has(timestampKey(value, 0, value.length))
      : this.keys.has(value);
  }
}

/** Per column: its code list, or undefined when it has none. */
export const codeListsOf = (columns: readonly TColumn[]): (CodeList | undefined)[] =>
  columns.map((c) => (c.codes === undefined ? undefined : new CodeList(c)));

/**
 * Checks a non-empty text field of a column with a code list: its type, then the list. A string
 * field is AS_IS here; the caller has escaped it and looked for NULs.
 */
export function checkCoded(codes: CodeList, s: string, a: number, b: number, column: TColumn): number {
  const status = codes.kind === KIND_STRING ? AS_IS : checkTyped(codes.kind, s, a, b, column);
  return status < 0 || codes.hasText(s, a, b) ? status : ERR_NOT_IN_CODES;
}
