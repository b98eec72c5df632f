import { z } from '@hono/zod-openapi';
import { RE2JS } from 're2js';
import { checkDate, checkTimestamp, timestampKey } from '../ingest/field-codecs.ts';
import { type TQualityRule, ZQualityRules } from '../quality/quality-rules.ts';

export const COLUMN_TYPES = ['integer', 'number', 'string', 'boolean', 'date', 'timestamp'] as const;
export const SENSITIVITIES = ['public', 'personal', 'identifier', 'sensitive'] as const;
export const DISTRIBUTIONS = ['uniform', 'normal', 'lognormal'] as const;
export type TColumnType = (typeof COLUMN_TYPES)[number];

/** The most codes a column may list. */
export const MAX_CODES = 10_000;
/** The longest string code, in UTF-16 code units. */
export const MAX_CODE_LENGTH = 200;

/** Column names are plain lower-case identifiers; a leading underscore is reserved for the platform. */
export const ZColumnName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _, starting with a letter, at most 63');

export const ZColumnHints = z
  .strictObject({
    /** integer and number columns: shape of the values within min/max. */
    distribution: z
      .enum(DISTRIBUTIONS)
      .optional()
      .openapi({ description: 'integer and number columns: shape of the values within min/max' }),
    /** integer and number columns: typical mean of the values. */
    mean: z
      .number()
      .optional()
      .openapi({ description: 'integer and number columns: typical mean, within min/max' }),
    /** integer and number columns: typical standard deviation of the values (above 0). */
    sd: z
      .number()
      .positive('sd must be above 0')
      .optional()
      .openapi({ description: 'integer and number columns: typical standard deviation, above 0' }),
    /** columns with codes: relative frequency of each code, same length as codes, non-negative, not all 0. */
    weights: z
      .array(z.number().nonnegative('weights must not be negative'))
      .min(1)
      .max(MAX_CODES)
      .optional()
      .openapi({
        description: 'columns with codes: relative frequency of each code, one per code, not all 0',
      }),
    /** nullable columns: share of nulls, 0 ≤ x < 1. */
    nullShare: z
      .number()
      .min(0, 'nullShare must be at least 0')
      .lt(1, 'nullShare must be below 1')
      .optional()
      .openapi({ description: 'nullable columns: share of nulls, at least 0 and below 1' }),
  })
  .openapi('ColumnHints', {
    description:
      'How dummy data for this column should look: public metadata written by the provider, never derived from the rows by the platform',
  });

export type TColumnHints = z.infer<typeof ZColumnHints>;

const isNumeric = (type: TColumnType) => type === 'integer' || type === 'number';

type TColumnBase = {
  type: TColumnType;
  nullable: boolean;
  min?: number | undefined;
  max?: number | undefined;
  codes?: (string | number)[] | undefined;
  hints?: TColumnHints | undefined;
  rules?: TQualityRule[] | undefined;
};

/** Why `code` cannot be one of the column's codes, or null. */
function codeProblem(c: TColumnBase, code: string | number): string | null {
  if (c.type === 'integer') {
    if (typeof code !== 'number' || !Number.isSafeInteger(code))
      return 'codes of an integer column are safe integers';
    if (c.min !== undefined && code < c.min) return `code ${code} is below the minimum ${c.min}`;
    if (c.max !== undefined && code > c.max) return `code ${code} is above the maximum ${c.max}`;
    return null;
  }
  if (typeof code !== 'string') return `codes of a ${c.type} column are strings`;
  if (c.type === 'date') return checkDate(code, 0, code.length) < 0 ? 'not a date (YYYY-MM-DD)' : null;
  if (c.type === 'timestamp') {
    return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/.test(code) &&
      checkTimestamp(code, 0, code.length) >= 0
      ? null
      : 'not a timestamp (ISO 8601 in UTC with Z, at most 6 decimals of a second)';
  }
  if (code.length === 0) return 'codes must not be empty (an empty CSV field is null)';
  if (code.length > MAX_CODE_LENGTH) return `codes are at most ${MAX_CODE_LENGTH} characters`;
  if (code.includes('\0')) return 'codes must not hold a NUL character';
  return null;
}

/** The key two codes share when they are the same value: timestamps compare as instants. */
const codeKey = (type: TColumnType, code: string | number) =>
  type === 'timestamp' ? timestampKey(code as string, 0, (code as string).length) : code;

