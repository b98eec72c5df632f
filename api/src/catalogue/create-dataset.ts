import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { pgCode } from '../db/errors.ts';
import { datasets } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, invalid } from '../errors.ts';
import { newId } from '../lib/ids.ts';
import { searchTextOf, sharingOf, type TCreateDatasetBody } from './dataset-input.ts';

/** Registers a dataset as a draft of the provider's org. */
export async function createDataset(
  deps: Deps,
  actor: TActor,
  input: TCreateDatasetBody,
  requestId?: string,
) {
  const sharing = sharingOf(input);
  if ('problem' in sharing) throw invalid([{ path: sharing.path, message: sharing.problem }]);
  const id = newId('ds');
  const at = deps.clock.now();
  try {
    return await deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(datasets)
        .values({
          id,
          ...input,
          ...sharing,
          titleEn: input.titleEn ?? null,
          descriptionEn: input.descriptionEn ?? null,
          providerOrgId: actor.orgId,
          status: 'draft',
          searchText: searchTextOf(input),
          createdBy: actor.userId,
          createdAt: at,
          updatedAt: at,
        })
        .returning();
      await appendAuditEntry(tx, {
        actor,
        action: 'dataset.create',
        objectType: 'dataset',
        objectId: id,
        datasetId: id,
        details: {
          slug: input.slug,
          openness: input.openness,
          classification: input.classification,
          sharing: sharing.sharing,
          sharingBasis: sharing.sharingBasis,
        },
        requestId,
        at,
      });
      return row!;
    });
  } catch (err) {
    if (pgCode(err) === '23505') {
      throw new AppError('CONFLICT', `a dataset with slug "${input.slug}" exists`, {
        errors: [{ path: 'body.slug', message: 'already taken' }],
      });
    }
    throw err;
  }
}
