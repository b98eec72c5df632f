import { RE2JS } from 're2js';
import type { TColumn } from '../catalogue/dataset-schema.ts';
import { CodeList } from '../ingest/code-lists.ts';
import { integerValue, timestampKey } from '../ingest/field-codecs.ts';
import type { ErrorLog } from '../ingest/upload-errors.ts';
import { isIdCardNumber, isUscc } from './check-digits.ts';
import type { TCompareOp, TQualityRule, TRuleKind } from './quality-rules.ts';

/** The most failing values a rule's result keeps as examples. */
export const MAX_EXAMPLES = 5;

export type TRuleExample = { line: number; value: string; other?: string };

/** What one rule found in an upload (or, for an append, in the whole version). */
export type TRuleResult = {
  column: string;
  /** The rule's place in its column's `rules`. */
  rule: number;
  kind: TRuleKind;
  severity: 'error' | 'warning';
  checked: number;
  failing: number;
  /** Up to five failing values with their lines; only kept where the caller asked for them. */
  examples?: TRuleExample[];
};

type TCompiled = {
  rule: TQualityRule;
  column: TColumn;
  col: number;
  /** The compared column for `compare`, else -1, and its type. */
  other: number;
  otherType: TColumn['type'];
  isError: boolean;
  /** Whether a non-null value passes; not used by `required`, `unique` and `compare`. */
  test: (text: string) => boolean;
  seen: Map<string | number, number> | undefined;
  result: TRuleResult;
};

const PASS = () => true;

/** The value a rule compares or keys: numbers for numeric columns, instants for timestamps, else text. */
function comparable(type: TColumn['type'], text: string): string | number {
  switch (type) {
    case 'integer':
      return integerValue(text, 0, text.length);
    case 'number':
      return Number(text);
    case 'timestamp':
      return Number(timestampKey(text, 0, text.length));
    default:
      return text;
  }
}

function compare(op: TCompareOp, a: string | number, b: string | number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '=':
      return a === b;
    case '>=':
      return a >= b;
    default:
      return a > b;
  }
}

function testOf(rule: TQualityRule, column: TColumn): (text: string) => boolean {
  switch (rule.kind) {
    case 'pattern': {
      const re = RE2JS.compile(rule.pattern);
      return (text) => re.matches(text);
    }
    case 'codes': {
      const list = new CodeList({ ...column, codes: rule.codes });
      return (text) => list.hasText(text, 0, text.length);
    }
    case 'range': {
      const { min, max } = rule;
      const type = column.type;
      return (text) => {
        const v = comparable(type, text);
        return (min === undefined || v >= min) && (max === undefined || v <= max);
      };
    }
    case 'idCard':
      return (text) => isIdCardNumber(text);
    case 'uscc':
      return (text) => isUscc(text);
    default:
      return PASS;
  }
}

function reasonOf(rule: TQualityRule, column: TColumn): string {
  switch (rule.kind) {
    case 'pattern':
      return `does not match the pattern ${rule.pattern}`;
    case 'codes':
      return "not in the rule's code list";
    case 'range':
      return `outside the range ${rule.min ?? '…'} to ${rule.max ?? '…'}`;
    case 'unique':
      return 'a value already seen';
    case 'required':
      return column.type === 'string' ? 'required (null or empty)' : 'required';
    case 'compare':
      return `not ${rule.op} ${rule.column}`;
    case 'idCard':
      return 'not a resident identity number (GB 11643: length, birth date or check character)';
    case 'uscc':
      return 'not a unified social credit code (GB 32100: characters or check character)';
  }
}

/**
 * Checks rows against the quality rules of their columns, in the pass that encodes them. Readers
 * hand it each row that passed the built-in checks as field texts in schema order (null for
 * NULL); a failing error rule is logged like any bad field and refuses the row, a failing warning
 * is only counted. `results()` gives, per rule, the rows it checked and those that failed.
 *
 * @example
 * const rules = RuleChecker.of(columns, log, true);
 * if (rules && !rules.checkRow(['11010519491231002X', '2024-01-02'], 2)) // the row is refused
 */
