import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countersignContract, signContract } from '@enclave/contracts';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSignerKey, parseSignerKey, verifierKeyOf } from '../src/audit/checkpoint.ts';
import { verifyContractCommand } from '../src/commands/contract-verify.ts';
import { rotateSigningKey } from '../src/commands/keys-rotate.ts';
import { activeContract, operatorWithKey } from './helpers/licences.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;
let t: TestApp;
let server: ReturnType<typeof serve>;
let base: string;
let dir: string;
let files: {
  contract: string;
  jwks: string;
  operator: string;
  operatorKeyFile: string;
  otherOperator: string;
  logKey: string;
};
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
    // As the demo keeps its operator's key: kid, private and public JWK together.
    operatorKeyFile: write('operator-key.json', { ...c.op.key, org: c.op.orgId }),
    otherOperator: write('other.jwk', other.key.publicJwk),
    logKey: write('log.key', (await t.req('GET', '/v1/audit/key')).text),
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
    for (const [jwks, operatorJwk] of [
      [files.jwks, files.operator],
      [`${base}/.well-known/jwks.json`, files.operatorKeyFile],
    ] as const) {
      const out = await verifyContractCommand({
        file: files.contract,
        jwks,
        operatorJwk,
        logKey: files.logKey,
      });
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
    const bad = await verifyContractCommand({
      file: changed,
      jwks: files.jwks,
      operatorJwk: files.operator,
      logKey: files.logKey,
    });
    expect(bad.ok).toBe(false);
    expect(bad.lines.join('\n')).toMatch(/CONTRACT_SIGNATURE_INVALID|CONTRACT_MALFORMED/);
    const wrongKey = await verifyContractCommand({
      file: files.contract,
      jwks: files.jwks,
      operatorJwk: files.otherOperator,
      logKey: files.logKey,
    });
    expect(wrongKey.ok).toBe(false);
    const late = await verifyContractCommand({
      file: files.contract,
      jwks: files.jwks,
      operatorJwk: files.operator,
      logKey: files.logKey,
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
          '--log-key',
          files.logKey,
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

  it('refuses a contract whose log proof does not hold: no proof, another log key, an edited entry', async () => {
    const verify = (file: string, logKey = files.logKey) =>
      verifyContractCommand({ file, jwks: files.jwks, operatorJwk: files.operator, logKey });
    const bare = tamper(files.contract, (doc) => {
      doc.transparency = undefined;
    });
    expect((await verify(bare)).lines.join('\n')).toContain('CONTRACT_NOT_LOGGED');
    const otherLog = verifierKeyOf(parseSignerKey(generateSignerKey('enclave.localhost/audit')));
    expect((await verify(files.contract, otherLog)).lines.join('\n')).toMatch(
      /CONTRACT_NOT_LOGGED.*not signed by/,
    );
    const edited = tamper(files.contract, (doc) => {
      doc.transparency.entry.details.issuerKid = 'someone-else';
    });
    expect((await verify(edited)).lines.join('\n')).toMatch(/CONTRACT_NOT_LOGGED.*not in the signed log/);
  });

  it('refuses a contract forged with a retired signing key, whatever issue time it claims', async () => {
    const stolen = (await t.deps.keys.ring()).keys.find((k) => !k.retiredAt)!;
    await rotateSigningKey(t.deps);
    const jwks = join(dir, 'jwks-rotated.json');
    writeFileSync(jwks, JSON.stringify((await t.req('GET', '/.well-known/jwks.json')).json));
    const doc = JSON.parse(readFileSync(files.contract, 'utf8'));
    const payload = JSON.parse(Buffer.from(doc.jws.payload, 'base64url').toString());
    const c = await activeContract(t);
    const operatorJwk = join(dir, 'forged-operator.jwk');
    writeFileSync(operatorJwk, JSON.stringify(c.op.key.publicJwk));
    const forge = async (issuedAt: string) => {
      const forged = {
        ...payload,
        id: 'ct_forged1',
        issuedAt,
        licensee: { org: c.op.orgId, kid: c.op.key.kid },
      };
      const signed = await signContract(forged, {
        kid: stolen.kid,
        privateJwk: stolen.privateJwk!,
        publicJwk: stolen.publicJwk,
      });
      const countersigned = {
        ...signed,
        signatures: [...signed.signatures, await countersignContract(signed, c.op.key)],
      };
      const file = join(dir, `forged-${Math.random().toString(36).slice(2)}.json`);
      // The log proof of a real contract, carried along: it does not name this payload.
      writeFileSync(file, JSON.stringify({ jws: countersigned, transparency: doc.transparency }));
      return verifyContractCommand({ file, jwks, operatorJwk, logKey: files.logKey });
    };
    const after = await forge(new Date(Date.now() + 60_000).toISOString());
    expect(after.ok).toBe(false);
    expect(after.lines.join('\n')).toContain('CONTRACT_ISSUED_OUTSIDE_KEY_PERIOD');
    // Backdated into the key's period, the signature and the period hold, but it was never logged.
    const backdated = await forge(payload.issuedAt);
    expect(backdated.ok).toBe(false);
    expect(backdated.lines.join('\n')).toMatch(/ok {3}issued .* within the signing period/);
    expect(backdated.lines.join('\n')).toContain('CONTRACT_NOT_LOGGED');
    // The real contract still verifies against the rotated JWKS.
    const real = await verifyContractCommand({
      file: files.contract,
      jwks,
      operatorJwk: files.operator,
      logKey: files.logKey,
    });
    expect(real.ok, real.lines.join('\n')).toBe(true);
  });
});
