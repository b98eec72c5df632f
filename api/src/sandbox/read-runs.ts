import { and, desc, eq } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import { sandboxRuns, sandboxSessions } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';

export type TRunRow = typeof sandboxRuns.$inferSelect;

/** The runs of one of the operator's sessions, newest first, at most 200. */
export async function listSessionRuns(deps: Deps, actor: TActor, sessionId: string): Promise<TRunRow[]> {
  const [session] = await deps.db.select().from(sandboxSessions).where(eq(sandboxSessions.id, sessionId));
  if (!session || session.operatorOrgId !== actor.orgId) throw notFound('session');
  return deps.db
    .select()
    .from(sandboxRuns)
    .where(eq(sandboxRuns.sessionId, sessionId))
    .orderBy(desc(sandboxRuns.createdAt))
    .limit(200);
}

/**
 * A long poll on an object that workers finish (a run, a joint computation): reads it with `read`
 * and answers as soon as `isSettled` says so, or when `waitS` is over; 404 naming `what` if `read`
 * finds nothing for this caller.
 */
export async function longPoll<T>(
  deps: Deps,
  id: string,
  waitS: number,
  read: () => Promise<T | undefined>,
  isSettled: (row: T) => boolean,
  what: string,
): Promise<T> {
  const deadline = performance.now() + waitS * 1000;
  for (;;) {
    // Subscribed before reading, so an object finishing in between is not missed.
    const left = deadline - performance.now();
    const waiter = left > 0 ? deps.runEvents.waitFinished(id, Math.min(left, 1_000)) : null;
    const row = await read();
    if (!row) {
      waiter?.cancel();
      throw notFound(what);
    }
    if (!waiter || isSettled(row)) {
      waiter?.cancel();
      return row;
    }
    await waiter.done;
  }
}

/** One of the operator's runs; with `waitS`, a long poll until `isSettled` says the run (as the operator may see it) is settled. */
export const waitForRun = (
  deps: Deps,
  actor: TActor,
  runId: string,
  waitS: number,
  isSettled: (run: TRunRow) => boolean,
): Promise<TRunRow> =>
  longPoll(
    deps,
    runId,
    waitS,
    async () =>
      (
        await deps.db
          .select()
          .from(sandboxRuns)
          .where(and(eq(sandboxRuns.id, runId), eq(sandboxRuns.operatorOrgId, actor.orgId)))
      )[0],
    isSettled,
    'run',
  );
