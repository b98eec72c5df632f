import { relations } from 'drizzle-orm';
import { index, integer, pgTable, text } from 'drizzle-orm/pg-core';
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
    /** The sign-in name, lower-case (`LOGIN_PATTERN`); null for a user who signs in with tokens only. */
    login: text('login').unique(),
    /** `scrypt$15$8$1$<salt>$<hash>` (see `auth/passwords.ts`); null until a password is set. */
    passwordHash: text('password_hash'),
    /** Given at self-registration; shown only to the admin. */
    email: text('email'),
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

/** A signed-in browser: the cookie's secret is never stored, only its SHA-256. */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    /** SHA-256 of the cookie's secret, hex. The CSRF token is derived from the secret, so not stored. */
    hash: text('hash').notNull().unique(),
    createdAt: createdAt(),
    /** The absolute end, 12 h after sign-in. */
    expiresAt: tsColumn('expires_at').notNull(),
    /** Last request, kept to the minute; the session ends after a spell without one. */
    lastSeenAt: tsColumn('last_seen_at').notNull(),
    revokedAt: tsColumn('revoked_at'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/** One-time links an admin hands a user to set a password. */
export const passwordLinks = pgTable(
  'password_links',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    /** SHA-256 of the link's token, hex. */
    hash: text('hash').notNull().unique(),
    /** The admin who issued it; null for the first admin's link, made on first start. */
    createdBy: text('created_by').references(() => users.id),
    createdAt: createdAt(),
    expiresAt: tsColumn('expires_at').notNull(),
    usedAt: tsColumn('used_at'),
  },
  (t) => [index('password_links_user_idx').on(t.userId)],
);

/**
 * Failed sign-ins per login, known or not (so a lock-out does not tell which logins exist): a
 * count within a window, and the end of a lock-out once the count reached the limit.
 */
export const signInFailures = pgTable('sign_in_failures', {
  login: text('login').primaryKey(),
  count: integer('count').notNull(),
  windowStart: tsColumn('window_start').notNull(),
  lockedUntil: tsColumn('locked_until'),
});

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
