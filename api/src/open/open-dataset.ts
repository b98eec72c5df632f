import { eq } from 'drizzle-orm';
import type { TColumn } from '../catalogue/dataset-schema.ts';
import { committedTableName } from '../data/table-store.ts';
import type { Db } from '../db/client.ts';
import { datasets } from '../db/schema/index.ts';
import { AppError, notFound } from '../errors.ts';

/**
 * A dataset as a read sees it: its visible version (`version` and `tableName` are null before any
 * data) and the columns the reader may name, the others `withheld` (an open dataset withholds none).
 */
export type TOpenDataset = {
  id: string;
  slug: string;
  columns: TColumn[];
  withheld: string[];
  version: number | null;
  tableName: string | null;
};

/**
 * The dataset if it is served as open data: published with openness `open`. Drafts and
 * submissions answer NOT_FOUND, exactly as a dataset that does not exist; conditional, closed and
 * retired ones, whose entries are public anyway, answer OPEN_DATA_NOT_AVAILABLE. Neither says
 * anything about the rows.
 */
export async function getOpenDataset(db: Db, id: string): Promise<TOpenDataset> {
  const [row] = await db
    .select({
      id: datasets.id,
      slug: datasets.slug,
      columns: datasets.columns,
      status: datasets.status,
      openness: datasets.openness,
      currentVersion: datasets.currentVersion,
    })
    .from(datasets)
    .where(eq(datasets.id, id));
  if (!row || (row.status !== 'published' && row.status !== 'retired')) throw notFound('dataset');
  if (row.status !== 'published' || row.openness !== 'open') {
    throw new AppError('OPEN_DATA_NOT_AVAILABLE', 'this dataset is not served as open data');
  }
  const base = { id: row.id, slug: row.slug, columns: row.columns, withheld: [] };
  if (row.currentVersion === null) return { ...base, version: null, tableName: null };
  const tableName = await committedTableName(db, id, row.currentVersion);
  // The current version is always committed first; anything else is a broken invariant, not input.
  if (!tableName) throw new Error(`dataset ${id}: current version ${row.currentVersion} is not committed`);
  return { ...base, version: row.currentVersion, tableName };
}
