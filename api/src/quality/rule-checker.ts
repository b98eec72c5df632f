import type { TColumn } from '../catalogue/dataset-schema.ts';
import { CodeList } from '../ingest/code-lists.ts';
import { integerValue, timestampKey } from '../ingest/field-codecs.ts';
import type { ErrorLog, TRowError } from '../ingest/upload-errors.ts';
import { isIdCardNumber, isUscc } from './check-digits.ts';
import { KeyLog } from './key-log.ts';
import { patternMatcher } from './pattern-matcher.ts';
import { COMPARE_OPS, type TQualityRule, type TRuleKind } from './quality-rules.ts';

/** The most failing values a rule's result keeps as examples. */
export const MAX_EXAMPLES = 5;

/**
 * A failing value and its line; `other` is the compared column's value. A repeat (`unique`) names
 * the line that held the value first instead (0: the rows already in the dataset).
 */
export type TRuleExample = { line: number; value?: string; other?: string; firstLine?: number };

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
  /** The compared column for `compare`, else -1. */
  other: number;
  isError: boolean;
  /**
   * Whether a non-null value passes, given its text and, for rules that compare (`range`), its
   * comparable value; not used by `required`, `unique` and `compare`.
   */
  test: (text: string, value: string | number) => boolean;
  seen: KeyLog | undefined;
  /** The rule's result without its counts and examples, which the checker keeps apart. */
  result: Omit<TRuleResult, 'checked' | 'failing' | 'examples'>;
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

/** How `checkRow` treats a rule: the five comparisons first, as their operator's index. */
const STEP_TEST = 5;
const STEP_REQUIRED = 6;
const STEP_UNIQUE = 7;

function compare(op: number, a: string | number, b: string | number): boolean {
  switch (op) {
    case 0:
      return a < b;
    case 1:
      return a <= b;
    case 2:
      return a === b;
    case 3:
      return a >= b;
    default:
      return a > b;
  }
}

function stepOf(rule: TQualityRule): number {
  if (rule.kind === 'compare') return COMPARE_OPS.indexOf(rule.op);
  return rule.kind === 'required' ? STEP_REQUIRED : rule.kind === 'unique' ? STEP_UNIQUE : STEP_TEST;
}

