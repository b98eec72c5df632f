import { and, desc, eq, lt, not, or, type SQL } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import type { Db } from '../db/client.ts';
import { datasets, sharingRequests } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, invalid, notFound } from '../errors.ts';
import { newId } from '../lib/ids.ts';
import { notify } from '../notifications/notify.ts';
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

type TCall = { actor: TActor; requestId: string };

/** The request for update, if the caller may see it: a party to it, or the authority; else 404. */
async function lockRequest(tx: Db, actor: TActor, id: string): Promise<TSharingRequestRow> {
  const [r] = await tx.select().from(sharingRequests).where(eq(sharingRequests.id, id)).for('update');
  const isParty = r && (r.holderOrgId === actor.orgId || r.requesterOrgId === actor.orgId);
  if (!r || (actor.role !== 'admin' && !isParty)) throw notFound('sharing request');
  return r;
}

const isOverdue = (r: TSharingRequestRow, at: Date) =>
  r.status === 'pending' && r.dueAt !== null && at > r.dueAt;

/** Granted columns: the requested ones, or fewer; never one the request did not name. */
function narrowed(r: TSharingRequestRow, columns: string[] | undefined): string[] {
  const extra = columns?.filter((c) => !r.columns.includes(c)) ?? [];
  if (extra.length > 0) {
    throw invalid([
      { path: 'body.columns', message: `may only narrow the request; not requested: ${extra.join(', ')}` },
    ]);
  }
  return columns ?? r.columns;
}

/** What the person who asked is told when the request changes for them. */
const TOLD: Record<string, (r: TSharingRequestRow) => string> = {
  'sharing.decide': (r) =>
    r.status === 'granted'
      ? `Your sharing request ${r.id} was granted for ${r.grantedColumns!.join(', ')}.`
      : `Your sharing request ${r.id} was rejected: ${r.reason}`,
  'sharing.arbitrate': (r) =>
    r.status === 'granted'
      ? `The authority granted your sharing request ${r.id} on objection: ${r.ruling}`
      : `The authority upheld the refusal of your sharing request ${r.id}: ${r.ruling}`,
  'sharing.revoke': (r) => `The grant of your sharing request ${r.id} was revoked: ${r.revokeReason}`,
};

async function updateAndLog(
  tx: Db,
  call: TCall,
  r: TSharingRequestRow,
  action: string,
  set: Partial<TSharingRequestRow>,
  details: Record<string, unknown>,
  at: Date,
): Promise<TSharingRequestRow> {
  const [row] = await tx.update(sharingRequests).set(set).where(eq(sharingRequests.id, r.id)).returning();
  const told = TOLD[action];
  if (told && row) {
    await notify(tx, {
      to: { userId: r.requestedBy },
      kind: `sharing_request.${row.status}`,
      objectType: 'sharing_request',
      objectId: r.id,
      text: told(row),
      at,
    });
  }
  await appendAuditEntry(tx, {
    actor: call.actor,
    action,
    objectType: 'sharing_request',
    objectId: r.id,
    datasetId: r.datasetId,
    details,
    requestId: call.requestId,
    at,
  });
  return row!;
}

export type TDecision =
  | { decision: 'approve'; columns?: string[] | undefined; dailyCalls?: number | undefined }
  | { decision: 'reject'; reason: string };

/**
 * The decision on a pending request: approve (optionally narrowing the columns and setting the
 * daily calls) or reject with a reason. The holding department decides; once the request is
 * overdue, the authority may decide in its place. The requester may read the request but not
 * decide it (403); any other department does not see it (404).
 */
export async function decideSharingRequest(
  deps: Deps,
  call: TCall,
  id: string,
  decision: TDecision,
): Promise<TSharingRequestRow> {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const r = await lockRequest(tx, call.actor, id);
    const isAuthority = call.actor.role === 'admin';
    if (!isAuthority && r.holderOrgId !== call.actor.orgId) {
      throw new AppError('FORBIDDEN', 'only the department that holds the dataset decides a request for it');
    }
    if (r.status !== 'pending') throw new AppError('INVALID_STATE', `the request is ${r.status}`);
    if (isAuthority && !isOverdue(r, at)) {
      throw new AppError('INVALID_STATE', 'the authority decides only once the holder is overdue');
    }
    const columns = decision.decision === 'approve' ? narrowed(r, decision.columns) : null;
    return updateAndLog(
      tx,
      call,
      r,
      'sharing.decide',
      decision.decision === 'approve'
        ? {
            status: 'granted',
            grantedColumns: columns,
            decidedBy: call.actor.userId,
            decidedAt: at,
            ...(decision.dailyCalls ? { dailyCalls: decision.dailyCalls } : {}),
          }
        : { status: 'rejected', reason: decision.reason, decidedBy: call.actor.userId, decidedAt: at },
      {
        decision: decision.decision,
        columns,
        reason: decision.decision === 'reject' ? decision.reason : null,
        overdue: r.dueAt !== null && at > r.dueAt,
        byAuthority: isAuthority,
      },
      at,
    );
  });
}

