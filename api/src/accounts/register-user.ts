import { eq } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import { checkPasswordPolicy, hashPassword } from '../auth/passwords.ts';
import { pgCode } from '../db/errors.ts';
import { orgs, users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { newId } from '../lib/ids.ts';
import { startSession, type TStartedSession } from './start-session.ts';

export type TRegistration = {
  login: string;
  name: string;
  password: string;
  institution: string;
  email?: string | undefined;
};

/**
 * Registers a researcher: an org of its own, named `<institution> · <login>` (with a suffix if an
 * org of that name exists), and a `researcher` user with the login and password, signed in at
 * once. A taken login is a 409 `CONFLICT`. Logged as `user.register` and `session.create`.
 */
export async function registerUser(
  deps: Deps,
  input: TRegistration,
  requestId: string,
): Promise<TStartedSession> {
  const at = deps.clock.now();
  checkPasswordPolicy(input.password, input.login, 'body.password');
  const passwordHash = await hashPassword(input.password);
  const taken = () => new AppError('CONFLICT', `the login "${input.login}" is taken`);
  try {
    return await deps.db.transaction(async (tx) => {
      const [holder] = await tx.select({ id: users.id }).from(users).where(eq(users.login, input.login));
      if (holder) throw taken();
      let orgName = `${input.institution} · ${input.login}`;
      const [sameName] = await tx.select({ id: orgs.id }).from(orgs).where(eq(orgs.name, orgName));
      if (sameName) orgName = `${orgName} · ${newId('r').slice(2, 8)}`;
      const orgId = newId('org');
      const userId = newId('usr');
      await tx.insert(orgs).values({ id: orgId, name: orgName, nameEn: null, createdAt: at });
      await tx.insert(users).values({
        id: userId,
        orgId,
        name: input.name,
        role: 'researcher',
        login: input.login,
        passwordHash,
        email: input.email ?? null,
        createdAt: at,
      });
      await appendAuditEntry(tx, {
        actor: { userId, orgId, role: 'researcher', tokenId: 'registration' },
        action: 'user.register',
        objectType: 'user',
        objectId: userId,
        details: { orgId, orgName, login: input.login, name: input.name, institution: input.institution },
        requestId,
        at,
      });
      return startSession(tx, userId, { requestId, at });
    });
  } catch (err) {
    if (pgCode(err) === '23505') throw taken();
    throw err;
  }
}
