import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin } from '../src/accounts/bootstrap-admin.ts';
import { createApp } from '../src/app.ts';
import { parseConfig } from '../src/config.ts';
import { ensureDemoPasswords } from '../src/demo/demo-passwords.ts';
import { createMemoryAuditKeyStore } from '../src/keys/audit-key-store.ts';
import { createMemoryKeyStore } from '../src/keys/key-store.ts';
import { createLogger } from '../src/lib/logger.ts';
import { createDeps } from '../src/server.ts';
import { createTestApp, createTestDatabase, type TestApp } from './helpers/test-app.ts';

const deps0Clock = { now: () => new Date() };
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'enclave-auth-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const post = (app: ReturnType<typeof createApp>, path: string, json: unknown) =>
  app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(json),
  });

describe('the first admin', () => {
  it('gets login admin and a one-time password link in DATA_DIR/admin-password-link, mode 0600', async () => {
    const { database, drop } = await createTestDatabase();
    try {
      const config = parseConfig({ LOG_LEVEL: 'silent', ENCLAVE_PUBLIC_URL: 'https://data.example.cn' });
      const deps = createDeps(config, database, {
        logger: createLogger('silent'),
        keys: createMemoryKeyStore(null, deps0Clock),
        auditKey: createMemoryAuditKeyStore(null, config.ENCLAVE_AUDIT_ORIGIN),
      });
      const boot = await bootstrapAdmin(deps, { dataDir: dir });
      expect(boot.created).toBe(true);
      const file = join(dir, 'admin-password-link');
      expect(boot.passwordLink?.file).toBe(file);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const url = new URL(readFileSync(file, 'utf8').trim());
      expect(`${url.origin}${url.pathname}`).toBe('https://data.example.cn/password');
      const app = createApp(deps);
      const set = await post(app, '/v1/password', {
        token: url.searchParams.get('token'),
        password: 'a strong root phrase',
      });
      expect(set.status).toBe(200);
      expect(await set.json()).toEqual({ login: 'admin' });
      const session = await post(app, '/v1/session', { login: 'admin', password: 'a strong root phrase' });
      expect(session.status).toBe(200);
      expect((await session.json()).user.role).toBe('admin');
      // A second start makes no new link.
      expect((await bootstrapAdmin(deps, { dataDir: dir })).passwordLink).toBeNull();
    } finally {
      await drop();
    }
  });
});

describe('demo passwords', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('gives each demo user a login and a working password, written to a 0600 file and kept on a re-run', async () => {
    const me = (await t.req('GET', '/v1/me', { token: t.adminToken })).json;
    const admin = { userId: me.id, orgId: me.orgId, role: 'admin' as const, tokenId: 'seed' };
    const u = await t.user('provider');
    const people = [{ userId: u.userId, role: 'provider' as const, org: 'o', user: 'u', login: 'demo.user' }];
    const file = join(dir, 'demo-passwords.json');
    const first = await ensureDemoPasswords(t.deps, admin, people, file);
    expect(first.set).toBe(1);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const [entry] = JSON.parse(readFileSync(file, 'utf8'));
    expect(entry).toMatchObject({ login: 'demo.user', role: 'provider' });
    const signIn = await t.req('POST', '/v1/session', {
      json: { login: entry.login, password: entry.password },
    });
    expect(signIn.status).toBe(200);
    const again = await ensureDemoPasswords(t.deps, admin, people, file);
    expect(again).toMatchObject({ set: 0, isFileWritten: false });
  });
});
