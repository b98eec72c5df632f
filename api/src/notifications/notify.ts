import type { Db } from '../db/client.ts';
import { notifications } from '../db/schema/index.ts';
import { newId } from '../lib/ids.ts';

/** Who is told: a user, or whoever holds the follow token whose hash this is. */
export type TRecipient = { userId: string } | { followHash: string };

export type TNotice = {
  to: TRecipient;
  /** What happened, `<object>.<change>`, e.g. `demand.routed`; clients may word it by kind. */
  kind: string;
  objectType: string;
  objectId: string;
  /** One sentence for a person, without anyone's contact details. */
  text: string;
  at: Date;
};

/**
 * Tells someone that something they filed has changed. Call it in the transaction of the change,
 * so the notice exists exactly when the change does.
 *
 * @example
 * await notify(tx, { to: { userId }, kind: 'demand.routed', objectType: 'demand', objectId: id, text: 'Routed to …', at });
 */
export async function notify(tx: Db, notice: TNotice): Promise<void> {
  await tx.insert(notifications).values({
    id: newId('nt'),
    userId: 'userId' in notice.to ? notice.to.userId : null,
    followHash: 'followHash' in notice.to ? notice.to.followHash : null,
    kind: notice.kind,
    objectType: notice.objectType,
    objectId: notice.objectId,
    text: notice.text,
    createdAt: notice.at,
  });
}