/** Checks the code list and the hints against the rest of the column; one issue per field at most. */
function checkCodesAndHints(c: TColumnBase, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  if (c.codes !== undefined) {
    if (c.type === 'number' || c.type === 'boolean') {
      issue(['codes'], 'codes apply to string, integer, date and timestamp columns only');
    } else {
      const seen = new Set<string | number>();
      for (let i = 0; i < c.codes.length; i++) {
        const code = c.codes[i]!;
        const problem = codeProblem(c, code);
        if (problem) {
          issue(['codes', i], problem);
          break;
        }
        const key = codeKey(c.type, code);
        if (seen.has(key)) {
          issue(['codes', i], `duplicate code ${JSON.stringify(code)}`);
          break;
        }
        seen.add(key);
      }
    }
  }
  const h = c.hints;
  if (h === undefined) return;
  if (!isNumeric(c.type)) {
    for (const key of ['distribution', 'mean', 'sd'] as const) {
      if (h[key] !== undefined) issue(['hints', key], `${key} applies to integer and number columns only`);
    }
  } else {
    if (h.mean !== undefined && c.min !== undefined && h.mean < c.min)
      issue(['hints', 'mean'], `mean must not be below the minimum ${c.min}`);
    else if (h.mean !== undefined && c.max !== undefined && h.mean > c.max)
      issue(['hints', 'mean'], `mean must not be above the maximum ${c.max}`);
    else if (h.distribution === 'lognormal' && h.mean !== undefined && h.mean <= 0)
      issue(['hints', 'mean'], 'a lognormal mean is above 0');
    if (h.distribution === 'lognormal' && c.max !== undefined && c.max <= 0)
      issue(['hints', 'distribution'], 'lognormal values are above 0, and the maximum is not');
  }
  if (h.weights !== undefined) {
    if (c.codes === undefined) issue(['hints', 'weights'], 'weights apply to columns with codes only');
    else if (h.weights.length !== c.codes.length)
      issue(['hints', 'weights'], `weights must have one entry per code (${c.codes.length})`);
    else if (!h.weights.some((w) => w > 0)) issue(['hints', 'weights'], 'weights must not all be 0');
  }
  if (h.nullShare !== undefined && !c.nullable)
    issue(['hints', 'nullShare'], 'nullShare applies to nullable columns only');
}

/** Why a range bound does not fit the column, or null. */
function boundProblem(type: TColumnType, bound: number | string): string | null {
  if (isNumeric(type)) return typeof bound === 'number' ? null : `bounds of a ${type} column are numbers`;
  if (type === 'date')
    return typeof bound === 'string' && checkDate(bound, 0, bound.length) >= 0
      ? null
      : 'not a date (YYYY-MM-DD)';
  return 'range applies to integer, number and date columns only';
}

/** Checks each quality rule against its column's type; the column a `compare` names is checked by `ZColumns`. */
function checkRules(c: TColumnBase, ctx: z.RefinementCtx): void {
  for (const [i, rule] of (c.rules ?? []).entries()) {
    const problem = ruleProblem(c, rule);
    if (problem)
      ctx.addIssue({ code: 'custom', path: ['rules', i, ...problem.path], message: problem.message });
  }
}

/** Why a quality rule does not fit its column, with the path within the rule, or null. */
function ruleProblem(
  c: TColumnBase,
  rule: TQualityRule,
): { path: (string | number)[]; message: string } | null {
  const at = (path: (string | number)[], message: string) => ({ path, message });
  switch (rule.kind) {
    case 'pattern':
      if (c.type !== 'string') return at(['kind'], 'pattern applies to string columns only');
      try {
        RE2JS.compile(rule.pattern);
        return null;
      } catch (err) {
        return at(['pattern'], `not a regular expression of RE2 syntax: ${(err as Error).message}`);
      }
    case 'idCard':
    case 'uscc':
      return c.type === 'string' ? null : at(['kind'], `${rule.kind} applies to string columns only`);
    case 'codes': {
      if (c.type === 'number' || c.type === 'boolean')
        return at(['kind'], 'codes apply to string, integer, date and timestamp columns only');
      const seen = new Set<string | number>();
      for (let k = 0; k < rule.codes.length; k++) {
        const code = rule.codes[k]!;
        const problem = codeProblem({ ...c, min: undefined, max: undefined }, code);
        if (problem) return at(['codes', k], problem);
        const key = codeKey(c.type, code);
        if (seen.has(key)) return at(['codes', k], `duplicate code ${JSON.stringify(code)}`);
        seen.add(key);
      }
      return null;
    }
    case 'range': {
      if (rule.min === undefined && rule.max === undefined) return at([], 'a range needs min, max or both');
      for (const key of ['min', 'max'] as const) {
        const bound = rule[key];
        const problem = bound === undefined ? null : boundProblem(c.type, bound);
        if (problem) return at([key], problem);
      }
      return rule.min !== undefined && rule.max !== undefined && rule.min > rule.max
        ? at(['min'], 'min must not exceed max')
        : null;
    }
    case 'unique':
      return c.type === 'boolean' ? at(['kind'], 'unique does not apply to boolean columns') : null;
    default:
      return null;
  }
}

