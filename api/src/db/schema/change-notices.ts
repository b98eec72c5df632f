import { relations } from 'drizzle-orm';
import { boolean, index, pgTable, text } from 'drizzle-orm/pg-core';
import { userRef, users } from './accounts.ts';
import { tsColumn } from './columns.ts';
import { datasets } from './datasets.ts';

/**
 * A change in a published entry's duties or catalogue information (职责或目录信息发生变化),
 * recorded by its holder or the authority: the entry is due to be revised within 20 working days.
 * A revision of the entry follows every notice open on it.
 */
export const changeNotices = pgTable(
  'change_notices',
  {
    id: text('id').primaryKey(),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    what: text('what').notNull(),
    recordedBy: userRef('recorded_by'),
    recordedAt: tsColumn('recorded_at').notNull(),
    /** The end of the last working day allowed for the revision, on the official calendar. */
    dueAt: tsColumn('due_at').notNull(),
    /** False when the deadline crosses a year whose official schedule the calendar does not hold. */
    isDueOfficial: boolean('is_due_official').notNull(),
    followedAt: tsColumn('followed_at'),
    followedBy: text('followed_by').references(() => users.id),
  },
  (t) => [index('change_notices_dataset_idx').on(t.datasetId, t.recordedAt)],
);

export const changeNoticesRelations = relations(changeNotices, ({ one }) => ({
  dataset: one(datasets, { fields: [changeNotices.datasetId], references: [datasets.id] }),
}));
