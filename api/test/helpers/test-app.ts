import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { bootstrapAdmin } from '../../src/accounts/bootstrap-admin.ts';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import type { TRole } from '../../src/db/schema/index.ts';
import type { Deps } from '../../src/deps.ts';
import type { App } from '../../src/http/env.ts';
import { createMemoryAuditKeyStore } from '../../src/keys/audit-key-store.ts';
import { createMemoryKeyStore } from '../../src/keys/key-store.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createDeps, startSandboxWorker } from '../../src/server.ts';

/**
 * A fresh, migrated database for one test file: PGlite in memory, or, when `DATABASE_URL` is set,
 * a new database on that server, dropped again by `drop()`.
 */
export async function createTestDatabase(): Promise<{
  database: Database;
  /** The server database's URL (none for PGlite). */
  url: string | null;
  drop(): Promise<void>;
}> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const database = await openDatabase({});
    await migrateDatabase(database);
    return { database, url: null, drop: () => database.close() };
  }
  const name = `enclave_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  const database = await openDatabase({ url: dbUrl.toString(), maxConnections: 8 });
  await migrateDatabase(database);
  return {
    database,
    url: dbUrl.toString(),
    drop: async () => {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export type TResponse = { status: number; headers: Headers; text: string; json: any };
export type TRequestOptions = {
  token?: string | null;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
};

export type TestApp = {
  app: App;
  deps: Deps;
  /** Sandbox executors and dispatcher, when created with `sandbox: n`. */
  sandbox: ReturnType<typeof startSandboxWorker> | null;
  /** The test database's URL on a PostgreSQL server; null on PGlite. */
  databaseUrl: string | null;
  adminToken: string;
  req(method: string, path: string, opts?: TRequestOptions): Promise<TResponse>;
  /** A new org and a user of `role` in it (or in `orgId`), with a token. */
  user(
    role: TRole,
    opts?: { orgId?: string; orgName?: string },
  ): Promise<{ userId: string; orgId: string; token: string }>;
  close(): Promise<void>;
};

export const ADMIN_TOKEN = `enc_${'a'.repeat(43)}`;

export async function createTestApp(
  opts: {
    clock?: Clock;
    rateLimits?: { anonymous: number; token: number };
    sandbox?: number;
    /** An executor's grace past a run's wall limit (and so a row run's hold), ms. */
    graceMs?: number;
    /** More configuration, as the environment would give it. */
    env?: Record<string, string>;
  } = {},
): Promise<TestApp> {
  const { database, url, drop } = await createTestDatabase();
  const config = parseConfig({
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RATE_LIMIT_ANONYMOUS: String(opts.rateLimits?.anonymous ?? 100_000),
    RATE_LIMIT_TOKEN: String(opts.rateLimits?.token ?? 100_000),
    ENCLAVE_NOISE_SECRET: randomBytes(32).toString('hex'),
    SANDBOX_GRACE_MS: String(opts.graceMs ?? 5_000),
    ...opts.env,
  });
  const clock = opts.clock ?? { now: () => new Date() };
  const deps = createDeps(config, database, {
    logger: createLogger((process.env.TEST_LOG_LEVEL as 'error' | undefined) ?? 'silent'),
    keys: createMemoryKeyStore(null, clock),
    auditKey: createMemoryAuditKeyStore(null, config.ENCLAVE_AUDIT_ORIGIN),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  await bootstrapAdmin(deps, { token: ADMIN_TOKEN });
  const sandbox = opts.sandbox ? startSandboxWorker(deps, opts.sandbox) : null;
  const app = createApp(deps);

  const req: TestApp['req'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    const token = o.token === undefined ? null : o.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | undefined = o.body;
    if (o.json !== undefined) {
      body = typeof o.json === 'string' ? o.json : JSON.stringify(o.json);
      headers['content-type'] ??= 'application/json';
    }
    const res = await app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };

  let n = 0;
  const user: TestApp['user'] = async (role, o = {}) => {
    let orgId = o.orgId;
    if (!orgId) {
      const org = await req('POST', '/v1/orgs', {
        token: ADMIN_TOKEN,
        json: { name: o.orgName ?? `org-${role}-${++n}-${randomBytes(3).toString('hex')}` },
      });
      if (org.status !== 201) throw new Error(`org: ${org.text}`);
      orgId = org.json.id as string;
    }
    const u = await req('POST', '/v1/users', {
      token: ADMIN_TOKEN,
      json: { orgId, name: `${role}-${++n}`, role },
    });
    if (u.status !== 201) throw new Error(`user: ${u.text}`);
    const t = await req('POST', `/v1/users/${u.json.id}/tokens`, {
      token: ADMIN_TOKEN,
      json: { label: 'test' },
    });
    if (t.status !== 201) throw new Error(`token: ${t.text}`);
    return { userId: u.json.id, orgId, token: t.json.token };
  };

  const close = async () => {
    await sandbox?.stop();
    await drop();
  };
  return { app, deps, sandbox, databaseUrl: url, adminToken: ADMIN_TOKEN, req, user, close };
}
