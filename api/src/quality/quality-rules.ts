import { z } from '@hono/zod-openapi';

/*
 * Quality rules a schema column may declare beyond its type. Their shape is here; whether a rule
 * fits its column (and the column it compares with) is checked with the rest of the column in
 * `catalogue/dataset-schema.ts`, and rows are checked against them at ingest by `RuleChecker`.
 */

export const RULE_KINDS = [
  'pattern',
  'codes',
  'range',
  'unique',
  'required',
  'compare',
  'idCard',
  'uscc',
] as const;
export type TRuleKind = (typeof RULE_KINDS)[number];
export const RULE_SEVERITIES = ['error', 'warning'] as const;
export const COMPARE_OPS = ['<', '<=', '=', '>=', '>'] as const;
export type TCompareOp = (typeof COMPARE_OPS)[number];

/** The most rules one column may declare. */
export const MAX_RULES = 20;
/** The longest pattern, in characters. */
export const MAX_PATTERN_LENGTH = 500;

const severity = z.enum(RULE_SEVERITIES).default('error').openapi({
  description:
    'error: a failing row refuses the upload; warning: counted and reported, becomes a quality issue',
});

const ZPatternRule = z.strictObject({
  kind: z.literal('pattern'),
  severity,
  pattern: z.string().min(1).max(MAX_PATTERN_LENGTH).openapi({
    description:
      'RE2 syntax (no backreferences or lookaround), matched in linear time against the whole value, as if anchored; string columns only',
  }),
});
const ZCodesRule = z.strictObject({
  kind: z.literal('codes'),
  severity,
  codes: z
    .array(z.union([z.string(), z.number()]))
    .min(1, 'a code list holds at least one code')
    .max(10_000, 'a code list holds at most 10000 codes')
    .openapi({ description: 'The values expected, as the column-level `codes` are written' }),
});
const ZRangeRule = z.strictObject({
  kind: z.literal('range'),
  severity,
  min: z.union([z.number(), z.string()]).optional(),
  max: z.union([z.number(), z.string()]).optional(),
});
const ZUniqueRule = z.strictObject({ kind: z.literal('unique'), severity });
const ZRequiredRule = z.strictObject({ kind: z.literal('required'), severity });
const ZCompareRule = z.strictObject({
  kind: z.literal('compare'),
  severity,
  op: z.enum(COMPARE_OPS),
  column: z.string().openapi({ description: 'The other column, of a comparable type' }),
});
const ZIdCardRule = z.strictObject({ kind: z.literal('idCard'), severity });
const ZUsccRule = z.strictObject({ kind: z.literal('uscc'), severity });

/**
 * One quality rule of a column. A rule checks the non-null values of its column (`required`
 * checks every row; `compare` the rows where both sides are non-null):
 * - `pattern`: the whole value matches an RE2 regular expression (string columns);
 * - `codes`: the value is one of a list (string, integer, date and timestamp columns);
 * - `range`: `min` ≤ value ≤ `max` (numbers for integer and number columns, `YYYY-MM-DD` for dates);
 * - `unique`: no value repeats within a version (not on boolean columns);
 * - `required`: not null, and for strings not empty;
 * - `compare`: this column `op` another column (`end >= start`), numbers with numbers, else the same type;
 * - `idCard`: an 18-digit resident identity number, GB 11643-1999 check character and birth date;
 * - `uscc`: an 18-character unified social credit code, GB 32100-2015 character set and check character.
 *
 * @example
 * { kind: 'compare', op: '>=', column: 'start_date', severity: 'warning' }
 */
export const ZQualityRule = z
  .discriminatedUnion('kind', [
    ZPatternRule,
    ZCodesRule,
    ZRangeRule,
    ZUniqueRule,
    ZRequiredRule,
    ZCompareRule,
    ZIdCardRule,
    ZUsccRule,
  ])
  .openapi('QualityRule');

export type TQualityRule = z.infer<typeof ZQualityRule>;

export const ZQualityRules = z
  .array(ZQualityRule)
  .max(MAX_RULES, `a column declares at most ${MAX_RULES} rules`)
  .openapi({ description: 'Quality rules beyond the type; see QualityRule' });
