import { sql } from 'drizzle-orm';
import { bigint, check, index, pgTable, text } from 'drizzle-orm/pg-core';
import { users } from './accounts.ts';
import { createdAt, tsColumn } from './columns.ts';

/**
 * What a person is told about something they filed: addressed to a user, or to the holder of a
 * follow token (an anonymous filer; only the token's hash is kept). Read in the API; not mailed.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: text('id').primaryKey(),
    /** The order they were made in, newest last, even within one instant. */
    seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    userId: text('user_id').references(() => users.id),
    /** SHA-256 of the follow token an anonymous filer was given once. */
    followHash: text('follow_hash'),
    /** What happened, e.g. `demand.routed`. */
    kind: text('kind').notNull(),
    objectType: text('object_type').notNull(),
    objectId: text('object_id').notNull(),
    text: text('text').notNull(),
    createdAt: createdAt(),
    readAt: tsColumn('read_at'),
  },
  (t) => [
    check('notifications_one_recipient', sql`(${t.userId} is null) <> (${t.followHash} is null)`),
    index('notifications_user_idx').on(t.userId, t.seq),
    index('notifications_follow_idx').on(t.followHash, t.seq),
  ],
);
