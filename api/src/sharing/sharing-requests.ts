import { and, desc, eq, or, type SQL } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { datasets, sharingRequests } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, invalid, notFound } from '../errors.ts';
import { newId } from '../lib/ids.ts';
import { addWorkingDays } from './working-days.ts';

/** Working days the holding department has to decide a conditional request. */
export const DECISION_WORKING_DAYS = 10;

export type TSharingRequestInput = {
  dataset: string;
  columns: string[];
  duty: string;
  purpose: string;
  systems: string[];
  term: { notBefore: string; notAfter: string };
};

export type TSharingRequestRow = typeof sharingRequests.$inferSelect;

/**
 * A department's request for another department's published dataset. By the dataset's sharing
 * attribute: `unconditional` is granted at once; `conditional` waits for the holder, due in
 * {@link DECISION_WORKING_DAYS} working days; `none` is refused with the dataset's basis (kept,
 * so that an objection can name it). Every outcome is on the log.
 */
export async function requestSharing(
  deps: Deps,
  call: { actor: TActor; requestId: string },
  input: TSharingRequestInput,
): Promise<TSharingRequestRow> {
  const at = deps.clock.now();
  const notBefore = new Date(input.term.notBefore);
  const notAfter = new Date(input.term.notAfter);
  if (notAfter <= notBefore || notAfter <= at) {
    throw invalid([{ path: 'body.term.notAfter', message: 'must be after notBefore and in the future' }]);
  }
  return deps.db.transaction(async (tx) => {
    const [ds] = await tx.select().from(datasets).where(eq(datasets.id, input.dataset));
    if (ds?.status !== 'published') throw notFound('dataset');
    if (ds.providerOrgId === call.actor.orgId) {
      throw invalid([{ path: 'body.dataset', message: 'a department does not request its own dataset' }]);
    }
    const names = new Set(ds.columns.map((c) => c.name));
    const unknown = input.columns.filter((c) => !names.has(c));
    if (unknown.length > 0) {
      throw invalid([{ path: 'body.columns', message: `not columns of the dataset: ${unknown.join(', ')}` }]);
    }
    const due = ds.sharing === 'conditional' ? addWorkingDays(at, DECISION_WORKING_DAYS) : null;
    const outcome =
      ds.sharing === 'unconditional'
        ? { status: 'granted' as const, grantedColumns: input.columns, decidedAt: at }
        : ds.sharing === 'none'
          ? { status: 'refused' as const, reason: ds.sharingBasis, decidedAt: at }
          : { status: 'pending' as const, dueAt: due!.due, isDueOfficial: due!.isOfficial };
    const id = newId('sr');
    const [row] = await tx
      .insert(sharingRequests)
      .values({
        id,
        datasetId: ds.id,
        holderOrgId: ds.providerOrgId,
        requesterOrgId: call.actor.orgId,
        requestedBy: call.actor.userId,
        columns: [...new Set(input.columns)],
        duty: input.duty,
        purpose: input.purpose,
        systems: input.systems,
        notBefore,
        notAfter,
        createdAt: at,
        ...outcome,
      })
      .returning();
    await appendAuditEntry(tx, {
      actor: call.actor,
      action: 'sharing.request',
      objectType: 'sharing_request',
      objectId: id,
      datasetId: ds.id,
      outcome: outcome.status === 'refused' ? 'refused' : 'success',
      details: {
        sharing: ds.sharing,
        status: outcome.status,
        columns: row!.columns,
        duty: input.duty,
        systems: input.systems,
        dueAt: due?.due.toISOString() ?? null,
      },
      requestId: call.requestId,
      at,
    });
    return row!;
  });
}

/**
 * The holding department's decision on a pending request: approve (optionally narrowing the
 * columns) or reject with a reason. The requester may read the request but not decide it (403);
 * any other department does not see it (404).
 */
export async function decideSharingRequest(
  deps: Deps,
  call: { actor: TActor; requestId: string },
  id: string,
  decision: { decision: 'approve'; columns?: string[] | undefined } | { decision: 'reject'; reason: string },
): Promise<TSharingRequestRow> {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [r] = await tx.select().from(sharingRequests).where(eq(sharingRequests.id, id)).for('update');
    if (!r || (r.holderOrgId !== call.actor.orgId && r.requesterOrgId !== call.actor.orgId)) {
      throw notFound('sharing request');
    }
    if (r.holderOrgId !== call.actor.orgId) {
      throw new AppError('FORBIDDEN', 'only the department that holds the dataset decides a request for it');
    }
    if (r.status !== 'pending') throw new AppError('INVALID_STATE', `the request is ${r.status}`);
    const columns = decision.decision === 'approve' ? (decision.columns ?? r.columns) : null;
    const extra = columns?.filter((c) => !r.columns.includes(c)) ?? [];
    if (extra.length > 0) {
      throw invalid([
        { path: 'body.columns', message: `may only narrow the request; not requested: ${extra.join(', ')}` },
      ]);
    }
    const [row] = await tx
      .update(sharingRequests)
      .set(
        decision.decision === 'approve'
          ? { status: 'granted', grantedColumns: columns, decidedBy: call.actor.userId, decidedAt: at }
          : { status: 'rejected', reason: decision.reason, decidedBy: call.actor.userId, decidedAt: at },
      )
      .where(eq(sharingRequests.id, id))
      .returning();
    await appendAuditEntry(tx, {
      actor: call.actor,
      action: 'sharing.decide',
      objectType: 'sharing_request',
      objectId: id,
      datasetId: r.datasetId,
      details: {
        decision: decision.decision,
        columns,
        reason: decision.decision === 'reject' ? decision.reason : null,
        overdue: r.dueAt !== null && at > r.dueAt,
      },
      requestId: call.requestId,
      at,
    });
    return row!;
  });
}

/** Requests a department made or received (`side`), or every request for the admin and regulators; newest first. */
export async function listSharingRequests(
  deps: Deps,
  actor: TActor,
  q: {
    side?: 'incoming' | 'outgoing' | undefined;
    status?: TSharingRequestRow['status'] | undefined;
    limit: number;
  },
): Promise<TSharingRequestRow[]> {
  const where: SQL[] = [];
  if (actor.role === 'provider') {
    const incoming = eq(sharingRequests.holderOrgId, actor.orgId);
    const outgoing = eq(sharingRequests.requesterOrgId, actor.orgId);
    where.push(q.side === 'incoming' ? incoming : q.side === 'outgoing' ? outgoing : or(incoming, outgoing)!);
  }
  if (q.status) where.push(eq(sharingRequests.status, q.status));
  return deps.db
    .select()
    .from(sharingRequests)
    .where(and(...where))
    .orderBy(desc(sharingRequests.createdAt), desc(sharingRequests.id))
    .limit(q.limit);
}

/** One request, if the caller's department holds or asked for it (the admin and regulators see all). */
export async function getSharingRequest(deps: Deps, actor: TActor, id: string): Promise<TSharingRequestRow> {
  const [r] = await deps.db.select().from(sharingRequests).where(eq(sharingRequests.id, id));
  const isParty = r && (r.holderOrgId === actor.orgId || r.requesterOrgId === actor.orgId);
  if (!r || (actor.role === 'provider' && !isParty)) throw notFound('sharing request');
  return r;
}
