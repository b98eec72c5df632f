import { eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { datasets } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { PERSONAL_SENSITIVITIES } from './dataset-schema.ts';
import { getOwnDataset, type TDatasetRow } from './get-dataset.ts';

export type TStatusChange =
  | { action: 'submit' }
  | { action: 'approve'; reason?: string | undefined }
  | { action: 'reject'; reason: string }
  | { action: 'retire'; reason?: string | undefined };

const FROM: Record<TStatusChange['action'], TDatasetRow['status']> = {
  submit: 'submitted',
  approve: 'published',
  reject: 'draft',
  retire: 'retired',
};
const REQUIRED: Record<TStatusChange['action'], TDatasetRow['status']> = {
  submit: 'draft',
  approve: 'submitted',
  reject: 'submitted',
  retire: 'published',
};

/** Why a dataset may not be opened as it stands, or null. */
export function opennessProblem(
  d: Pick<TDatasetRow, 'openness' | 'classification' | 'columns'>,
): string | null {
  if (d.openness !== 'open') return null;
  const personal = d.columns.filter((c) => PERSONAL_SENSITIVITIES.includes(c.sensitivity)).map((c) => c.name);
  if (personal.length > 0) {
    return `an open dataset may not hold identifier or personal columns: ${personal.join(', ')}`;
  }
  if (d.classification !== 1) return 'an open dataset must be classified 1 (public)';
  return null;
}

/**
 * Moves a dataset through its lifecycle: draft → submitted (provider) → published (admin approves)
 * or back to draft with a reason (admin rejects); published → retired (provider or admin).
 */
export async function changeDatasetStatus(
  deps: Deps,
  actor: TActor,
  id: string,
  change: TStatusChange,
  requestId?: string,
) {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const current = await getOwnDataset(tx, actor, id, true);
    if (current.status !== REQUIRED[change.action]) {
      throw new AppError(
        'INVALID_STATE',
        `cannot ${change.action} a dataset that is ${current.status}; it must be ${REQUIRED[change.action]}`,
      );
    }
    if (change.action === 'submit' || change.action === 'approve') {
      const problem = opennessProblem(current);
      if (problem) throw new AppError('INVALID_STATE', problem);
    }
    const note = change.action === 'reject' || change.action === 'approve' ? (change.reason ?? null) : null;
    const [row] = await tx
      .update(datasets)
      .set({
        status: FROM[change.action],
        updatedAt: at,
        ...(change.action === 'submit' ? { submittedAt: at, reviewNote: null } : {}),
        ...(change.action === 'approve' ? { publishedAt: at, reviewNote: note } : {}),
        ...(change.action === 'reject' ? { reviewNote: note } : {}),
        ...(change.action === 'retire' ? { retiredAt: at } : {}),
      })
      .where(eq(datasets.id, id))
      .returning();
    await appendAuditEntry(tx, {
      actor,
      action: `dataset.${change.action}`,
      objectType: 'dataset',
      objectId: id,
      datasetId: id,
      details: {
        from: current.status,
        to: FROM[change.action],
        ...(note ? { reason: note } : {}),
        ...(change.action === 'retire' && change.reason ? { reason: change.reason } : {}),
      },
      requestId,
      at,
    });
    return row!;
  });
}
