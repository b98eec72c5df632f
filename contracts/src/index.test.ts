import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as contracts from './index.ts';

describe('@enclave/contracts public surface', () => {
  it('exports exactly the agreed operations and values', () => {
    expect(Object.keys(contracts).sort()).toEqual(
      [
        'CONTRACT_OPERATIONS',
        'CONTRACT_TYP',
        'ContractError',
        'ZContractPayload',
        'canonicalize',
        'canonicalizeParsed',
        'countersignContract',
        'createKeyRing',
        'currentSigningKey',
        'generateSigningKey',
        'jwkThumbprint',
        'parseKeyRing',
        'parsePublicEd25519Jwk',
        'publicJwks',
        'rotateKeyRing',
        'signContract',
        'verifyContract',
        'verifySignature',
      ].sort(),
    );
    expect(contracts.CONTRACT_TYP).toBe('enclave-contract+jws');
  });

  it('does no I/O: no library file imports node: modules, fs, net or fetch', () => {
    const dir = new URL('./', import.meta.url);
    const files = ['', 'lib/'].flatMap((sub) =>
      readdirSync(new URL(sub, dir))
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'test-fixtures.ts')
        .map((f) => `${sub}${f}`),
    );
    expect(files.length).toBeGreaterThan(15);
    for (const file of files) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect(
        imports.filter((i) => !i.startsWith('.') && !['jose', 'zod'].includes(i)),
        file,
      ).toEqual([]);
      expect(source, file).not.toMatch(/\bfetch\(|\bprocess\.|\brequire\(/);
    }
  });
});
