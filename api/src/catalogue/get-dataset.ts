import { eq, inArray } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import type { Db } from '../db/client.ts';
import { datasets, orgs } from '../db/schema/index.ts';
import { notFound } from '../errors.ts';

export type TDatasetRow = typeof datasets.$inferSelect;

/** Whether the caller may see a dataset's entry: published and retired ones are public. */
export function canSeeDataset(
  actor: TActor | null,
  d: Pick<TDatasetRow, 'status' | 'providerOrgId'>,
): boolean {
  if (d.status === 'published' || d.status === 'retired') return true;
  if (!actor) return false;
  return actor.role === 'admin' || (actor.role === 'provider' && actor.orgId === d.providerOrgId);
}

/** The dataset if the caller may see it, else NOT_FOUND (also for another org's draft). */
export async function getVisibleDataset(db: Db, actor: TActor | null, id: string): Promise<TDatasetRow> {
  const [row] = await db.select().from(datasets).where(eq(datasets.id, id));
  if (!row || !canSeeDataset(actor, row)) throw notFound('dataset');
  return row;
}

/**
 * The dataset for a change by its provider: another org's dataset is NOT_FOUND. With `forUpdate`
 * the row is locked for the rest of the transaction.
 */
export async function getOwnDataset(
  db: Db,
  actor: TActor,
  id: string,
  forUpdate = false,
): Promise<TDatasetRow> {
  const q = db.select().from(datasets).where(eq(datasets.id, id));
  const [row] = forUpdate ? await q.for('update') : await q;
  if (!row) throw notFound('dataset');
  if (actor.role !== 'admin' && actor.orgId !== row.providerOrgId) throw notFound('dataset');
  return row;
}

/** Names of provider orgs by id, for showing entries (one query). */
export async function providerNames(db: Db, ids: string[]) {
  const unique = [...new Set(ids)];
  const rows = unique.length
    ? await db
        .select({ id: orgs.id, name: orgs.name, nameEn: orgs.nameEn })
        .from(orgs)
        .where(inArray(orgs.id, unique))
    : [];
  return new Map(rows.map((o) => [o.id, { name: o.name, nameEn: o.nameEn }]));
}
