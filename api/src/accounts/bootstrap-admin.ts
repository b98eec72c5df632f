import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import { orgs, users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { newId } from '../lib/ids.ts';
import { insertToken } from './issue-token.ts';

export const AUTHORITY_ORG_NAME = '数据主管部门';

export type TBootstrapResult =
  | { created: false }
  | { created: true; userId: string; token: string; tokenFile: string | null };

/**
 * On first start, creates the data authority's org and its admin. The admin's token is the given
 * one, or a new one written to `DATA_DIR/admin-token` with mode 0600.
 */
export async function bootstrapAdmin(
  deps: Deps,
  opts: { token?: string | undefined; dataDir?: string | undefined },
): Promise<TBootstrapResult> {
  const at = deps.clock.now();
  const result = await deps.db.transaction(async (tx) => {
    const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).limit(1);
    if (existing) return null;
    const orgId = newId('org');
    const userId = newId('usr');
    await tx
      .insert(orgs)
      .values({ id: orgId, name: AUTHORITY_ORG_NAME, nameEn: 'Data Authority', createdAt: at });
    await tx.insert(users).values({ id: userId, orgId, name: 'admin', role: 'admin', createdAt: at });
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
    return { userId, token: issued.token };
  });
  if (!result) return { created: false };
  let tokenFile: string | null = null;
  if (!opts.token && opts.dataDir) {
    mkdirSync(opts.dataDir, { recursive: true });
    tokenFile = join(opts.dataDir, 'admin-token');
    writeFileSync(tokenFile, `${result.token}\n`, { mode: 0o600 });
    chmodSync(tokenFile, 0o600);
  }
  return { created: true, ...result, tokenFile };
}
