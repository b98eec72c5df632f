import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries } from '../src/db/schema/index.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('accounts', () => {
  it('creates an org, a user and a token that authenticates as that user', async () => {
    const org = await t.req('POST', '/v1/orgs', {
      token: t.adminToken,
      json: { name: '市生态环境局', nameEn: 'EEB' },
    });
    expect(org.status).toBe(201);
    const user = await t.req('POST', '/v1/users', {
      token: t.adminToken,
      json: { orgId: org.json.id, name: '张三', role: 'provider' },
    });
    expect(user.status).toBe(201);
    const tok = await t.req('POST', `/v1/users/${user.json.id}/tokens`, {
      token: t.adminToken,
      json: { label: 'cli' },
    });
    expect(tok.status).toBe(201);
    expect(tok.json.token).toMatch(/^enc_[A-Za-z0-9_-]{43}$/);
    const me = await t.req('GET', '/v1/me', { token: tok.json.token });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ id: user.json.id, orgId: org.json.id, role: 'provider' });
  });

  it('stores only a hash of the token', async () => {
    const u = await t.user('researcher');
    const rows = await t.deps.db.query.apiTokens.findMany();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(r)).not.toContain(u.token);
    }
  });

  it('refuses a revoked, an expired-at-creation and an unknown token with 401', async () => {
    const u = await t.user('researcher');
    const me = await t.req('GET', '/v1/me', { token: u.token });
    const tokens = await t.deps.db.query.apiTokens.findMany({
      where: (x, { eq }) => eq(x.userId, me.json.id),
    });
    const revoke = await t.req('POST', `/v1/tokens/${tokens[0]!.id}/revoke`, { token: u.token });
    expect(revoke.status).toBe(200);
    const after = await t.req('GET', '/v1/me', { token: u.token });
    expect(after.status).toBe(401);
    expect(after.json.code).toBe('UNAUTHENTICATED');
    expect(after.headers.get('content-type')).toContain('application/problem+json');
    const unknown = await t.req('GET', '/v1/datasets', { token: `enc_${'x'.repeat(43)}` });
    expect(unknown.status).toBe(401);
    const past = await t.req('POST', `/v1/users/${me.json.id}/tokens`, {
      token: t.adminToken,
      json: { label: 'old', expiresAt: '2000-01-01T00:00:00Z' },
    });
    expect(past.status).toBe(400);
  });

  it('honours a token’s expiry', async () => {
    let now = new Date('2030-01-01T00:00:00Z');
    const timed = await createTestApp({ clock: { now: () => now } });
    try {
      const u = await timed.user('researcher');
      const me = await timed.req('GET', '/v1/me', { token: u.token });
      const issued = await timed.req('POST', `/v1/users/${me.json.id}/tokens`, {
        token: timed.adminToken,
        json: { label: 'short', expiresAt: '2030-01-01T01:00:00Z' },
      });
      expect(issued.json.expiresAt).toBe('2030-01-01T01:00:00.000Z');
      expect((await timed.req('GET', '/v1/me', { token: issued.json.token })).status).toBe(200);
      now = new Date('2030-01-01T01:00:00Z');
      expect((await timed.req('GET', '/v1/me', { token: issued.json.token })).status).toBe(401);
      expect((await timed.req('GET', '/v1/me', { token: u.token })).status).toBe(200);
    } finally {
      await timed.close();
    }
  });

  it('lets nobody revoke another user’s token (404) and non-admins create accounts (403)', async () => {
    const a = await t.user('operator');
    const b = await t.user('operator');
    const bMe = await t.req('GET', '/v1/me', { token: b.token });
    const bTokens = await t.deps.db.query.apiTokens.findMany({
      where: (x, { eq }) => eq(x.userId, bMe.json.id),
    });
    const res = await t.req('POST', `/v1/tokens/${bTokens[0]!.id}/revoke`, { token: a.token });
    expect(res.status).toBe(404);
    expect((await t.req('GET', '/v1/me', { token: b.token })).status).toBe(200);
    const org = await t.req('POST', '/v1/orgs', { token: a.token, json: { name: 'sneaky' } });
    expect(org.status).toBe(403);
    expect(org.json.code).toBe('FORBIDDEN');
    expect((await t.req('POST', '/v1/orgs', { json: { name: 'anon' } })).status).toBe(401);
  });

  it('refuses smuggled fields such as role on token issue or orgId on org creation, writing nothing', async () => {
    const before = await t.deps.db.select().from(auditEntries);
    const res = await t.req('POST', '/v1/orgs', {
      token: t.adminToken,
      json: { name: 'x-org', id: 'org_evil' },
    });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('VALIDATION_FAILED');
    expect(res.json.errors[0].path).toBe('body');
    expect(res.json.errors[0].message).toContain('id');
    const user = await t.req('POST', '/v1/users', {
      token: t.adminToken,
      json: { orgId: 'org_nope', name: 'x', role: 'superuser' },
    });
    expect(user.status).toBe(400);
    expect(user.json.errors.map((e: { path: string }) => e.path)).toContain('body.role');
    const after = await t.deps.db.select().from(auditEntries);
    expect(after.length).toBe(before.length);
  });

  it('writes an audit entry for each change, in one gap-free order', async () => {
    await t.user('regulator');
    const rows = await t.deps.db.select().from(auditEntries).orderBy(auditEntries.seq);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i));
    expect(rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['org.create', 'user.create', 'token.issue']),
    );
  });
});
