import { and, eq } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import { mpcComputations, mpcSessions } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';

type TSettled = 'queued' | 'running';

/**
 * Reads one of the caller's org's computations or sessions; with `waitS`, a long poll that answers
 * as soon as it is no longer queued or running.
 */
export async function waitForMpc<T extends { status: string }>(
  deps: Deps,
  id: string,
  waitS: number,
  read: () => Promise<T | undefined>,
  what: string,
): Promise<T> {
  const deadline = performance.now() + waitS * 1000;
  for (;;) {
    const left = deadline - performance.now();
    const waiter = left > 0 ? deps.runEvents.waitFinished(id, Math.min(left, 1_000)) : null;
    const row = await read();
    if (!row) {
      waiter?.cancel();
      throw notFound(what);
    }
    if (!waiter || !(['queued', 'running'] as TSettled[]).includes(row.status as TSettled)) {
      waiter?.cancel();
      return row;
    }
    await waiter.done;
  }
}

export const readComputation = (deps: Deps, actor: TActor, id: string, waitS = 0) =>
  waitForMpc(
    deps,
    id,
    waitS,
    async () =>
      (
        await deps.db
          .select()
          .from(mpcComputations)
          .where(and(eq(mpcComputations.id, id), eq(mpcComputations.operatorOrgId, actor.orgId)))
      )[0],
    'computation',
  );

export const readPsiSession = (deps: Deps, actor: TActor, id: string, waitS = 0) =>
  waitForMpc(
    deps,
    id,
    waitS,
    async () =>
      (
        await deps.db
          .select()
          .from(mpcSessions)
          .where(
            and(
              eq(mpcSessions.id, id),
              eq(mpcSessions.operatorOrgId, actor.orgId),
              eq(mpcSessions.kind, 'psi'),
            ),
          )
      )[0],
    'session',
  );
