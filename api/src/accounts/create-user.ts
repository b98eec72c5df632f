import { eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { pgCode } from '../db/errors.ts';
import { orgs, type TRole, users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { newId } from '../lib/ids.ts';

export type TCreateUserInput = { orgId: string; name: string; role: TRole; login?: string | undefined };

export async function createUser(
  deps: Deps,
  actor: TActor | null,
  input: TCreateUserInput,
  requestId?: string,
) {
  const at = deps.clock.now();
  const id = newId('usr');
  const transaction = deps.db.transaction(async (tx) => {
    const [org] = await tx.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, input.orgId));
    if (!org)
      throw new AppError('VALIDATION_FAILED', 'body.orgId: no such org', {
        errors: [{ path: 'body.orgId', message: 'no such org' }],
      });
    const [user] = await tx
      .insert(users)
      .values({ id, ...input, login: input.login ?? null, createdAt: at })
      .returning();
    await appendAuditEntry(tx, {
      actor,
      action: 'user.create',
      objectType: 'user',
      objectId: id,
      details: {
        orgId: input.orgId,
        role: input.role,
        name: input.name,
        ...(input.login ? { login: input.login } : {}),
      },
      requestId,
      at,
    });
    return user!;
  });
  return transaction.catch((err: unknown) => {
    if (pgCode(err) === '23505') throw new AppError('CONFLICT', `the login "${input.login}" is taken`);
    throw err;
  });
}
