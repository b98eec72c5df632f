import { and, eq } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import { mpcComputations, mpcSessions } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { longPoll } from '../sandbox/read-runs.ts';

/** Settled: no longer queued or running. */
const isSettled = (row: { status: string }) => row.status !== 'queued' && row.status !== 'running';

/** One of the caller's org's computations; with `waitS`, a long poll until it is settled. */
export const readComputation = (deps: Deps, actor: TActor, id: string, waitS = 0) =>
  longPoll(
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
    isSettled,
    'computation',
  );

/** One of the caller's org's join sessions; with `waitS`, a long poll until its points are ready or it failed. */
export const readPsiSession = (deps: Deps, actor: TActor, id: string, waitS = 0) =>
  longPoll(
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
    isSettled,
    'session',
  );
