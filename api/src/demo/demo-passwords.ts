import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { issuePasswordLink } from '../accounts/issue-password-link.ts';
import { setPasswordFromLink } from '../accounts/set-password.ts';
import type { TActor } from '../auth/actor.ts';
import { verifyPassword } from '../auth/passwords.ts';
import { type TRole, users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { readSecretEntries, writeSecretFile } from './write-secret-file.ts';

/** One line of `demo-passwords.json`. */
export type TDemoPassword = { role: TRole; org: string; user: string; login: string; password: string };

type TDemoPerson = { userId: string; role: TRole; org: string; user: string; login: string };

/**
 * A login and a working password for each demo user, set as people would: the admin issues a
 * one-time link (giving the login) and the user sets a password with it. A password already in the
 * file is kept while it still signs its user in. Without a file, a user who has a password keeps
 * it and is left out. The file, when given, is (re)written with mode 0600 only when it changes.
 */
export async function ensureDemoPasswords(
  deps: Deps,
  admin: TActor,
  people: readonly TDemoPerson[],
  passwordFile: string | undefined,
): Promise<{ passwords: TDemoPassword[]; set: number; isFileWritten: boolean }> {
  const known = passwordFile ? readSecretEntries<TDemoPassword>(passwordFile, 'password') : [];
  const passwords: TDemoPassword[] = [];
  let set = 0;
  for (const p of people) {
    const [row] = await deps.db
      .select({ login: users.login, passwordHash: users.passwordHash })
      .from(users)
      .where(eq(users.id, p.userId));
    const inFile = known.find((k) => k.org === p.org && k.user === p.user);
    const login = row?.login ?? p.login;
    const entry = { role: p.role, org: p.org, user: p.user, login };
    if (inFile && row?.login && (await verifyPassword(inFile.password, row.passwordHash))) {
      passwords.push({ ...entry, password: inFile.password });
      continue;
    }
    if (!passwordFile && row?.passwordHash) continue;
    const call = { actor: admin, requestId: 'demo-seed' };
    const link = await issuePasswordLink(deps, call, p.userId, row?.login ? {} : { login });
    const password = randomBytes(12).toString('base64url');
    await setPasswordFromLink(deps, { token: link.token, password }, 'demo-seed');
    set++;
    passwords.push({ ...entry, password });
  }
  const isFileWritten = passwordFile
    ? writeSecretFile(passwordFile, `${JSON.stringify(passwords, null, 2)}\n`)
    : false;
  return { passwords, set, isFileWritten };
}
