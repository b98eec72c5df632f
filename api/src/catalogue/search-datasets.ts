import { and, arrayContains, count, desc, eq, not, type SQL, sql } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import { datasets } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { providerNames } from './get-dataset.ts';
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
  if (input.tag) where.push(arrayContains(datasets.tags, [input.tag]));
  if (input.overdue !== undefined) {
    const overdue = isOverdueSql(deps.clock.now());
    where.push(input.overdue ? overdue : not(overdue));
  }
  // Each facet is counted under every other filter but its own, so a person can widen a choice.
  const facetFilters = {
    theme: input.theme === undefined ? undefined : eq(datasets.theme, input.theme),
    openness: input.openness === undefined ? undefined : eq(datasets.openness, input.openness),
    sharing: input.sharing === undefined ? undefined : eq(datasets.sharing, input.sharing),
    provider: input.provider === undefined ? undefined : eq(datasets.providerOrgId, input.provider),
    classification:
      input.classification === undefined ? undefined : eq(datasets.classification, input.classification),
  };
  const columns = {
    theme: datasets.theme,
    openness: datasets.openness,
    sharing: datasets.sharing,
    provider: datasets.providerOrgId,
    classification: datasets.classification,
  };
  const names = Object.keys(columns) as (keyof typeof columns)[];
  const filterWithout = (skip?: keyof typeof columns) =>
    and(...where, ...names.filter((n) => n !== skip).flatMap((n) => facetFilters[n] ?? []));
  const filter = filterWithout();
  const [items, [total], ...facetRows] = await Promise.all([
    deps.db
      .select()
      .from(datasets)
      .where(filter)
      .orderBy(desc(datasets.publishedAt), desc(datasets.createdAt), desc(datasets.id))
      .limit(input.limit)
      .offset(input.offset),
    deps.db.select({ n: count() }).from(datasets).where(filter),
    ...names.map((n) =>
      deps.db
        .select({ value: columns[n], n: count() })
        .from(datasets)
        .where(filterWithout(n))
        .groupBy(columns[n])
        .orderBy(desc(count()), columns[n]),
    ),
  ]);
  const facets = Object.fromEntries(
    names.map((n, i) => [n, facetRows[i]!.map((r) => ({ value: String(r.value), count: Number(r.n) }))]),
  ) as Record<
    keyof typeof columns,
    { value: string; count: number; name?: string; nameEn?: string | null }[]
  >;
  const byId = await providerNames(
    deps.db,
    facets.provider.map((f) => f.value),
  );
  for (const f of facets.provider) {
    f.name = byId.get(f.value)?.name ?? f.value;
    f.nameEn = byId.get(f.value)?.nameEn ?? null;
  }
  return { items, total: Number(total?.n ?? 0), facets };
}
