import { eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { datasets } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, invalid } from '../errors.ts';
import { searchTextOf, sharingOf, type TUpdateDatasetBody } from './dataset-input.ts';
import { getOwnDataset } from './get-dataset.ts';

/** Edits a draft. The schema cannot change once data has been ingested. */
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
