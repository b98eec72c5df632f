import { z } from '@hono/zod-openapi';
import { FILTER_OPS, MAX_IN_VALUES } from './filters.ts';

export const AGGREGATE_FNS = ['count', 'sum', 'avg', 'min', 'max'] as const;
export type TAggregateFn = (typeof AGGREGATE_FNS)[number];

export const QUERY_DEFAULT_LIMIT = 1000;
export const QUERY_MAX_LIMIT = 10_000;

/** Output names of aggregates: plain lower-case identifiers. */
export const ALIAS_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

const ZName = z.string().min(1).max(63);
const ZScalar = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

/**
 * The structured query over an open dataset. Column names are checked against the dataset's schema
 * by the service; the rules that need no schema are checked here.
 */
export const ZOpenQueryBody = z
  .strictObject({
    select: z
      .array(ZName)
      .max(50)
      .optional()
      .openapi({ description: 'Columns to output; with aggregates or groupBy, groupBy columns only' }),
    aggregates: z
      .array(
        z.strictObject({
          fn: z.enum(AGGREGATE_FNS),
          column: ZName.optional().openapi({
            description: 'Not for count; sum and avg need an integer or number column',
          }),
          as: z.string().regex(ALIAS_PATTERN, 'lower-case letters, digits and _, at most 63'),
        }),
      )
      .max(50)
      .optional(),
    where: z
      .array(
        z.strictObject({
          column: ZName,
          op: z.enum(FILTER_OPS),
          value: z.union([ZScalar, z.array(ZScalar).min(1).max(MAX_IN_VALUES)]).openapi({
            description: 'Read by the column type; a list for in; null with eq or ne tests for null',
          }),
        }),
      )
      .max(20)
      .optional(),
    groupBy: z.array(ZName).max(20).optional(),
    orderBy: z
      .array(
        z.strictObject({
          key: ZName.openapi({ description: 'A groupBy column or an aggregate alias' }),
          dir: z.enum(['asc', 'desc']).default('asc'),
        }),
      )
      .max(20)
      .optional(),
    limit: z
      .number()
      .int()
      .min(1)
      .max(QUERY_MAX_LIMIT, `at most ${QUERY_MAX_LIMIT}`)
      .default(QUERY_DEFAULT_LIMIT)
      .openapi({ description: `Rows to return, at most ${QUERY_MAX_LIMIT}` }),
  })
  .superRefine((q, ctx) => {
    const select = q.select ?? [];
    const aggregates = q.aggregates ?? [];
    const groupBy = q.groupBy ?? [];
    if (select.length === 0 && aggregates.length === 0) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give select, aggregates or both' });
    }
    const dupes = (names: string[], field: string) => {
      const seen = new Set<string>();
      names.forEach((n, i) => {
        if (seen.has(n)) ctx.addIssue({ code: 'custom', path: [field, i], message: `${n} is given twice` });
        seen.add(n);
      });
    };
    dupes(select, 'select');
    dupes(groupBy, 'groupBy');
    const aliases = new Set<string>();
    aggregates.forEach((a, i) => {
      if (a.fn === 'count' && a.column !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['aggregates', i, 'column'],
          message: 'count counts rows; it takes no column',
        });
      }
      if (a.fn !== 'count' && a.column === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['aggregates', i, 'column'],
          message: `${a.fn} needs a column`,
        });
      }
      if (groupBy.includes(a.as) && !select.includes(a.as)) {
        ctx.addIssue({
          code: 'custom',
          path: ['aggregates', i, 'as'],
          message: `${a.as} already names a groupBy column`,
        });
      }
      if (aliases.has(a.as) || select.includes(a.as)) {
        ctx.addIssue({
          code: 'custom',
          path: ['aggregates', i, 'as'],
          message: `output name ${a.as} is used twice`,
        });
      }
      aliases.add(a.as);
    });
    const isGrouped = aggregates.length > 0 || groupBy.length > 0;
    if (isGrouped) {
      select.forEach((name, i) => {
        if (!groupBy.includes(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['select', i],
            message: `${name} is not in groupBy; with aggregates or groupBy, select groupBy columns only`,
          });
        }
      });
    }
    const keys = new Set<string>();
    (q.orderBy ?? []).forEach((o, i) => {
      const isKnown = isGrouped ? groupBy.includes(o.key) || aliases.has(o.key) : select.includes(o.key);
      if (!isKnown) {
        ctx.addIssue({
          code: 'custom',
          path: ['orderBy', i, 'key'],
          message: isGrouped
            ? `${o.key} is neither a groupBy column nor an aggregate alias`
            : `${o.key} is not a selected column`,
        });
      }
      if (keys.has(o.key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['orderBy', i, 'key'],
          message: `${o.key} is ordered on twice`,
        });
      }
      keys.add(o.key);
    });
  })
  .openapi('OpenQueryBody');

export type TOpenQueryBody = z.infer<typeof ZOpenQueryBody>;
