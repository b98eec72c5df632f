import { relations } from 'drizzle-orm';
import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, tsColumn } from './columns.ts';

export const ROLES = ['admin', 'provider', 'operator', 'researcher', 'regulator'] as const;
export type TRole = (typeof ROLES)[number];

export const orgs = pgTable('orgs', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  nameEn: text('name_en'),
  createdAt: createdAt(),
});

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => orgs.id),
    name: text('name').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    createdAt: createdAt(),
    disabledAt: tsColumn('disabled_at'),
  },
  (t) => [index('users_org_idx').on(t.orgId)],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    /** SHA-256 of the token, hex; the token itself is never stored. */
    hash: text('hash').notNull().unique(),
    label: text('label').notNull(),
    createdAt: createdAt(),
    expiresAt: tsColumn('expires_at'),
    revokedAt: tsColumn('revoked_at'),
    lastUsedAt: tsColumn('last_used_at'),
  },
  (t) => [index('api_tokens_user_idx').on(t.userId)],
);

export const orgsRelations = relations(orgs, ({ many }) => ({ users: many(users) }));
export const usersRelations = relations(users, ({ one, many }) => ({
  org: one(orgs, { fields: [users.orgId], references: [orgs.id] }),
  tokens: many(apiTokens),
}));
export const apiTokensRelations = relations(apiTokens, ({ one }) => ({
  user: one(users, { fields: [apiTokens.userId], references: [users.id] }),
}));

/** A required reference to an org, and to a user: the columns most tables share. */
export const orgRef = (name: string) =>
  text(name)
    .notNull()
    .references(() => orgs.id);
export const userRef = (name: string) =>
  text(name)
    .notNull()
    .references(() => users.id);
