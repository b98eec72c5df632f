import { and, eq, isNull } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import type { Db } from '../db/client.ts';
import { changeNotices, datasets } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, invalid } from '../errors.ts';
import { searchTextOf, sharingOf, type TUpdateDatasetBody } from './dataset-input.ts';
import { getOwnDataset, type TDatasetRow } from './get-dataset.ts';

/**
 * What the holder may revise on a published entry: its description. Columns, openness,
 * classification and sharing keep their own paths.
 */
export const REVISABLE_FIELDS = [
  'title',
  'titleEn',
  'description',
  'descriptionEn',
  'theme',
  'tags',
  'updateFrequency',
  'license',
] as const satisfies readonly (keyof TUpdateDatasetBody)[];

/**
 * Edits a draft, or revises a published entry's descriptive metadata (`REVISABLE_FIELDS`), which
 * follows the change notices open on it. The schema cannot change once data has been ingested.
 */
export async function updateDataset(
  deps: Deps,
  actor: TActor,
  id: string,
  input: TUpdateDatasetBody,
  requestId?: string,
) {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const current = await getOwnDataset(tx, actor, id, true);
    if (current.status === 'published') return reviseDataset(tx, actor, current, input, requestId, at);
    if (current.status !== 'draft') {
      throw new AppError('INVALID_STATE', `only a draft can be edited; this dataset is ${current.status}`);
    }
    if (input.columns && current.currentVersion !== null) {
      throw new AppError('INVALID_STATE', 'the columns cannot change once data has been ingested');
    }
    const next = { ...current, ...input };
    // Changing openness or the attribute re-decides the attribute; an open dataset's follows it.
    const attribute = input.sharing ?? (input.openness === 'open' ? 'unconditional' : current.sharing);
    const sharing = sharingOf({
      openness: next.openness,
      sharing: attribute,
      sharingBasis:
        input.sharingBasis !== undefined
          ? input.sharingBasis
          : attribute === 'unconditional'
            ? null
            : current.sharingBasis,
    });
    if ('problem' in sharing) throw invalid([{ path: sharing.path, message: sharing.problem }]);
    const [row] = await tx
      .update(datasets)
      .set({ ...input, ...sharing, searchText: searchTextOf(next), updatedAt: at })
      .where(eq(datasets.id, id))
      .returning();
    await appendAuditEntry(tx, {
      actor,
      action: 'dataset.update',
      objectType: 'dataset',
      objectId: id,
      datasetId: id,
      details: {
        fields: Object.keys(input),
        ...(sharing.sharing !== current.sharing || sharing.sharingBasis !== current.sharingBasis
          ? sharing
          : {}),
      },
      requestId,
      at,
    });
    return row!;
  });
}

async function reviseDataset(
  tx: Db,
  actor: TActor,
  current: TDatasetRow,
  input: TUpdateDatasetBody,
  requestId: string | undefined,
  at: Date,
) {
  const fields = Object.keys(input) as (keyof TUpdateDatasetBody)[];
  const other = fields.filter((f) => !(REVISABLE_FIELDS as readonly string[]).includes(f));
  if (other.length > 0) {
    throw new AppError(
      'INVALID_STATE',
      `a published entry's ${other.join(', ')} cannot be edited; only ${REVISABLE_FIELDS.join(', ')} can be revised`,
    );
  }
  const changed = fields.filter((f) => JSON.stringify(current[f]) !== JSON.stringify(input[f]));
  const [row] = await tx
    .update(datasets)
    .set({ ...input, searchText: searchTextOf({ ...current, ...input }), updatedAt: at })
    .where(eq(datasets.id, current.id))
    .returning();
  const followed = await tx
    .update(changeNotices)
    .set({ followedAt: at, followedBy: actor.userId })
    .where(and(eq(changeNotices.datasetId, current.id), isNull(changeNotices.followedAt)))
    .returning({ id: changeNotices.id });
  await appendAuditEntry(tx, {
    actor,
    action: 'dataset.revise',
    objectType: 'dataset',
    objectId: current.id,
    datasetId: current.id,
    details: {
      fields: changed,
      previous: Object.fromEntries(changed.map((f) => [f, current[f]])),
      ...(followed.length > 0 ? { followedNotices: followed.map((n) => n.id) } : {}),
    },
    requestId,
    at,
  });
  return row!;
}