function testOf(rule: TQualityRule, column: TColumn): TCompiled['test'] {
  switch (rule.kind) {
    case 'pattern':
      return patternMatcher(rule.pattern);
    case 'codes': {
      const list = new CodeList({ ...column, codes: rule.codes });
      return (text) => list.hasText(text, 0, text.length);
    }
    case 'range': {
      const { min, max } = rule;
      return (_, v) => (min === undefined || v >= min) && (max === undefined || v <= max);
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
 * is only counted. Repeats of `unique` rules are found by `finish()`, after the last row, and
 * logged then (in order of line). `results()` gives, per rule, the rows it checked and those
 * that failed.
 *
 * @example
 * const rules = RuleChecker.of(columns, log, true);
 * if (rules && !rules.checkRow(['11010519491231002X', '2024-01-02'], 2)) // the row is refused
 * rules?.finish(); // then log.errors holds the repeats of unique error rules too
 */
export class RuleChecker {
  /** Per schema column: 1 when rows must hand its text in. */
  readonly needs: Uint8Array;
  /** Per schema column: its type, and whether a rule compares its values (then worked out once a row). */
  private readonly types: TColumn['type'][];
  private readonly isCompared: Uint8Array;
  /** The comparable values of the current row, for the columns compared. */
  private readonly values: (string | number)[];
  private readonly compiled: TCompiled[];
  private readonly keepExamples: boolean;
  private readonly log: ErrorLog;
  private readonly reasons: string[];
  /** Per rule: how to check it, its column, the column it compares with (or -1), its counts and examples. */
  private readonly steps: Uint8Array;
  private readonly cols: Int32Array;
  private readonly others: Int32Array;
  private readonly checked: Float64Array;
  private readonly failing: Float64Array;
  private readonly examples: (TRuleExample[] | undefined)[];

  private constructor(columns: TColumn[], log: ErrorLog, keepExamples: boolean) {
    this.log = log;
    this.keepExamples = keepExamples;
    this.needs = new Uint8Array(columns.length);
    this.types = columns.map((c) => c.type);
    this.isCompared = new Uint8Array(columns.length);
    this.values = columns.map(() => '');
    const indexOf = new Map(columns.map((c, j) => [c.name, j]));
    this.compiled = columns.flatMap((column, col) =>
      (column.rules ?? []).map((rule, i): TCompiled => {
        const other = rule.kind === 'compare' ? indexOf.get(rule.column)! : -1;
        this.needs[col] = 1;
        if (other >= 0) this.needs[other] = 1;
        if (rule.kind === 'range' || rule.kind === 'compare' || rule.kind === 'unique')
          this.isCompared[col] = 1;
        if (other >= 0) this.isCompared[other] = 1;
        const severity = rule.severity ?? 'error';
        return {
          rule,
          column,
          col,
          other,
          isError: severity === 'error',
          test: testOf(rule, column),
          seen: rule.kind === 'unique' ? new KeyLog() : undefined,
          result: { column: column.name, rule: i, kind: rule.kind, severity },
        };
      }),
    );
    this.reasons = this.compiled.map((c) => reasonOf(c.rule, c.column));
    this.steps = Uint8Array.from(this.compiled, (c) => stepOf(c.rule));
    this.cols = Int32Array.from(this.compiled, (c) => c.col);
    this.others = Int32Array.from(this.compiled, (c) => c.other);
    this.checked = new Float64Array(this.compiled.length);
    this.failing = new Float64Array(this.compiled.length);
    this.examples = this.compiled.map(() => undefined);
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
      for (const text of texts) c.seen.add(comparable(c.column.type, text), 0);
    }
  }

  /** Checks one row; false when an error rule fails (each failure logged on `line`). */
  checkRow(texts: (string | null)[], line: number): boolean {
    let isValid = true;
    const { compiled, values, steps, cols, others, checked, failing } = this;
    for (let j = 0; j < this.types.length; j++) {
      if (this.isCompared[j] !== 1) continue;
      const text = texts[j]!;
      if (text !== null) values[j] = comparable(this.types[j]!, text);
    }
    for (let r = 0; r < steps.length; r++) {
      const text = texts[cols[r]!]!;
      const step = steps[r]!;
      let isPassing: boolean;
      if (step === STEP_REQUIRED) {
        isPassing = text !== null && text.length > 0;
      } else if (text === null) {
        continue;
      } else if (step === STEP_TEST) {
        isPassing = compiled[r]!.test(text, values[cols[r]!]!);
      } else if (step === STEP_UNIQUE) {
        // Repeats are found by `finish()`, once every key is in.
        compiled[r]!.seen!.add(values[cols[r]!]!, line);
        checked[r]!++;
        continue;
      } else {
        if (texts[others[r]!] === null) continue;
        isPassing = compare(step, values[cols[r]!]!, values[others[r]!]!);
      }
      checked[r]!++;
      if (isPassing) continue;
      failing[r]!++;
      const c = compiled[r]!;
      if (c.isError) {
        isValid = false;
        this.log.add(line, this.reasons[r]!, c.column.name);
      } else if (this.keepExamples) {
        const examples = this.examples[r] ?? [];
        this.examples[r] = examples;
        if (examples.length < MAX_EXAMPLES) {
          const example: TRuleExample = { line, value: text ?? '' };
          if (c.other >= 0) example.other = texts[c.other]!;
          examples.push(example);
        }
      }
    }
    return isValid;
  }

  /**
   * Finds the repeats of `unique` rules once all rows are in: each counts as failing; those of an
   * error rule join the upload's errors, in order of line.
   */
  finish(): void {
    const errors: TRowError[] = [];
    this.compiled.forEach((c, r) => {
      if (c.seen === undefined) return;
      const repeats = c.seen.repeats();
      this.failing[r]! += repeats.length;
      if (c.isError) {
        for (const { line, firstLine } of repeats.slice(0, this.log.max)) {
          const reason =
            firstLine > 0 ? `a value already seen on line ${firstLine}` : 'a value already in the dataset';
          errors.push({ line, column: c.column.name, reason });
        }
      } else if (this.keepExamples && repeats.length > 0) {
        this.examples[r] = repeats.slice(0, MAX_EXAMPLES);
      }
    });
    if (errors.length > 0) this.log.merge(errors);
  }

  /** Per rule, in column order and then rule order: rows checked and failing, with examples where kept. */
  results(): TRuleResult[] {
    return this.compiled.map((c, r) => {
      const examples = this.examples[r];
      const result: TRuleResult = { ...c.result, checked: this.checked[r]!, failing: this.failing[r]! };
      if (examples !== undefined) result.examples = examples;
      return result;
    });
  }
}
