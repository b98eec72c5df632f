import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyContractCommand } from '../src/commands/contract-verify.ts';
import { activeContract, operatorWithKey } from './helpers/licences.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;
let t: TestApp;
let server: ReturnType<typeof serve>;
let base: string;
let dir: string;
let files: { contract: string; jwks: string; operator: string; otherOperator: string };
beforeAll(async () => {
  t = await createTestApp();
  server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((r) => server.once('listening', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const c = await activeContract(t);
  const other = await operatorWithKey(t);
  dir = mkdtempSync(join(tmpdir(), 'enclave-verify-'));
  const write = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };
  const doc = (await t.req('GET', `/v1/contracts/${c.contractId}`, { token: c.op.token })).json;
  files = {
    contract: write('contract.json', doc),
    jwks: write('jwks.json', (await t.req('GET', '/.well-known/jwks.json')).json),
    operator: write('operator.jwk', c.op.key.publicJwk),
    otherOperator: write('other.jwk', other.key.publicJwk),
  };
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await t.close();
});

const tamper = (path: string, edit: (doc: any) => void) => {
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  edit(doc);
  const out = join(dir, `tampered-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(out, JSON.stringify(doc));
  return out;
};

describe('enclave contract verify', () => {
  it('verifies a downloaded contract against the JWKS by URL and by file, and lists its checks', async () => {
    for (const jwks of [files.jwks, `${base}/.well-known/jwks.json`]) {
      const out = await verifyContractCommand({ file: files.contract, jwks, operatorJwk: files.operator });
      expect(out.ok, out.lines.join('\n')).toBe(true);
      expect(out.lines.at(-1)).toMatch(/^VALID contract ct_/);
      expect(out.lines.length).toBeGreaterThan(3);
    }
  });

  it('fails on a payload changed by one character, the wrong operator key or an expired term', async () => {
    const changed = tamper(files.contract, (doc) => {
      const text = Buffer.from(doc.jws.payload, 'base64url').toString().replace('sandbox', 'sandbax');
      doc.jws.payload = Buffer.from(text).toString('base64url');
    });
    const bad = await verifyContractCommand({ file: changed, jwks: files.jwks, operatorJwk: files.operator });
    expect(bad.ok).toBe(false);
    expect(bad.lines.join('\n')).toMatch(/CONTRACT_SIGNATURE_INVALID|CONTRACT_MALFORMED/);
    const wrongKey = await verifyContractCommand({
      file: files.contract,
      jwks: files.jwks,
      operatorJwk: files.otherOperator,
    });
    expect(wrongKey.ok).toBe(false);
    const late = await verifyContractCommand({
      file: files.contract,
      jwks: files.jwks,
      operatorJwk: files.operator,
      now: new Date(Date.now() + 400 * 86_400_000),
    });
    expect(late.ok).toBe(false);
    expect(late.lines.join('\n')).toContain('CONTRACT_EXPIRED');
  });

  it('exits 0 on a valid contract and 1 on a forged one, as a command', async () => {
    const run = (contract: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [
          CLI,
          'contract',
          'verify',
          contract,
          '--jwks',
          files.jwks,
          '--operator-jwk',
          files.operator,
        ]);
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('exit', (code) => resolve({ code, out }));
      });
    const good = await run(files.contract);
    expect(good.code, good.out).toBe(0);
    const dropped = tamper(files.contract, (doc) => doc.jws.signatures.pop());
    const bad = await run(dropped);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('INVALID');
  });
});