/** Whether two column types can be compared by a `compare` rule. */
const isComparable = (a: TColumnType, b: TColumnType) =>
  a !== 'boolean' && (a === b || (isNumeric(a) && isNumeric(b)));

/** Checks that each `compare` rule names another column of a comparable type. */
function checkCompareRules(columns: (TColumnBase & { name: string })[], ctx: z.RefinementCtx): void {
  const byName = new Map(columns.map((c) => [c.name, c]));
  columns.forEach((c, j) => {
    c.rules?.forEach((rule, i) => {
      if (rule.kind !== 'compare') return;
      const other = byName.get(rule.column);
      const message =
        other === undefined
          ? `no column named ${JSON.stringify(rule.column)}`
          : other === c
            ? 'a column is compared with another column, not itself'
            : !isComparable(c.type, other.type)
              ? `a ${c.type} column cannot be compared with a ${other.type} column`
              : null;
      if (message) ctx.addIssue({ code: 'custom', path: [j, 'rules', i, 'column'], message });
    });
  });
}

export const ZColumn = z
  .strictObject({
    name: ZColumnName,
    type: z.enum(COLUMN_TYPES),
    description: z.string().max(2000).default(''),
    unit: z.string().max(50).optional(),
    nullable: z.boolean().default(false),
    sensitivity: z.enum(SENSITIVITIES),
    min: z.number().optional(),
    max: z.number().optional(),
    /**
     * The public code list of a categorical column: every value it may hold (nulls aside).
     * string, date and timestamp columns: strings (dates as YYYY-MM-DD, timestamps as ISO 8601 with Z);
     * integer columns: safe integers within min/max. Not allowed on number and boolean columns.
     * 1 to 10 000 distinct values.
     */
    codes: z
      .array(z.union([z.string(), z.number()]))
      .min(1, 'a code list holds at least one code')
      .max(MAX_CODES, `a code list holds at most ${MAX_CODES} codes`)
      .optional()
      .openapi({
        description:
          'The public code list of a categorical column: every value it may hold (nulls aside). String, date and timestamp columns: strings (dates YYYY-MM-DD, timestamps ISO 8601 with Z); integer columns: safe integers within min/max; not on number and boolean columns. 1 to 10 000 distinct values; an upload holding any other value is refused.',
      }),
    /** How dummy data for this column should look (public metadata, never derived from the rows by the platform). */
    hints: ZColumnHints.optional(),
    /** Quality rules beyond the type, each an error (refuses the upload) or a warning (reported). */
    rules: ZQualityRules.optional(),
  })
  .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, {
    message: 'min must not exceed max',
    path: ['min'],
  })
  .refine(
    (c) => (c.min === undefined && c.max === undefined) || c.type === 'integer' || c.type === 'number',
    {
      message: 'min and max apply to integer and number columns only',
      path: ['min'],
    },
  )
  .superRefine(checkCodesAndHints)
  .superRefine(checkRules)
  .openapi('Column');

export type TColumn = z.infer<typeof ZColumn>;

export const ZColumns = z
  .array(ZColumn)
  .min(1)
  .max(200)
  .refine((cols) => new Set(cols.map((c) => c.name)).size === cols.length, {
    message: 'column names must be unique',
  })
  .superRefine(checkCompareRules);

/** Sensitivities an open dataset may not carry. */
export const PERSONAL_SENSITIVITIES: readonly string[] = ['identifier', 'personal'];