/** The authority reminds the holder of an overdue request (督办); counted and on the log. */
export async function urgeSharingRequest(
  deps: Deps,
  call: TCall,
  id: string,
  note: string,
): Promise<TSharingRequestRow> {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const r = await lockRequest(tx, call.actor, id);
    if (!isOverdue(r, at)) throw new AppError('INVALID_STATE', 'only an overdue pending request is urged');
    return updateAndLog(
      tx,
      call,
      r,
      'sharing.urge',
      { urgeCount: r.urgeCount + 1, urgedAt: at },
      { note, urgeCount: r.urgeCount + 1, dueAt: r.dueAt?.toISOString() },
      at,
    );
  });
}

/** The requester objects once to the refusal of a `none` dataset; the authority then arbitrates. */
export async function objectToRefusal(
  deps: Deps,
  call: TCall,
  id: string,
  objection: string,
): Promise<TSharingRequestRow> {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const r = await lockRequest(tx, call.actor, id);
    if (r.requesterOrgId !== call.actor.orgId) {
      throw new AppError('FORBIDDEN', 'only the requesting department objects to a refusal');
    }
    if (r.status !== 'refused')
      throw new AppError('INVALID_STATE', `the request is ${r.status}, not refused`);
    if (r.objectedAt !== null)
      throw new AppError('INVALID_STATE', 'the authority has already ruled on an objection');
    return updateAndLog(
      tx,
      call,
      r,
      'sharing.object',
      { status: 'objected', objection, objectedAt: at },
      { objection },
      at,
    );
  });
}

export type TRuling =
  | { ruling: 'grant'; reason: string; columns?: string[] | undefined; dailyCalls?: number | undefined }
  | { ruling: 'uphold'; reason: string };

/** The authority's arbitration of an objection: grant (the columns it names) or uphold the refusal, for good. */
export async function ruleOnObjection(
  deps: Deps,
  call: TCall,
  id: string,
  ruling: TRuling,
): Promise<TSharingRequestRow> {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const r = await lockRequest(tx, call.actor, id);
    if (r.status !== 'objected')
      throw new AppError('INVALID_STATE', `the request is ${r.status}, not objected`);
    const columns = ruling.ruling === 'grant' ? narrowed(r, ruling.columns) : null;
    const ruled = { ruling: ruling.reason, ruledBy: call.actor.userId, ruledAt: at };
    return updateAndLog(
      tx,
      call,
      r,
      'sharing.arbitrate',
      ruling.ruling === 'grant'
        ? {
            ...ruled,
            status: 'granted',
            grantedColumns: columns,
            decidedBy: call.actor.userId,
            decidedAt: at,
            ...(ruling.dailyCalls ? { dailyCalls: ruling.dailyCalls } : {}),
          }
        : { ...ruled, status: 'refused' },
      { ruling: ruling.ruling, reason: ruling.reason, columns },
      at,
    );
  });
}

/** The holder or the authority withdraws a grant; its systems' next call is refused. */
export async function revokeGrant(
  deps: Deps,
  call: TCall,
  id: string,
  reason: string,
): Promise<TSharingRequestRow> {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const r = await lockRequest(tx, call.actor, id);
    if (call.actor.role !== 'admin' && r.holderOrgId !== call.actor.orgId) {
      throw new AppError('FORBIDDEN', 'only the holding department or the authority revokes a grant');
    }
    if (r.status !== 'granted')
      throw new AppError('INVALID_STATE', `the request is ${r.status}, not granted`);
    return updateAndLog(
      tx,
      call,
      r,
      'sharing.revoke',
      { status: 'revoked', revokedBy: call.actor.userId, revokedAt: at, revokeReason: reason },
      { reason },
      at,
    );
  });
}

/** Requests a department made or received (`side`), or every request for the admin and regulators; newest first. */
export async function listSharingRequests(
  deps: Deps,
  actor: TActor,
  q: {
    side?: 'incoming' | 'outgoing' | undefined;
    status?: TSharingRequestRow['status'] | undefined;
    /** Pending past the deadline: the authority's escalation queue. */
    overdue?: boolean | undefined;
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
  if (q.overdue !== undefined) {
    const overdue = and(eq(sharingRequests.status, 'pending'), lt(sharingRequests.dueAt, deps.clock.now()))!;
    where.push(q.overdue ? overdue : not(overdue));
  }
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
