import type { TColumn } from '../catalogue/dataset-schema.ts';
import { CodeList } from '../ingest/code-lists.ts';
import { integerValue, timestampKey } from '../ingest/field-codecs.ts';
import type { ErrorLog, TRowError } from '../ingest/upload-errors.ts';
import { isIdCardNumber, isUscc } from './check-digits.ts';
import { KeyLog } from './key-log.ts';
import { PatternMatcher } from './pattern-matcher.ts';
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
  seen: KeyLog | undefined;
  /** The rule's result without its counts and examples, which the checker keeps apart. */
  result: Omit<TRuleResult, 'checked' | 'failing' | 'examples'>;
};

/** The value a rule compares or keys: numbers for numeric columns, instants for timestamps, else text. */
function comparable(type: TColumn['type'], text: string): string | number {
  return isNumeric(type) ? numberOf(type, text) : text;
}

/** Whether a column's values compare and key as numbers: integers, numbers and timestamps (as instants). */
const isNumeric = (type: TColumn['type']) => type === 'integer' || type === 'number' || type === 'timestamp';

/** Most digits a decimal may have for `digits / 10^k` to be exact and so rounded as `Number` rounds it. */
const MAX_EXACT_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: MAX_EXACT_DIGITS + 1 }, (_, k) => 10 ** k);

/**
 * The number a numeric column's valid text stands for. A plain decimal (`-12.50`) of at most
 * fifteen digits is read here: its digits and the power of ten are exact doubles, so the one
 * division rounds as `Number` would; anything else goes to `Number`.
 */
function numberOf(type: TColumn['type'], text: string): number {
  if (type === 'integer') return integerValue(text, 0, text.length);
  if (type === 'timestamp') return Number(timestampKey(text, 0, text.length));
  const n = text.length;
  const isNegative = text.charCodeAt(0) === 45;
  const first = isNegative ? 1 : 0;
  if (n - first < 1 || n - first > MAX_EXACT_DIGITS + 1) return Number(text);
  let digits = 0;
  let point = -1;
  for (let i = first; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d >= 0 && d <= 9) digits = digits * 10 + d;
    else if (d === -2 && point < 0 && i > first && i < n - 1) point = i;
    else return Number(text);
  }
  if (point < 0 && n - first > MAX_EXACT_DIGITS) return Number(text);
  const value = point < 0 ? digits : digits / POWERS_OF_TEN[n - 1 - point]!;
  return isNegative ? -value : value;
}

/*
 * How `checkRow` treats a rule. Each kind is a case of one switch with its own call, so no call
 * site in the row loop sees several targets; comparisons of numbers read them from a typed array.
 */
const STEP_REQUIRED = 0;
const STEP_PATTERN = 1;
const STEP_CODES = 2;
const STEP_ID_CARD = 3;
const STEP_USCC = 4;
const STEP_RANGE_NUMBER = 5;
const STEP_RANGE_TEXT = 6;
const STEP_COMPARE_NUMBER = 7;
const STEP_COMPARE_TEXT = 8;
const STEP_UNIQUE_NUMBER = 9;
const STEP_UNIQUE_TEXT = 10;
/** A range or comparison whose sides are of different kinds, which only a schema not validated has. */
const STEP_RANGE_MIXED = 11;
const STEP_COMPARE_MIXED = 12;

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

