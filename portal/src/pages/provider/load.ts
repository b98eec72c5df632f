import { api, qs } from '../../lib/api.ts';
import type { TDataset } from '../../lib/types.ts';

export const STATUSES = ['draft', 'submitted', 'published', 'retired'] as const;

/** Every entry of the caller's org in every status (one request per status: the API lists one). */
export async function loadMyDatasets(orgId: string, signal?: AbortSignal): Promise<TDataset[]> {
  const pages = await Promise.all(
    STATUSES.map((status) =>
      api<{ items: TDataset[] }>(
        'GET',
        `/v1/datasets${qs({ status, provider: orgId, limit: 100 })}`,
        undefined,
        signal ? { signal } : {},
      ),
    ),
  );
  return pages.flatMap((p) => p.items);
}

/** A dataset's title by id, for lists that name datasets by id only. */
export const titlesById = (items: TDataset[]) => new Map(items.map((d) => [d.id, d]));
