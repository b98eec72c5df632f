import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import type { Db } from '../db/client.ts';
import { type DEMAND_EVENT_KINDS, demandEvents, type demands } from '../db/schema/index.ts';
import { notify } from '../notifications/notify.ts';
import { chinaDay } from '../sharing/working-days.ts';

export type TDemandRow = typeof demands.$inferSelect;
/** A demand with the name of the department it is with, as the board shows it. */
export type TBoardDemand = TDemandRow & { assignedOrgName: string | null };
export type TDemandEventKind = (typeof DEMAND_EVENT_KINDS)[number];
export type TDemandCall = { actor: TActor | null; requestId: string };

/** Working days a department has to answer a demand routed to it or claimed by it. */
export const ANSWER_WORKING_DAYS = 10;

const ACTIONS: Record<TDemandEventKind, string> = {
  filed: 'demand.file',
  routed: 'demand.route',
  claimed: 'demand.claim',
  fulfilled: 'demand.answer',
  planned: 'demand.answer',
  refused: 'demand.answer',
};

/** The deadline as people read it: the last day allowed, in China. */
const dueDay = (d: TDemandRow) => (d.dueAt ? chinaDay(new Date(d.dueAt.getTime() - 1)) : '');

const SENTENCES: Record<Exclude<TDemandEventKind, 'filed'>, (d: TDemandRow, org: string) => string> = {
  routed: (d, org) => `Your demand “${d.title}” was routed to ${org}, to be answered by ${dueDay(d)}.`,
  claimed: (d, org) => `${org} took up your demand “${d.title}”, to be answered by ${dueDay(d)}.`,
  fulfilled: (d, org) =>
    `${org} answered your demand “${d.title}”: the data is published as dataset ${d.datasetId}.`,
  planned: (d, org) => `${org} answered your demand “${d.title}”: the data is planned for ${d.plannedFor}.`,
  refused: (d, org) => `${org} refused your demand “${d.title}”: ${d.reason}`,
};

/**
 * Records a change of `demand` (already written as `after`) in the caller's transaction: the public
 * history row, the audit entry (never the contact) and a notice to whoever filed it.
 */
export async function recordDemandChange(
  tx: Db,
  call: TDemandCall,
  change: {
    kind: TDemandEventKind;
    after: TDemandRow;
    org: { id: string; name: string } | null;
    details: Record<string, unknown>;
    at: Date;
  },
): Promise<void> {
  const { kind, after: d, org, at } = change;
  const isAssignment = kind === 'routed' || kind === 'claimed';
  await tx.insert(demandEvents).values({
    demandId: d.id,
    kind,
    orgId: org?.id ?? null,
    dueAt: isAssignment ? d.dueAt : null,
    datasetId: kind === 'fulfilled' ? d.datasetId : null,
    plannedFor: kind === 'planned' ? d.plannedFor : null,
    reason: kind === 'refused' ? d.reason : null,
    at,
  });
  await appendAuditEntry(tx, {
    actor: call.actor,
    action: ACTIONS[kind],
    objectType: 'demand',
    objectId: d.id,
    datasetId: kind === 'fulfilled' ? d.datasetId : null,
    details: change.details,
    requestId: call.requestId,
    at,
  });
  const to = d.filedBy ? { userId: d.filedBy } : d.followHash ? { followHash: d.followHash } : null;
  if (kind === 'filed' || !to) return;
  await notify(tx, {
    to,
    kind: `demand.${kind}`,
    objectType: 'demand',
    objectId: d.id,
    text: SENTENCES[kind](d, org?.name ?? 'A department'),
    at,
  });
}
