import { and, desc, eq, inArray, isNull, type SQL } from 'drizzle-orm';
import { notifications } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import type { TRecipient } from './notify.ts';

export type TNotificationRow = typeof notifications.$inferSelect;

const addressedTo = (to: TRecipient): SQL =>
  'userId' in to ? eq(notifications.userId, to.userId) : eq(notifications.followHash, to.followHash);

/** What `to` has been told, newest first; only the unread ones with `isUnreadOnly`. */
export async function listNotifications(
  deps: Deps,
  to: TRecipient,
  q: { isUnreadOnly: boolean; limit: number },
): Promise<TNotificationRow[]> {
  return deps.db
    .select()
    .from(notifications)
    .where(and(addressedTo(to), q.isUnreadOnly ? isNull(notifications.readAt) : undefined))
    .orderBy(desc(notifications.seq))
    .limit(q.limit);
}

/**
 * Marks `to`'s notifications read: those of `ids`, or all. Ids addressed to someone else are
 * passed over as if unknown. Returns how many were newly marked.
 */
export async function markNotificationsRead(
  deps: Deps,
  to: TRecipient,
  ids: string[] | undefined,
): Promise<number> {
  const marked = await deps.db
    .update(notifications)
    .set({ readAt: deps.clock.now() })
    .where(
      and(addressedTo(to), isNull(notifications.readAt), ids ? inArray(notifications.id, ids) : undefined),
    )
    .returning({ id: notifications.id });
  return marked.length;
}
