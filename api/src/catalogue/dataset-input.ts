import { z } from '@hono/zod-openapi';
import { OPENNESS, SHARING } from '../db/schema/index.ts';
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
  sharing: z.enum(SHARING).openapi({
    description:
      '共享属性, independent of openness: `unconditional` 无条件共享, `conditional` 有条件共享 (the holder decides each request), `none` 不予共享. An open dataset is shared unconditionally (the default for one).',
  }),
  sharingBasis: text(2000).nullable().openapi({
    description:
      'The rule that allows conditional sharing or forbids it (e.g. a clause of a law or regulation); required unless unconditional',
  }),
  columns: ZColumns,
};

export const ZCreateDatasetBody = z
  .strictObject({
    ...fields,
    sharing: fields.sharing.optional(),
    sharingBasis: fields.sharingBasis.optional(),
  })
  .openapi('CreateDatasetBody');
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

/**
 * The sharing attribute a dataset ends up with, or what is wrong with it: an open dataset is shared
 * unconditionally (the default for one); any other must say how it is shared; `conditional` and
 * `none` need their basis, `unconditional` takes none.
 */
export function sharingOf(d: {
  openness: (typeof OPENNESS)[number];
  sharing?: (typeof SHARING)[number] | undefined;
  sharingBasis?: string | null | undefined;
}): { sharing: (typeof SHARING)[number]; sharingBasis: string | null } | { problem: string; path: string } {
  const sharing = d.sharing ?? (d.openness === 'open' ? 'unconditional' : undefined);
  if (!sharing)
    return {
      path: 'body.sharing',
      problem: 'required unless the dataset is open: unconditional, conditional or none',
    };
  if (d.openness === 'open' && sharing !== 'unconditional') {
    return { path: 'body.sharing', problem: 'an open dataset is shared unconditionally' };
  }
  if (sharing === 'unconditional') {
    if (d.sharingBasis) return { path: 'body.sharingBasis', problem: 'unconditional sharing takes no basis' };
    return { sharing, sharingBasis: null };
  }
  if (!d.sharingBasis)
    return { path: 'body.sharingBasis', problem: `required for ${sharing} sharing: the rule it rests on` };
  return { sharing, sharingBasis: d.sharingBasis };
}
