import { eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { datasets } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { searchTextOf, type TUpdateDatasetBody } from './dataset-input.ts';
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
    const [row] = await tx
      .update(datasets)
      .set({ ...input, searchText: searchTextOf(next), updatedAt: at })
      .where(eq(datasets.id, id))
      .returning();
    await appendAuditEntry(tx, {
      actor,
      action: 'dataset.update',
      objectType: 'dataset',
      objectId: id,
      datasetId: id,
      details: { fields: Object.keys(input) },
      requestId,
      at,
    });
    return row!;
  });
}
