import { describe, expect, it } from 'vitest';
import { generateSigningKey } from './generate-signing-key.ts';
import { jwkThumbprint } from './jwk-thumbprint.ts';
import { parsePublicEd25519Jwk } from './parse-public-ed25519-jwk.ts';
import { codeOfSync } from './test-fixtures.ts';

// RFC 8037 Appendix A.1/A.3: the Ed25519 example key and its RFC 7638 thumbprint.
const RFC8037 = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
const RFC8037_D = 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A';
const RFC8037_THUMBPRINT = 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k';

const fromHex = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');

describe('parsePublicEd25519Jwk', () => {
  it('returns only the public members, keeping kid', () => {
    expect(parsePublicEd25519Jwk({ ...RFC8037, kid: 'k1', alg: 'EdDSA', use: 'sig' })).toEqual({
      ...RFC8037,
      kid: 'k1',
    });
    expect(parsePublicEd25519Jwk(RFC8037)).toEqual(RFC8037);
  });

  it('accepts what WebCrypto exports for a public key (a browser registering its key)', async () => {
    const pair = (await crypto.subtle.generateKey('Ed25519', true, ['sign', 'verify'])) as CryptoKeyPair;
    const exported = await crypto.subtle.exportKey('jwk', pair.publicKey);
    expect(Object.keys(exported).sort()).toEqual(['alg', 'crv', 'ext', 'key_ops', 'kty', 'x']);
    expect(parsePublicEd25519Jwk(exported)).toEqual({ kty: 'OKP', crv: 'Ed25519', x: exported.x });
  });

  it('refuses a private key', async () => {
    const key = await generateSigningKey();
    expect(codeOfSync(() => parsePublicEd25519Jwk(key.privateJwk))).toBe('CONTRACT_KEY_INVALID');
    expect(codeOfSync(() => parsePublicEd25519Jwk({ ...RFC8037, d: RFC8037_D }))).toBe(
      'CONTRACT_KEY_INVALID',
    );
  });

  it.each<[string, RsaHashedKeyGenParams | EcKeyGenParams | Algorithm, KeyUsage[]]>([
    [
      'RSA',
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      ['sign', 'verify'],
    ],
    ['P-256', { name: 'ECDSA', namedCurve: 'P-256' }, ['sign', 'verify']],
    ['X25519', { name: 'X25519' }, ['deriveBits']],
  ])('refuses a real %s public key', async (_name, params, usages) => {
    const pair = (await crypto.subtle.generateKey(params, true, usages)) as CryptoKeyPair;
    const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
    expect(codeOfSync(() => parsePublicEd25519Jwk(jwk))).toBe('CONTRACT_KEY_INVALID');
  });

  it.each<[string, unknown]>([
    ['a symmetric key', { kty: 'oct', k: 'c2VjcmV0' }],
    ['Ed448', { ...RFC8037, crv: 'Ed448' }],
    ['x of 31 bytes', { ...RFC8037, x: fromHex('11'.repeat(31)) }],
    ['x of 33 bytes', { ...RFC8037, x: fromHex('11'.repeat(33)) }],
    ['x padded', { ...RFC8037, x: `${RFC8037.x}=` }],
    ['x in standard base64', { ...RFC8037, x: Buffer.from(RFC8037.x, 'base64url').toString('base64') }],
    ['x with unused bits set', { ...RFC8037, x: `${RFC8037.x.slice(0, -1)}p` }],
    ['x missing', { kty: 'OKP', crv: 'Ed25519' }],
    ['x not a string', { ...RFC8037, x: 42 }],
    ['the identity point (order 1)', { ...RFC8037, x: fromHex(`01${'00'.repeat(31)}`) }],
    ['the identity point with the sign bit set', { ...RFC8037, x: fromHex(`01${'00'.repeat(30)}80`) }],
    ['a point of order 2', { ...RFC8037, x: fromHex(`ec${'ff'.repeat(30)}7f`) }],
    ['a point of order 4', { ...RFC8037, x: fromHex('00'.repeat(32)) }],
    [
      'a point of order 8',
      { ...RFC8037, x: fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05') },
    ],
    ['a non-canonical y (≥ p)', { ...RFC8037, x: fromHex(`ee${'ff'.repeat(30)}7f`) }],
    ['x5u', { ...RFC8037, x5u: 'https://attacker.example/cert' }],
    ['jku', { ...RFC8037, jku: 'https://attacker.example/jwks' }],
    ['x5c', { ...RFC8037, x5c: ['MIIB'] }],
    ['an unknown member', { ...RFC8037, note: 'hi' }],
    ['alg RS256', { ...RFC8037, alg: 'RS256' }],
    ['use enc', { ...RFC8037, use: 'enc' }],
    ['key_ops sign', { ...RFC8037, key_ops: ['sign'] }],
    ['an empty kid', { ...RFC8037, kid: '' }],
    ['a JSON string', JSON.stringify(RFC8037)],
    ['null', null],
    ['an array', [RFC8037]],
  ])('refuses %s', (_name, jwk) => {
    expect(codeOfSync(() => parsePublicEd25519Jwk(jwk))).toBe('CONTRACT_KEY_INVALID');
  });
});

describe('jwkThumbprint', () => {
  it('reproduces RFC 8037 A.3', async () => {
    expect(await jwkThumbprint(RFC8037)).toBe(RFC8037_THUMBPRINT);
  });

  it('ignores kid, alg and use', async () => {
    expect(await jwkThumbprint({ ...RFC8037, kid: 'anything', alg: 'EdDSA', use: 'sig' })).toBe(
      RFC8037_THUMBPRINT,
    );
  });

  it('is the kid generateSigningKey gives', async () => {
    const key = await generateSigningKey();
    expect(await jwkThumbprint(key.publicJwk)).toBe(key.kid);
    expect(key.publicJwk.kid).toBe(key.kid);
  });

  it('refuses a private key', async () => {
    await expect(jwkThumbprint({ ...RFC8037, d: RFC8037_D })).rejects.toMatchObject({
      code: 'CONTRACT_KEY_INVALID',
    });
  });
});
