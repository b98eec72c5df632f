import { z } from '@hono/zod-openapi';
import { checkDate, checkTimestamp, timestampKey } from '../ingest/field-codecs.ts';

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
  .openapi('Column');

export type TColumn = z.infer<typeof ZColumn>;

export const ZColumns = z
  .array(ZColumn)
  .min(1)
  .max(200)
  .refine((cols) => new Set(cols.map((c) => c.name)).size === cols.length, {
    message: 'column names must be unique',
  });

/** Sensitivities an open dataset may not carry. */
export const PERSONAL_SENSITIVITIES: readonly string[] = ['identifier', 'personal'];
