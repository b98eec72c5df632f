import { z } from '@hono/zod-openapi';

export const COLUMN_TYPES = ['integer', 'number', 'string', 'boolean', 'date', 'timestamp'] as const;
export const SENSITIVITIES = ['public', 'personal', 'identifier', 'sensitive'] as const;
export type TColumnType = (typeof COLUMN_TYPES)[number];

/** Column names are plain lower-case identifiers; a leading underscore is reserved for the platform. */
export const ZColumnName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _, starting with a letter, at most 63');

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