export class RuleChecker {
  /** Per schema column: 1 when rows must hand its text in. */
  readonly needs: Uint8Array;
  private readonly compiled: TCompiled[];
  private readonly keepExamples: boolean;
  private readonly log: ErrorLog;
  private readonly reasons: string[];

  private constructor(columns: TColumn[], log: ErrorLog, keepExamples: boolean) {
    this.log = log;
    this.keepExamples = keepExamples;
    this.needs = new Uint8Array(columns.length);
    const indexOf = new Map(columns.map((c, j) => [c.name, j]));
    this.compiled = columns.flatMap((column, col) =>
      (column.rules ?? []).map((rule, i): TCompiled => {
        const other = rule.kind === 'compare' ? indexOf.get(rule.column)! : -1;
        const otherType = other >= 0 ? columns[other]!.type : column.type;
        this.needs[col] = 1;
        if (other >= 0) this.needs[other] = 1;
        const severity = rule.severity ?? 'error';
        return {
          rule,
          column,
          col,
          other,
          otherType,
          isError: severity === 'error',
          test: testOf(rule, column),
          seen: rule.kind === 'unique' ? new Map() : undefined,
          result: { column: column.name, rule: i, kind: rule.kind, severity, checked: 0, failing: 0 },
        };
      }),
    );
    this.reasons = this.compiled.map((c) => reasonOf(c.rule, c.column));
  }

  /** The checker for these columns, or undefined when none declares a rule. */
  static of(columns: TColumn[], log: ErrorLog, keepExamples: boolean): RuleChecker | undefined {
    return columns.some((c) => c.rules !== undefined && c.rules.length > 0)
      ? new RuleChecker(columns, log, keepExamples)
      : undefined;
  }

  /**
   * Seeds a `unique` rule with the values of rows already in the version (an append), as the
   * texts COPY would take for them; a repeat of one of them fails on the line that repeats it.
   */
  seedUnique(column: string, texts: Iterable<string>): void {
    for (const c of this.compiled) {
      if (c.seen === undefined || c.column.name !== column) continue;
      for (const text of texts) c.seen.set(comparable(c.column.type, text), 0);
    }
  }

  /** Checks one row; false when an error rule fails (each failure logged on `line`). */
  checkRow(texts: (string | null)[], line: number): boolean {
    let isValid = true;
    const compiled = this.compiled;
    for (let r = 0; r < compiled.length; r++) {
      const c = compiled[r]!;
      const text = texts[c.col]!;
      const kind = c.rule.kind;
      let isPassing: boolean;
      if (kind === 'required') {
        isPassing = text !== null && text.length > 0;
      } else if (text === null) {
        continue;
      } else if (kind === 'compare') {
        const otherText = texts[c.other]!;
        if (otherText === null) continue;
        isPassing = compare(
          (c.rule as { op: TCompareOp }).op,
          comparable(c.column.type, text),
          comparable(c.otherType, otherText),
        );
      } else if (c.seen !== undefined) {
        const key = comparable(c.column.type, text);
        isPassing = !c.seen.has(key);
        if (isPassing) c.seen.set(key, line);
      } else {
        isPassing = c.test(text);
      }
      const result = c.result;
      result.checked++;
      if (isPassing) continue;
      result.failing++;
      if (c.isError) {
        isValid = false;
        this.log.add(line, this.failure(c, r, text), c.column.name);
      } else if (this.keepExamples) {
        if (result.examples === undefined) result.examples = [];
        const examples = result.examples;
        if (examples.length < MAX_EXAMPLES) {
          const example: TRuleExample = { line, value: text ?? '' };
          if (c.other >= 0) example.other = texts[c.other]!;
          examples.push(example);
        }
      }
    }
    return isValid;
  }

  private failure(c: TCompiled, r: number, text: string | null): string {
    if (c.seen === undefined || text === null) return this.reasons[r]!;
    const first = c.seen.get(comparable(c.column.type, text));
    return first ? `a value already seen on line ${first}` : 'a value already in the dataset';
  }

  /** Per rule, in column order and then rule order: rows checked and failing, with examples where kept. */
  results(): TRuleResult[] {
    return this.compiled.map((c) => ({ ...c.result }));
  }
}