/** `compare` of numbers, apart so that its comparisons only ever see numbers and V8 keeps them unboxed. */
function compareNumbers(op: number, a: number, b: number): boolean {
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

const isInRange = (v: string | number, min: string | number | undefined, max: string | number | undefined) =>
  (min === undefined || v >= min) && (max === undefined || v <= max);

function stepOf(rule: TQualityRule, type: TColumn['type'], otherType: TColumn['type'] | undefined): number {
  switch (rule.kind) {
    case 'required':
      return STEP_REQUIRED;
    case 'pattern':
      return STEP_PATTERN;
    case 'codes':
      return STEP_CODES;
    case 'idCard':
      return STEP_ID_CARD;
    case 'uscc':
      return STEP_USCC;
    case 'unique':
      return isNumeric(type) ? STEP_UNIQUE_NUMBER : STEP_UNIQUE_TEXT;
    case 'range': {
      const bounds = [rule.min, rule.max].filter((b) => b !== undefined);
      const kind = isNumeric(type) ? 'number' : 'string';
      if (!bounds.every((b) => typeof b === kind)) return STEP_RANGE_MIXED;
      return kind === 'number' ? STEP_RANGE_NUMBER : STEP_RANGE_TEXT;
    }
    case 'compare': {
      if (otherType === undefined || isNumeric(type) !== isNumeric(otherType)) return STEP_COMPARE_MIXED;
      return isNumeric(type) ? STEP_COMPARE_NUMBER : STEP_COMPARE_TEXT;
    }
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
  /** Per schema column: its type, and whether a rule reads it as a number (then worked out once a row). */
  private readonly types: TColumn['type'][];
  private readonly isCounted: Uint8Array;
  /** The numbers of the current row, for the columns read as numbers. */
  private readonly numbers: Float64Array;
  private readonly compiled: TCompiled[];
  private readonly keepExamples: boolean;
  private readonly log: ErrorLog;
  private readonly reasons: string[];
  /** Per rule: how to check it, its column, the column it compares with (or -1), its counts and examples. */
  private readonly steps: Uint8Array;
  private readonly cols: Int32Array;
  private readonly others: Int32Array;
  /** Rows checked, and per rule those it skipped (a null); a rule checked the others. */
  private rows = 0;
  private readonly skipped: Float64Array;
  private readonly failing: Float64Array;
  private readonly examples: (TRuleExample[] | undefined)[];
  /** Per rule, what its kind checks against: its matcher, code list, bounds or log of keys. */
  private readonly patterns: (PatternMatcher | undefined)[];
  private readonly codeLists: (CodeList | undefined)[];
  private readonly ops: Uint8Array;
  private readonly mins: (string | number | undefined)[];
  private readonly maxs: (string | number | undefined)[];
  /** The bounds of ranges of numbers, with whether each is set. */
  private readonly minNumbers: Float64Array;
  private readonly maxNumbers: Float64Array;
  private readonly hasMin: Uint8Array;
  private readonly hasMax: Uint8Array;
  private readonly seen: (KeyLog | undefined)[];

  private constructor(columns: TColumn[], log: ErrorLog, keepExamples: boolean) {
    this.log = log;
    this.keepExamples = keepExamples;
    this.needs = new Uint8Array(columns.length);
    this.types = columns.map((c) => c.type);
    this.isCounted = new Uint8Array(columns.length);
    this.numbers = new Float64Array(columns.length);
    const indexOf = new Map(columns.map((c, j) => [c.name, j]));
    this.compiled = columns.flatMap((column, col) =>
      (column.rules ?? []).map((rule, i): TCompiled => {
        const other = rule.kind === 'compare' ? indexOf.get(rule.column)! : -1;
        this.needs[col] = 1;
        if (other >= 0) this.needs[other] = 1;
        if (
          isNumeric(column.type) &&
          (rule.kind === 'range' || rule.kind === 'compare' || rule.kind === 'unique')
        )
          this.isCounted[col] = 1;
        if (other >= 0 && isNumeric(columns[other]!.type)) this.isCounted[other] = 1;
        const severity = rule.severity ?? 'error';
        return {
          rule,
          column,
          col,
          other,
          isError: severity === 'error',
          seen: rule.kind === 'unique' ? new KeyLog() : undefined,
          result: { column: column.name, rule: i, kind: rule.kind, severity },
        };
      }),
    );
    this.reasons = this.compiled.map((c) => reasonOf(c.rule, c.column));
    this.steps = Uint8Array.from(this.compiled, (c) => stepOf(c.rule, c.column.type, columns[c.other]?.type));
    this.cols = Int32Array.from(this.compiled, (c) => c.col);
    this.others = Int32Array.from(this.compiled, (c) => c.other);
    this.skipped = new Float64Array(this.compiled.length);
    this.failing = new Float64Array(this.compiled.length);
    this.examples = this.compiled.map(() => undefined);
    this.patterns = this.compiled.map(({ rule }) =>
      rule.kind === 'pattern' ? new PatternMatcher(rule.pattern) : undefined,
    );
    this.codeLists = this.compiled.map(({ rule, column }) =>
      rule.kind === 'codes' ? new CodeList({ ...column, codes: rule.codes }) : undefined,
    );
    this.mins = this.compiled.map(({ rule }) => (rule.kind === 'range' ? rule.min : undefined));
    this.maxs = this.compiled.map(({ rule }) => (rule.kind === 'range' ? rule.max : undefined));
    this.minNumbers = Float64Array.from(this.mins, (b) => (typeof b === 'number' ? b : 0));
    this.maxNumbers = Float64Array.from(this.maxs, (b) => (typeof b === 'number' ? b : 0));
    this.hasMin = Uint8Array.from(this.mins, (b) => (b === undefined ? 0 : 1));
    this.hasMax = Uint8Array.from(this.maxs, (b) => (b === undefined ? 0 : 1));
    this.ops = Uint8Array.from(this.compiled, ({ rule }) =>
      rule.kind === 'compare' ? COMPARE_OPS.indexOf(rule.op) : 0,
    );
    this.seen = this.compiled.map((c) => c.seen);
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
    const { numbers, steps, cols, others, skipped, failing, types, isCounted } = this;
    this.rows++;
    for (let j = 0; j < types.length; j++) {
      if (isCounted[j] !== 1) continue;
      const text = texts[j]!;
      if (text !== null) numbers[j] = numberOf(types[j]!, text);
    }
    for (let r = 0; r < steps.length; r++) {
      const col = cols[r]!;
      const text = texts[col]!;
      const step = steps[r]!;
      let isPassing: boolean;
      if (step === STEP_REQUIRED) {
        isPassing = text !== null && text.length > 0;
      } else if (text === null) {
        skipped[r]!++;
        continue;
      } else {
        switch (step) {
          case STEP_PATTERN:
            isPassing = this.patterns[r]!.matches(text);
            break;
          case STEP_CODES:
            isPassing = this.codeLists[r]!.hasText(text, 0, text.length);
            break;
          case STEP_ID_CARD:
            isPassing = isIdCardNumber(text, 0, text.length);
            break;
          case STEP_USCC:
            isPassing = isUscc(text, 0, text.length);
            break;
          case STEP_RANGE_NUMBER: {
            const v = numbers[col]!;
            isPassing =
              (this.hasMin[r] === 0 || v >= this.minNumbers[r]!) &&
              (this.hasMax[r] === 0 || v <= this.maxNumbers[r]!);
            break;
          }
          case STEP_RANGE_TEXT:
            isPassing = isInRange(text, this.mins[r], this.maxs[r]);
            break;
          case STEP_UNIQUE_NUMBER:
          case STEP_UNIQUE_TEXT:
            // Repeats are found by `finish()`, once every key is in.
            if (step === STEP_UNIQUE_NUMBER) this.seen[r]!.addNumber(numbers[col]!, line);
            else this.seen[r]!.addText(text, line);
            continue;
          case STEP_RANGE_MIXED:
            isPassing = isInRange(comparable(types[col]!, text), this.mins[r], this.maxs[r]);
            break;
          default: {
            const other = others[r]!;
            const otherText = texts[other]!;
            if (otherText === null) {
              skipped[r]!++;
              continue;
            }
            isPassing =
              step === STEP_COMPARE_NUMBER
                ? compareNumbers(this.ops[r]!, numbers[col]!, numbers[other]!)
                : step === STEP_COMPARE_TEXT
                  ? compare(this.ops[r]!, text, otherText)
                  : compare(
                      this.ops[r]!,
                      comparable(types[col]!, text),
                      comparable(types[other]!, otherText),
                    );
          }
        }
      }
      if (isPassing) continue;
      failing[r]!++;
      const c = this.compiled[r]!;
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
      const result: TRuleResult = {
        ...c.result,
        checked: this.rows - this.skipped[r]!,
        failing: this.failing[r]!,
      };
      if (examples !== undefined) result.examples = examples;
      return result;
    });
  }
}
