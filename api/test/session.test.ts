import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, orgs, sessions, users } from '../src/db/schema/index.ts';
import { cookieOf, PASSWORD, signIn, userWithPassword } from './helpers/sessions.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let now = new Date('2031-03-01T08:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock: { now: () => now } });
});
afterAll(() => t.close());

const actions = async (action: string) =>
  (await t.deps.db.select().from(auditEntries).where(eq(auditEntries.action, action))).length;

describe('signing in', () => {
  it('opens a session with an HttpOnly, SameSite=Strict cookie and answers the user and a CSRF token', async () => {
    const u = await userWithPassword(t, 'provider');
    const before = await actions('session.create');
    const res = await t.req('POST', '/v1/session', {
      json: { login: u.login.toUpperCase(), password: PASSWORD },
    });
    expect(res.status).toBe(200);
    expect(res.json.user).toMatchObject({ id: u.userId, orgId: u.orgId, login: u.login, role: 'provider' });
    expect(typeof res.json.user.orgName).toBe('string');
    expect(res.json.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^enclave_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).toContain('Max-Age=43200');
    expect(cookie).not.toContain('Secure');
    expect(await actions('session.create')).toBe(before + 1);
    // Only the hash of the secret is stored.
    const secret = cookieOf(res.headers)!;
    const rows = await t.deps.db.select().from(sessions).where(eq(sessions.userId, u.userId));
    expect(JSON.stringify(rows)).not.toContain(secret);
    const stored = await t.deps.db.select().from(users).where(eq(users.id, u.userId));
    expect(stored[0]!.passwordHash).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
  });

  it('marks the cookie Secure when the public address is https', async () => {
    const https = await createTestApp({ env: { ENCLAVE_PUBLIC_URL: 'https://data.example.cn' } });
    try {
      const u = await userWithPassword(https, 'researcher');
      const res = await https.req('POST', '/v1/session', { json: { login: u.login, password: PASSWORD } });
      expect(res.headers.get('set-cookie')).toContain('Secure');
    } finally {
      await https.close();
    }
  });

  it('answers a wrong password and an unknown login alike, and logs neither password', async () => {
    const u = await userWithPassword(t, 'operator');
    const wrong = await t.req('POST', '/v1/session', {
      json: { login: u.login, password: 'not the password' },
    });
    const unknown = await t.req('POST', '/v1/session', {
      json: { login: 'nobody.here', password: PASSWORD },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json.code).toBe('INVALID_CREDENTIALS');
    expect(unknown.json.code).toBe('INVALID_CREDENTIALS');
    expect(wrong.json.detail).toBe(unknown.json.detail);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const all = JSON.stringify(await t.deps.db.select().from(auditEntries));
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain('not the password');
  });

  it('locks a login after 5 failures in 15 minutes, the right password included, and lets it go after 15 minutes', async () => {
    const u = await userWithPassword(t, 'researcher');
    const attempt = (password: string) =>
      t.req('POST', '/v1/session', { json: { login: u.login, password } });
    for (let i = 0; i < 4; i++) expect((await attempt('wrong password')).status).toBe(401);
    const fifth = await attempt('wrong password');
    expect(fifth.status).toBe(429);
    expect(fifth.json.code).toBe('ACCOUNT_LOCKED');
    expect(Number(fifth.headers.get('retry-after'))).toBe(900);
    now = new Date(now.getTime() + 60_000);
    const right = await attempt(PASSWORD);
    expect(right.status).toBe(429);
    expect(right.json.code).toBe('ACCOUNT_LOCKED');
    expect(Number(right.headers.get('retry-after'))).toBe(840);
    const refused = await t.deps.db
      .select()
      .from(auditEntries)
      .where(eq(auditEntries.action, 'session.refused'));
    expect(refused.some((e) => e.objectId === u.userId && e.outcome === 'refused')).toBe(true);
    now = new Date(now.getTime() + 14 * 60_000);
    expect((await attempt(PASSWORD)).status).toBe(200);
  });

  it('locks unknown logins the same way, so a lock-out tells nothing about which logins exist', async () => {
    const attempt = () =>
      t.req('POST', '/v1/session', { json: { login: 'ghost.login', password: 'whatever12' } });
    for (let i = 0; i < 4; i++) expect((await attempt()).status).toBe(401);
    expect((await attempt()).json.code).toBe('ACCOUNT_LOCKED');
  });

  it('forgets failures after a success and after 15 minutes', async () => {
    const u = await userWithPassword(t, 'researcher');
    const attempt = (password: string) =>
      t.req('POST', '/v1/session', { json: { login: u.login, password } });
    for (let i = 0; i < 4; i++) await attempt('wrong password');
    expect((await attempt(PASSWORD)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await attempt('wrong password')).status).toBe(401);
    now = new Date(now.getTime() + 16 * 60_000);
    expect((await attempt('wrong password')).status).toBe(401);
  });

  it('refuses a disabled user, and a disabled user’s session stops working', async () => {
    const u = await userWithPassword(t, 'provider');
    const s = await signIn(t, u.login, PASSWORD);
    expect((await t.req('GET', '/v1/session', { headers: { cookie: s.cookie } })).status).toBe(200);
    await t.deps.db.update(users).set({ disabledAt: now }).where(eq(users.id, u.userId));
    expect((await t.req('GET', '/v1/session', { headers: { cookie: s.cookie } })).status).toBe(401);
    const again = await t.req('POST', '/v1/session', { json: { login: u.login, password: PASSWORD } });
    expect(again.status).toBe(401);
    expect(again.json.code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses a sign-in from another site', async () => {
    const u = await userWithPassword(t, 'provider');
    const res = await t.req('POST', '/v1/session', {
      json: { login: u.login, password: PASSWORD },
      headers: { origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    expect(res.json.code).toBe('CSRF_REJECTED');
    const same = await t.req('POST', '/v1/session', {
      json: { login: u.login, password: PASSWORD },
      headers: { origin: 'http://localhost' },
    });
    expect(same.status).toBe(200);
  });
});

describe('a session', () => {
  it('answers GET /v1/session with the user and the same CSRF token; 401 without a session', async () => {
    const u = await userWithPassword(t, 'regulator');
    const s = await signIn(t, u.login, PASSWORD);
    const res = await t.req('GET', '/v1/session', { headers: { cookie: s.cookie } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ user: s.user, csrfToken: s.csrf });
    expect((await t.req('GET', '/v1/session')).status).toBe(401);
    const stale = await t.req('GET', '/v1/session', { headers: { cookie: 'enclave_session=made-up' } });
    expect(stale.status).toBe(401);
    // A stale cookie does not break public pages.
    expect(
      (await t.req('GET', '/v1/datasets', { headers: { cookie: 'enclave_session=made-up' } })).status,
    ).toBe(200);
  });

  it('refuses a cookie-authenticated write without the CSRF token, with a wrong one or from another site, and writes nothing', async () => {
    const u = await userWithPassword(t, 'researcher');
    const s = await signIn(t, u.login, PASSWORD);
    const countTokens = async () =>
      (await t.req('GET', '/v1/me/tokens', { headers: { cookie: s.cookie } })).json.page.total as number;
    const before = await countTokens();
    const post = (headers: Record<string, string>) =>
      t.req('POST', '/v1/me/tokens', { json: { label: 'x' }, headers: { cookie: s.cookie, ...headers } });
    const attempts: Record<string, string>[] = [
      {},
      { 'x-csrf-token': 'wrong' },
      { 'x-csrf-token': `${s.csrf.slice(0, -1)}${s.csrf.endsWith('A') ? 'B' : 'A'}` },
      { 'x-csrf-token': s.csrf, origin: 'https://evil.example' },
    ];
    for (const headers of attempts) {
      const res = await post(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.json.code).toBe('CSRF_REJECTED');
    }
    expect(await countTokens()).toBe(before);
    const ok = await post({ 'x-csrf-token': s.csrf, origin: 'http://localhost' });
    expect(ok.status).toBe(201);
    expect(await countTokens()).toBe(before + 1);
  });

  it('lets bearer tokens work as before, with no CSRF token', async () => {
    const u = await userWithPassword(t, 'researcher');
    const res = await t.req('POST', '/v1/me/tokens', { token: u.token, json: { label: 'cli' } });
    expect(res.status).toBe(201);
    const session = await t.req('GET', '/v1/session', { token: u.token });
    expect(session.status).toBe(200);
    expect(session.json.csrfToken).toBeNull();
  });

  it('refuses a write with an ended session as 401, not as anonymous', async () => {
    const res = await t.req('POST', '/v1/demands', {
      headers: { cookie: 'enclave_session=ended-or-made-up' },
      json: { title: '数据', purpose: '研究', contact: 'a@example.cn' },
    });
    expect(res.status).toBe(401);
  });

  it('signs out: the session is revoked and the cookie cleared', async () => {
    const u = await userWithPassword(t, 'provider');
    const s = await signIn(t, u.login, PASSWORD);
    const refused = await t.req('DELETE', '/v1/session', { headers: { cookie: s.cookie } });
    expect(refused.status).toBe(403);
    const out = await t.req('DELETE', '/v1/session', {
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/enclave_session=;.*Max-Age=0/);
    expect((await t.req('GET', '/v1/session', { headers: { cookie: s.cookie } })).status).toBe(401);
    expect((await t.req('GET', '/v1/me', { headers: { cookie: s.cookie } })).status).toBe(401);
    // Signing out again with the dead cookie just clears it.
    expect((await t.req('DELETE', '/v1/session', { headers: { cookie: s.cookie } })).status).toBe(204);
    expect(await actions('session.revoke')).toBeGreaterThan(0);
  });

  it('ends after 2 idle hours and after 12 hours in all, and records use at most once a minute', async () => {
    const u = await userWithPassword(t, 'provider');
    const s = await signIn(t, u.login, PASSWORD);
    const get = () => t.req('GET', '/v1/session', { headers: { cookie: s.cookie } });
    const seen = async () =>
      (await t.deps.db.select().from(sessions).where(eq(sessions.userId, u.userId)))[0]!.lastSeenAt.getTime();
    const start = now.getTime();
    now = new Date(start + 30_000);
    await get();
    expect(await seen()).toBe(start);
    for (let h = 1; h <= 11; h++) {
      now = new Date(start + h * 3_600_000);
      expect((await get()).status, `hour ${h}`).toBe(200);
    }
    expect(await seen()).toBe(start + 11 * 3_600_000);
    now = new Date(start + 12 * 3_600_000);
    expect((await get()).status).toBe(401);
    const idle = await signIn(t, u.login, PASSWORD);
    now = new Date(now.getTime() + 2 * 3_600_000);
    expect((await t.req('GET', '/v1/session', { headers: { cookie: idle.cookie } })).status).toBe(401);
  });
});

describe('password links', () => {
  it('sets a password once; a used, superseded or expired link is LINK_INVALID', async () => {
    const u = await t.user('provider');
    const issue = (json: object = {}) =>
      t.req('POST', `/v1/users/${u.userId}/password-links`, { token: t.adminToken, json });
    const noLogin = await issue();
    expect(noLogin.status).toBe(400);
    expect(noLogin.json.errors[0].path).toBe('body.login');
    const first = await issue({ login: 'Liu.Fang' });
    expect(first.status).toBe(201);
    expect(first.json.login).toBe('liu.fang');
    expect(first.json.url).toBe(`${t.deps.settings.publicUrl}/password?token=${first.json.token}`);
    expect(Date.parse(first.json.expiresAt) - now.getTime()).toBe(72 * 3_600_000);
    const second = await issue();
    expect(second.status).toBe(201);
    const set = (token: string, password: string) =>
      t.req('POST', '/v1/password', { json: { token, password } });
    const superseded = await set(first.json.token, 'a good long password');
    expect(superseded.status).toBe(410);
    expect(superseded.json.code).toBe('LINK_INVALID');
    const short = await set(second.json.token, 'short');
    expect(short.status).toBe(400);
    expect(short.json.errors[0].path).toBe('body.password');
    const withLogin = await set(second.json.token, 'my login is LIU.FANG!');
    expect(withLogin.status).toBe(400);
    expect(withLogin.json.detail).toContain('body.password');
    const ok = await set(second.json.token, 'a good long password');
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ login: 'liu.fang' });
    expect((await set(second.json.token, 'another long password')).json.code).toBe('LINK_INVALID');
    expect((await signIn(t, 'liu.fang', 'a good long password')).user.id).toBe(u.userId);
    expect(await actions('password.set')).toBeGreaterThan(0);
    expect(await actions('password-link.issue')).toBeGreaterThan(0);

    const late = await issue();
    now = new Date(now.getTime() + 72 * 3_600_000);
    expect((await set(late.json.token, 'a good long password')).json.code).toBe('LINK_INVALID');
    expect((await set('made-up-token', 'a good long password')).json.code).toBe('LINK_INVALID');
  });

  it('ends the user’s sessions and lifts a lock-out', async () => {
    const u = await userWithPassword(t, 'operator');
    const s = await signIn(t, u.login, PASSWORD);
    for (let i = 0; i < 5; i++)
      await t.req('POST', '/v1/session', { json: { login: u.login, password: 'wrong pass' } });
    const link = await t.req('POST', `/v1/users/${u.userId}/password-links`, {
      token: t.adminToken,
      json: {},
    });
    expect(
      (
        await t.req('POST', '/v1/password', {
          json: { token: link.json.token, password: 'a new long password' },
        })
      ).status,
    ).toBe(200);
    expect((await t.req('GET', '/v1/session', { headers: { cookie: s.cookie } })).status).toBe(401);
    expect((await signIn(t, u.login, 'a new long password')).user.id).toBe(u.userId);
  });

  it('gives a login to one user only, and a 404 for an unknown user', async () => {
    const a = await userWithPassword(t, 'provider');
    const b = await t.user('provider');
    const taken = await t.req('POST', `/v1/users/${b.userId}/password-links`, {
      token: t.adminToken,
      json: { login: a.login },
    });
    expect(taken.status).toBe(409);
    expect(taken.json.code).toBe('CONFLICT');
    const user = await t.req('POST', '/v1/users', {
      token: t.adminToken,
      json: { orgId: b.orgId, name: 'x', role: 'provider', login: a.login },
    });
    expect(user.status).toBe(409);
    const missing = await t.req('POST', '/v1/users/usr_nosuchuser/password-links', {
      token: t.adminToken,
      json: {},
    });
    expect(missing.status).toBe(404);
  });

  it('changes one’s own password with the current one; other sessions end', async () => {
    const u = await userWithPassword(t, 'researcher');
    const here = await signIn(t, u.login, PASSWORD);
    const there = await signIn(t, u.login, PASSWORD);
    const change = (json: object) =>
      t.req('POST', '/v1/me/password', { json, headers: { cookie: here.cookie, 'x-csrf-token': here.csrf } });
    const wrong = await change({ currentPassword: 'not it at all', newPassword: 'a brand new password' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.errors[0].path).toBe('body.currentPassword');
    const weak = await change({ currentPassword: PASSWORD, newPassword: `x${u.login}x` });
    expect(weak.status).toBe(400);
    expect(weak.json.errors[0].path).toBe('body.newPassword');
    expect((await change({ currentPassword: PASSWORD, newPassword: 'a brand new password' })).status).toBe(
      204,
    );
    expect((await t.req('GET', '/v1/session', { headers: { cookie: here.cookie } })).status).toBe(200);
    expect((await t.req('GET', '/v1/session', { headers: { cookie: there.cookie } })).status).toBe(401);
    expect((await signIn(t, u.login, 'a brand new password')).user.id).toBe(u.userId);
    expect(await actions('password.change')).toBeGreaterThan(0);
  });
});

describe('registration', () => {
  const body = (login: string) => ({
    login,
    name: '吴敏 (Wu Min)',
    password: 'a researcher password',
    institution: '某大学 (A University)',
    email: 'wu@example.edu.cn',
  });

  it('creates a researcher in an org of its own and signs them in; they can only do researcher things', async () => {
    const res = await t.req('POST', '/v1/registrations', { json: body('Wu.Min') });
    expect(res.status).toBe(201);
    expect(res.json.user).toMatchObject({
      login: 'wu.min',
      role: 'researcher',
      orgName: '某大学 (A University) · wu.min',
      name: '吴敏 (Wu Min)',
    });
    const cookie = `enclave_session=${cookieOf(res.headers)}`;
    const csrf = res.json.csrfToken as string;
    expect((await t.req('GET', '/v1/session', { headers: { cookie } })).json.user.id).toBe(res.json.user.id);
    const asThem = (method: string, path: string, json?: unknown) =>
      t.req(method, path, { headers: { cookie, 'x-csrf-token': csrf }, ...(json ? { json } : {}) });
    expect((await asThem('GET', '/v1/users')).status).toBe(403);
    expect((await asThem('POST', '/v1/orgs', { name: 'mine' })).status).toBe(403);
    expect((await asThem('GET', '/v1/audit/entries')).status).toBe(403);
    expect((await asThem('POST', '/v1/datasets', {})).status).toBe(403);
    expect((await asThem('GET', '/v1/datasets')).status).toBe(200);
    expect((await asThem('POST', '/v1/me/tokens', { label: 'notebook' })).status).toBe(201);
    expect(await actions('user.register')).toBe(1);
    const [stored] = await t.deps.db.select().from(users).where(eq(users.id, res.json.user.id));
    expect(stored!.email).toBe('wu@example.edu.cn');
  });

  it('refuses a taken login, a weak password and a cross-site Origin', async () => {
    const taken = await t.req('POST', '/v1/registrations', { json: body('wu.min') });
    expect(taken.status).toBe(409);
    expect(taken.json.code).toBe('CONFLICT');
    const weak = await t.req('POST', '/v1/registrations', {
      json: { ...body('zhang.wei'), password: 'zhang.wei-2024' },
    });
    expect(weak.status).toBe(400);
    expect(weak.json.errors[0].path).toBe('body.password');
    const bad = await t.req('POST', '/v1/registrations', { json: { ...body('-no'), institution: '' } });
    expect(bad.status).toBe(400);
    const paths = bad.json.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['body.login', 'body.institution']));
    const cross = await t.req('POST', '/v1/registrations', {
      json: body('zhang.wei'),
      headers: { origin: 'https://evil.example' },
    });
    expect(cross.json.code).toBe('CSRF_REJECTED');
  });

  it('makes the org name unique when an org of that name exists', async () => {
    await t.req('POST', '/v1/orgs', { token: t.adminToken, json: { name: 'Inst · li.na' } });
    const res = await t.req('POST', '/v1/registrations', { json: { ...body('li.na'), institution: 'Inst' } });
    expect(res.status).toBe(201);
    expect(res.json.user.orgName).toMatch(/^Inst · li\.na · [0-9a-z]{6}$/);
    const [org] = await t.deps.db.select().from(orgs).where(eq(orgs.id, res.json.user.orgId));
    expect(org!.name).toBe(res.json.user.orgName);
  });

  it('limits registrations per address', async () => {
    const small = await createTestApp({ env: { ENCLAVE_REGISTRATIONS_PER_HOUR: '2' } });
    try {
      const register = (login: string) => small.req('POST', '/v1/registrations', { json: body(login) });
      expect((await register('first.one')).status).toBe(201);
      expect((await register('second.one')).status).toBe(201);
      const third = await register('third.one');
      expect(third.status).toBe(429);
      expect(third.json.code).toBe('RATE_LIMITED');
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await small.close();
    }
  });
});

describe('own API tokens', () => {
  it('lists, creates and revokes one’s own tokens, never showing a hash; another user’s token is 404', async () => {
    const u = await userWithPassword(t, 'operator');
    const other = await userWithPassword(t, 'operator', { orgId: u.orgId });
    const s = await signIn(t, u.login, PASSWORD);
    const as = { cookie: s.cookie, 'x-csrf-token': s.csrf };
    now = new Date(now.getTime() + 60_000);
    const made = await t.req('POST', '/v1/me/tokens', {
      headers: as,
      json: { label: 'nightly job', expiresAt: new Date(now.getTime() + 86_400_000).toISOString() },
    });
    expect(made.status).toBe(201);
    expect(made.json.token).toMatch(/^enc_/);
    expect((await t.req('GET', '/v1/me', { token: made.json.token })).json.id).toBe(u.userId);
    const list = await t.req('GET', '/v1/me/tokens', { headers: as });
    expect(list.status).toBe(200);
    expect(list.json.items.map((x: { label: string }) => x.label)).toEqual(['nightly job', 'test']);
    expect(list.json.items[0]).toEqual({
      id: made.json.id,
      label: 'nightly job',
      createdAt: now.toISOString(),
      expiresAt: made.json.expiresAt,
      revokedAt: null,
      lastUsedAt: now.toISOString(),
    });
    expect(list.text).not.toMatch(/[0-9a-f]{64}/);
    expect(list.text).not.toContain(made.json.token);
    const theirs = await t.req('GET', '/v1/me/tokens', { token: other.token });
    const theirId = theirs.json.items[0].id as string;
    expect(theirs.json.items.some((x: { id: string }) => x.id === made.json.id)).toBe(false);
    const steal = await t.req('POST', `/v1/me/tokens/${theirId}/revoke`, { headers: as });
    expect(steal.status).toBe(404);
    const asAdmin = await t.req('POST', `/v1/me/tokens/${theirId}/revoke`, { token: t.adminToken });
    expect(asAdmin.status).toBe(404);
    expect((await t.req('GET', '/v1/me', { token: other.token })).status).toBe(200);
    const revoked = await t.req('POST', `/v1/me/tokens/${made.json.id}/revoke`, { headers: as });
    expect(revoked.status).toBe(200);
    expect((await t.req('GET', '/v1/me', { token: made.json.token })).status).toBe(401);
  });
});
