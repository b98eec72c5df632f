import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey } from '@enclave/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { readDemoOperatorKey } from './demo-operator-key.ts';

const dir = mkdtempSync(join(tmpdir(), 'enclave-demo-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fileWith = (name: string, content: string) => {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
};

describe('readDemoOperatorKey', () => {
  it('reads the signing key a demo key file holds, its kid the thumbprint', async () => {
    const key = await generateSigningKey();
    const file = fileWith('good.json', JSON.stringify({ org: '某数据科技有限公司', ...key }));
    expect(await readDemoOperatorKey(file)).toEqual(key);
  });

  it('refuses a private part that does not belong to the public one, and anything malformed', async () => {
    const [a, b] = [await generateSigningKey(), await generateSigningKey()];
    const mixed = { ...a, privateJwk: { ...a.privateJwk, d: b.privateJwk.d } };
    expect(await readDemoOperatorKey(fileWith('mixed.json', JSON.stringify(mixed)))).toBeNull();
    expect(
      await readDemoOperatorKey(fileWith('public.json', JSON.stringify({ publicJwk: a.publicJwk }))),
    ).toBeNull();
    expect(await readDemoOperatorKey(fileWith('bad.json', '{"privateJwk":'))).toBeNull();
    expect(await readDemoOperatorKey(join(dir, 'missing.json'))).toBeNull();
  });
});
