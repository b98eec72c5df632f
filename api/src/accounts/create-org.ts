import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { pgCode } from '../db/errors.ts';
import { orgs } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { newId } from '../lib/ids.ts';

export type TCreateOrgInput = { name: string; nameEn?: string | undefined };

export async function createOrg(
  deps: Deps,
  actor: TActor | null,
  input: TCreateOrgInput,
  requestId?: string,
) {
  const id = newId('org');
  const at = deps.clock.now();
  try {
    return await deps.db.transaction(async (tx) => {
      const [org] = await tx
        .insert(orgs)
        .values({ id, name: input.name, nameEn: input.nameEn ?? null, createdAt: at })
        .returning();
      await appendAuditEntry(tx, {
        actor,
        action: 'org.create',
        objectType: 'org',
        objectId: id,
        details: { name: input.name },
        requestId,
        at,
      });
      return org!;
    });
  } catch (err) {
    if (pgCode(err) === '23505') throw new AppError('CONFLICT', `an org named "${input.name}" exists`);
    throw err;
  }
}
