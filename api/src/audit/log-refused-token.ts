import type { TActor } from '../auth/actor.ts';
import type { Deps } from '../deps.ts';
import { appendAuditEntry } from './append-audit-entry.ts';

export const TOKEN_REFUSED_ACTION = 'auth.token_refused';

/** Entries per token a minute: a leaked token replayed in a loop must not flood the log. */
export const REFUSED_TOKEN_ENTRIES_PER_MINUTE = 1;

export type TRefusedToken = {
  /** The token's owner, as the request would have acted. */
  owner: TActor;
  reason: 'revoked' | 'expired';
  method: string;
  path: string;
  requestId?: string | undefined;
};

/**
 * Records a request that presented a revoked or expired token, refused, in a transaction of its
 * own, with the token's owner as the actor and the token as the object. Unknown tokens are never
 * logged (anyone can make those up); repeated uses of one token are logged at most
 * `REFUSED_TOKEN_ENTRIES_PER_MINUTE` times a minute. Never throws: the caller answers 401 anyway.
 */
export async function logRefusedToken(deps: Deps, t: TRefusedToken): Promise<void> {
  const at = deps.clock.now();
  const { wait } = deps.rateLimiter.hit(
    `refused-token:${t.owner.tokenId}`,
    REFUSED_TOKEN_ENTRIES_PER_MINUTE,
    at.getTime(),
  );
  if (wait > 0) return;
  await deps.db
    .transaction((tx) =>
      appendAuditEntry(tx, {
        actor: t.owner,
        action: TOKEN_REFUSED_ACTION,
        objectType: 'token',
        objectId: t.owner.tokenId,
        outcome: 'refused',
        details: { reason: t.reason, method: t.method, path: t.path.slice(0, 200) },
        requestId: t.requestId ?? null,
        at,
      }),
    )
    .catch((e) => deps.logger.error('could not log a refused token', { error: String(e) }));
}
