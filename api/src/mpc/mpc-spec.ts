import { z } from '@hono/zod-openapi';

const ZColumn = z.string().min(1).max(63);
const ZBounds = z.strictObject({ min: z.number(), max: z.number() }).refine((b) => b.min < b.max, {
  message: 'min must be below max',
});

/** A protected statistic of a licensed numeric column. */
export const ZMpcMeasure = z.strictObject({
  statistic: z.enum(['mean', 'sum']),
  column: ZColumn,
  bounds: ZBounds.optional().openapi({ description: 'Clamping bounds within the schema bounds' }),
});
export type TMpcMeasure = z.infer<typeof ZMpcMeasure>;

/** What a private join computes over the intersection. */
export const ZPsiSpec = z.strictObject({
  dataset: z.string().min(1).max(120),
  identifierColumn: ZColumn,
  groupBy: ZColumn.nullable().optional(),
  measures: z.array(ZMpcMeasure).max(16).default([]),
});
export type TPsiSpec = z.infer<typeof ZPsiSpec>;

/** What an encrypted model is scored on: per group of `groupBy`, one protected statistic per feature. */
export const ZHeScoreSpec = z.strictObject({
  sessionId: z.string().min(1).max(64),
  modelId: z.string().min(1).max(64),
  dataset: z.string().min(1).max(120),
  groupBy: ZColumn,
  features: z.array(ZMpcMeasure).min(1).max(32),
  polynomial: z.array(z.number()).min(2).max(4).nullable().optional().openapi({
    description: 'Public coefficients c0…cd of p(z) applied to the linear score z (degree 1–3)',
  }),
});
export type THeScoreSpec = z.infer<typeof ZHeScoreSpec>;

/** Every column a spec reads: what the contract must license. */
export const licensedColumns = (spec: {
  identifierColumn?: string;
  groupBy?: string | null;
  measures?: TMpcMeasure[];
  features?: TMpcMeasure[];
}) => [
  ...new Set(
    [
      spec.identifierColumn,
      spec.groupBy,
      ...(spec.measures ?? spec.features ?? []).map((m) => m.column),
    ].filter((c): c is string => typeof c === 'string'),
  ),
];
