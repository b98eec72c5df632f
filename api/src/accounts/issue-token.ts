import { eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { generateToken, hashToken } from '../auth/tokens.ts';
import type { Db } from '../db/client.ts';
import { apiTokens, users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { newId } from '../lib/ids.ts';

export type TIssueTokenInput = { label: string; expiresAt?: Date | undefined; token?: string };

/** Issues a bearer token for a user; the token is returned here once and only its hash is kept. */
export async function issueToken(
  deps: Deps,
  actor: TActor | null,
  userId: string,
  input: TIssueTokenInput,
  requestId?: string,
) {
  const at = deps.clock.now();
  if (input.expiresAt && input.expiresAt <= at) {
    throw new AppError('VALIDATION_FAILED', 'body.expiresAt: must be in the future', {
      errors: [{ path: 'body.expiresAt', message: 'must be in the future' }],
    });
  }
  return deps.db.transaction((tx) => insertToken(tx, actor, userId, input, at, requestId));
}

export async function insertToken(
  tx: Db,
  actor: TActor | null,
  userId: string,
  input: TIssueTokenInput,
  at: Date,
  requestId?: string,
) {
  const [user] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId));
  if (!user) throw notFound('user');
  const token = input.token ?? generateToken();
  const id = newId('tok');
  await tx.insert(apiTokens).values({
    id,
    userId,
    hash: hashToken(token),
    label: input.label,
    createdAt: at,
    expiresAt: input.expiresAt ?? null,
  });
  await appendAuditEntry(tx, {
    actor,
    action: 'token.issue',
    objectType: 'token',
    objectId: id,
    details: { userId, label: input.label, expiresAt: input.expiresAt?.toISOString() ?? null },
    requestId,
    at,
  });
  return { id, token, userId, label: input.label, createdAt: at, expiresAt: input.expiresAt ?? null };
}
