import { and, arrayContains, count, desc, eq, not, type SQL, sql } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import { datasets } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { isOverdueSql } from './timeliness.ts';

export const SEARCH_MAX_LIMIT = 100;

export type TSearchInput = {
  q?: string | undefined;
  theme?: string | undefined;
  openness?: 'open' | 'conditional' | 'closed' | undefined;
  sharing?: 'unconditional' | 'conditional' | 'none' | undefined;
  provider?: string | undefined;
  tag?: string | undefined;
  classification?: number | undefined;
  status?: 'draft' | 'submitted' | 'published' | 'retired' | undefined;
  /** Only entries overdue in some way now (see `timeliness.ts`), or only those that are not. */
  overdue?: boolean | undefined;
  limit: number;
  offset: number;
};

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/**
 * Searches the catalogue. Published (and, on request, retired) entries are public; drafts and
 * submissions are found only by their provider's org and the admin.
 */
export async function searchDatasets(deps: Deps, actor: TActor | null, input: TSearchInput) {
  const status = input.status ?? 'published';
  const where: SQL[] = [eq(datasets.status, status)];
  if (status === 'draft' || status === 'submitted') {
    if (!actor || (actor.role !== 'admin' && actor.role !== 'provider')) where.push(sql`false`);
    else if (actor.role === 'provider') where.push(eq(datasets.providerOrgId, actor.orgId));
  }
  if (input.q) {
    const terms = input.q.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8);
    for (const t of terms) where.push(sql`${datasets.searchText} like ${`%${escapeLike(t)}%`}`);
  }
  if (input.theme) where.push(eq(datasets.theme, input.theme));
  if (input.openness) where.push(eq(datasets.openness, input.openness));
  if (input.sharing) where.push(eq(datasets.sharing, input.sharing));
  if (input.provider) where.push(eq(datasets.providerOrgId, input.provider));
  if (input.tag) where.push(arrayContains(datasets.tags, [input.tag]));
  if (input.classification) where.push(eq(datasets.classification, input.classification));
  if (input.overdue !== undefined) {
    const overdue = isOverdueSql(deps.clock.now());
    where.push(input.overdue ? overdue : not(overdue));
  }
  const filter = and(...where);
  const [items, [total]] = await Promise.all([
    deps.db
      .select()
      .from(datasets)
      .where(filter)
      .orderBy(desc(datasets.publishedAt), desc(datasets.createdAt), desc(datasets.id))
      .limit(input.limit)
      .offset(input.offset),
    deps.db.select({ n: count() }).from(datasets).where(filter),
  ]);
  return { items, total: Number(total?.n ?? 0) };
}
