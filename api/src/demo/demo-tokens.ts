import { and, eq, gt, isNull, or } from 'drizzle-orm';
import { issueToken } from '../accounts/issue-token.ts';
import type { TActor } from '../auth/actor.ts';
import { hashToken } from '../auth/tokens.ts';
import { apiTokens, type TRole } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { readSecretEntries, writeSecretFile } from './write-secret-file.ts';

/** One line of `demo-tokens.json`. */
export type TDemoToken = { role: TRole; org: string; user: string; token: string };

export const DEMO_TOKEN_LABEL = 'demo';

type TDemoPerson = { userId: string; role: TRole; org: string; user: string };

/**
 * One working token per demo user. A token already in the file is kept while it still
 * authenticates its user; otherwise a new one is issued. Without a file, a user who already holds
 * a live demo token gets none (its value is unknown, and issuing more would change the database on
 * every run). The file, when given, is (re)written with mode 0600 only when its content changes.
 */
export async function ensureDemoTokens(
  deps: Deps,
  admin: TActor,
  people: readonly TDemoPerson[],
  tokenFile: string | undefined,
): Promise<{ tokens: TDemoToken[]; issued: number; isFileWritten: boolean }> {
  const known = tokenFile ? readSecretEntries<TDemoToken>(tokenFile, 'token') : [];
  const tokens: TDemoToken[] = [];
  let issued = 0;
  for (const p of people) {
    const inFile = known.find((k) => k.org === p.org && k.user === p.user);
    if (inFile && (await isLiveTokenOf(deps, inFile.token, p.userId))) {
      tokens.push({ role: p.role, org: p.org, user: p.user, token: inFile.token });
      continue;
    }
    if (!tokenFile && (await hasLiveDemoToken(deps, p.userId))) continue;
    const created = await issueToken(deps, admin, p.userId, { label: DEMO_TOKEN_LABEL });
    issued++;
    tokens.push({ role: p.role, org: p.org, user: p.user, token: created.token });
  }
  const isFileWritten = tokenFile
    ? writeSecretFile(tokenFile, `${JSON.stringify(tokens, null, 2)}\n`)
    : false;
  return { tokens, issued, isFileWritten };
}

const live = (deps: Deps) =>
  and(
    isNull(apiTokens.revokedAt),
    or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, deps.clock.now())),
  );

async function isLiveTokenOf(deps: Deps, token: string, userId: string): Promise<boolean> {
  const [row] = await deps.db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.hash, hashToken(token)), eq(apiTokens.userId, userId), live(deps)));
  return row !== undefined;
}

async function hasLiveDemoToken(deps: Deps, userId: string): Promise<boolean> {
  const [row] = await deps.db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), eq(apiTokens.label, DEMO_TOKEN_LABEL), live(deps)))
    .limit(1);
  return row !== undefined;
}
