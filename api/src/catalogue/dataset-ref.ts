import { z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { datasets } from '../db/schema/index.ts';
import { notFound } from '../errors.ts';
import { ID_PATTERN } from '../http/openapi.ts';

const SLUG = /^[a-z0-9][a-z0-9-]{1,79}$/;

/** A dataset named in a path by its id or by its slug (as the sandbox SDK names tables). */
export const ZDatasetParam = z.object({
  id: z
    .string()
    .max(80)
    .refine((s) => ID_PATTERN.test(s) || SLUG.test(s), 'not a dataset id or slug')
    .openapi({ param: { name: 'id', in: 'path' }, description: 'The dataset’s id or its slug' }),
});

/** The id of the dataset `ref` names (an id is taken as it is); 404 for a slug no dataset has. */
export async function datasetIdOf(db: Db, ref: string): Promise<string> {
  if (ID_PATTERN.test(ref)) return ref;
  const [row] = await db.select({ id: datasets.id }).from(datasets).where(eq(datasets.slug, ref)).limit(1);
  if (!row) throw notFound('dataset');
  return row.id;
}
