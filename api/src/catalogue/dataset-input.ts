import { z } from '@hono/zod-openapi';
import { OPENNESS } from '../db/schema/index.ts';
import { ZColumns } from './dataset-schema.ts';

export const THEMES = [
  'environment',
  'transport',
  'health',
  'economy',
  'social-security',
  'education',
  'public-safety',
  'agriculture',
  'culture',
  'urban',
  'government',
  'population',
  'other',
] as const;

export const UPDATE_FREQUENCIES = [
  'realtime',
  'daily',
  'weekly',
  'monthly',
  'quarterly',
  'yearly',
  'irregular',
  'once',
] as const;

const text = (max: number) => z.string().trim().min(1).max(max);

const fields = {
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{1,79}$/, 'lower-case letters, digits and -, 2 to 80 characters'),
  title: text(200),
  titleEn: text(200).optional(),
  description: text(5000),
  descriptionEn: text(5000).optional(),
  theme: z.enum(THEMES),
  tags: z.array(text(40)).max(20).default([]),
  updateFrequency: z.enum(UPDATE_FREQUENCIES),
  license: text(200),
  classification: z.number().int().min(1).max(4),
  openness: z.enum(OPENNESS),
  columns: ZColumns,
};

export const ZCreateDatasetBody = z.strictObject(fields).openapi('CreateDatasetBody');
export type TCreateDatasetBody = z.infer<typeof ZCreateDatasetBody>;

const { slug: _slug, ...editable } = fields;
export const ZUpdateDatasetBody = z
  .strictObject({
    ...editable,
    tags: z.array(text(40)).max(20),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' })
  .openapi('UpdateDatasetBody');
export type TUpdateDatasetBody = z.infer<typeof ZUpdateDatasetBody>;

export const searchTextOf = (d: {
  title: string;
  titleEn?: string | null | undefined;
  description: string;
  descriptionEn?: string | null | undefined;
  tags: string[];
  slug: string;
}) =>
  [d.slug, d.title, d.titleEn ?? '', d.description, d.descriptionEn ?? '', ...d.tags]
    .join('\n')
    .toLowerCase();
