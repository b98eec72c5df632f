import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { Db } from '../db/client.ts';
import { orgs, users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { newId } from '../lib/ids.ts';
import { insertPasswordLink } from './issue-password-link.ts';
import { insertToken } from './issue-token.ts';

export const AUTHORITY_ORG_NAME = '数据主管部门';
/** The first admin's login. */
export const ADMIN_LOGIN = 'admin';

/** The first admin's one-time link to set a password, and the file it was written to. */
export type TAdminPasswordLink = { url: string; expiresAt: Date; file: string | null };

export type TBootstrapResult =
  | { created: false; passwordLink: TAdminPasswordLink | null }
  | {
      created: true;
      userId: string;
      token: string;
      tokenFile: string | null;
      passwordLink: TAdminPasswordLink;
    };

/**
 * On first start, creates the data authority's org and its admin, with login `admin`. The admin's
 * token is the given one, or a new one written to `DATA_DIR/admin-token` with mode 0600; a one-time
 * link to set the admin's password is written to `DATA_DIR/admin-password-link` (0600). An admin
 * made before logins existed, without login or password, gets the login and a link the same way.
 */
export async function bootstrapAdmin(
  deps: Deps,
  opts: { token?: string | undefined; dataDir?: string | undefined },
): Promise<TBootstrapResult> {
  const at = deps.clock.now();
  const linkCall = { actor: null, requestId: null, at, publicUrl: deps.settings.publicUrl };
  const result = await deps.db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: users.id, login: users.login, passwordHash: users.passwordHash })
      .from(users)
      .where(eq(users.role, 'admin'))
      .orderBy(asc(users.createdAt), asc(users.id))
      .limit(1);
    if (existing) {
      const isUpgrade = !existing.login && !existing.passwordHash && !(await isLoginTaken(tx, ADMIN_LOGIN));
      if (!isUpgrade) return { created: false as const, link: null };
      const link = await insertPasswordLink(tx, linkCall, existing.id, { login: ADMIN_LOGIN });
      return { created: false as const, link };
    }
    const orgId = newId('org');
    const userId = newId('usr');
    await tx
      .insert(orgs)
      .values({ id: orgId, name: AUTHORITY_ORG_NAME, nameEn: 'Data Authority', createdAt: at });
    await tx
      .insert(users)
      .values({ id: userId, orgId, name: 'admin', role: 'admin', login: ADMIN_LOGIN, createdAt: at });
    await appendAuditEntry(tx, {
      actor: null,
      action: 'platform.bootstrap',
      objectType: 'user',
      objectId: userId,
      details: { orgId },
      at,
    });
    const issued = await insertToken(
      tx,
      null,
      userId,
      { label: 'bootstrap', ...(opts.token ? { token: opts.token } : {}) },
      at,
    );
    const link = await insertPasswordLink(tx, linkCall, userId, {});
    return { created: true as const, userId, token: issued.token, link };
  });
  const passwordLink = result.link && {
    url: result.link.url,
    expiresAt: result.link.expiresAt,
    file: opts.dataDir ? writeSecret(opts.dataDir, 'admin-password-link', result.link.url) : null,
  };
  if (!result.created) return { created: false, passwordLink };
  const tokenFile =
    !opts.token && opts.dataDir ? writeSecret(opts.dataDir, 'admin-token', result.token) : null;
  return {
    created: true,
    userId: result.userId,
    token: result.token,
    tokenFile,
    passwordLink: passwordLink!,
  };
}

async function isLoginTaken(tx: Db, login: string): Promise<boolean> {
  const [row] = await tx.select({ id: users.id }).from(users).where(eq(users.login, login));
  return row !== undefined;
}

function writeSecret(dataDir: string, name: string, text: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, name);
  writeFileSync(file, `${text}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
