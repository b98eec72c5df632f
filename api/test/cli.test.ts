import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { separateDatabase, startApi } from './helpers/api-process.ts';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;

/** Where the CLI keeps its data: a temp folder, plus a fresh server database when DATABASE_URL is set. */
let env: Record<string, string>;
let dropDb: () => Promise<void> = async () => {};
beforeAll(async () => {
  env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'enclave-cli-')), PORT: '0', LOG_LEVEL: 'warn' };
  const db = await separateDatabase('enclave_cli');
  if (db.url) env.DATABASE_URL = db.url;
  dropDb = db.drop;
});
afterAll(() => dropDb());

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

const start = () => startApi(env);

describe('enclave command line', () => {
  it('migrates, then starts with an admin token file and demo data, and keeps them across restarts', async () => {
    const migrated = await run(['migrate']);
    expect(migrated.code, migrated.out).toBe(0);

    const first = await start();
    expect(first.out()).toContain('admin token written to');
    const tokenFile = join(env.DATA_DIR!, 'admin-token');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenFile, 'utf8').trim();
    const me = await fetch(`${first.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect((await me.json()).role).toBe('admin');
    const health = await fetch(`${first.url}/v1/health`);
    expect(await health.json()).toEqual({ status: 'ok', database: 'ok' });
    const catalogue = await (await fetch(`${first.url}/v1/datasets?limit=100`)).json();
    const count = catalogue.page.total;
    expect(count).toBeGreaterThanOrEqual(5);
    expect(existsSync(join(env.DATA_DIR!, 'demo-tokens.json'))).toBe(true);
    expect(statSync(join(env.DATA_DIR!, 'signing-keys.json')).mode & 0o777).toBe(0o600);
    const jwks = await (await fetch(`${first.url}/.well-known/jwks.json`)).json();
    expect(jwks.keys).toHaveLength(1);
    expect(await first.stop()).toBe(0);

    const second = await start();
    expect(second.out()).not.toContain('admin token written to');
    const again = await fetch(`${second.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
    expect((await (await fetch(`${second.url}/v1/datasets?limit=100`)).json()).page.total).toBe(count);

    // A regulator's check of the audit log from outside, over HTTP, with the published key.
    const auth = { authorization: `Bearer ${token}` };
    expect((await fetch(`${second.url}/v1/audit/checkpoints`, { method: 'POST', headers: auth })).ok).toBe(
      true,
    );
    const key = (await (await fetch(`${second.url}/v1/audit/key`)).text()).trim();
    const kept = join(env.DATA_DIR!, 'kept-checkpoint.txt');
    const audit = (k: string) =>
      run(['audit', 'verify', '--url', second.url, '--checkpoint', kept, '--key', k, '--token', token]);
    const verified = await audit(key);
    expect(verified.code, verified.out).toBe(0);
    expect(verified.out).toContain('VERIFIED audit log');
    expect(existsSync(kept)).toBe(true);
    const again2 = await audit(key);
    expect(again2.code, again2.out).toBe(0);
    expect(again2.out).toContain('extends the kept one');
    const [name, , pub] = key.split('+');
    const wrongKey = `${name}+00000000+${pub}`;
    const refused = await audit(wrongKey);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('NOT VERIFIED');
    await second.stop();

    const seeded = await run(['seed', '--demo']);
    expect(seeded.code, seeded.out).toBe(0);

    const rotated = await run(['keys', 'rotate']);
    expect(rotated.code, rotated.out).toBe(0);
    const ring = JSON.parse(readFileSync(join(env.DATA_DIR!, 'signing-keys.json'), 'utf8'));
    expect(ring.keys).toHaveLength(2);
    expect(ring.keys.filter((k: { privateJwk?: unknown }) => k.privateJwk)).toHaveLength(1);
  }, 180_000);

  it('refuses to run a sandbox worker on the embedded database', async () => {
    const { DATABASE_URL: _, ...rest } = { ...process.env, ...env };
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'worker'], { env: rest });
      let text = '';
      child.stderr.on('data', (d) => (text += d));
      child.on('exit', (code) => resolve({ code, text }));
    });
    expect(out.code).toBe(1);
    expect(out.text).toContain('DATABASE_URL');
  });

  it('prints usage and fails on an unknown command', async () => {
    const res = await run(['frobnicate']);
    expect(res.code).toBe(2);
    expect(res.out).toContain('enclave <command>');
  });
});
