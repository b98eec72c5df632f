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
 * One of the operator's runs; with `waitS`, a long poll: answers as soon as `isSettled` says the
 * run (as the operator may see it) is settled, or when the wait is over.
 */
export async function waitForRun(
  deps: Deps,
  actor: TActor,
  runId: string,
  waitS: number,
  isSettled: (run: TRunRow) => boolean,
): Promise<TRunRow> {
  const deadline = performance.now() + waitS * 1000;
  for (;;) {
    // Subscribed before reading, so a run finishing in between is not missed.
    const left = deadline - performance.now();
    const waiter = left > 0 ? deps.runEvents.waitFinished(runId, Math.min(left, 1_000)) : null;
    const [run] = await deps.db
      .select()
      .from(sandboxRuns)
      .where(and(eq(sandboxRuns.id, runId), eq(sandboxRuns.operatorOrgId, actor.orgId)));
    if (!run) {
      waiter?.cancel();
      throw notFound('run');
    }
    if (!waiter || isSettled(run)) {
      waiter?.cancel();
      return run;
    }
    await waiter.done;
  }
}
