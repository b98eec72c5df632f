import { flattenedVerify } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { countersignContract } from './countersign-contract.ts';
import { generateSigningKey } from './generate-signing-key.ts';
import { CONTRACT_TYP, type TGeneralJws } from './jws.ts';
import { signContract } from './sign-contract.ts';
import {
  b64u,
  canonicalize,
  codeOf,
  contractHeader,
  DURING,
  fromB64u,
  ISSUED_AT,
  makePayload,
  NOT_AFTER,
  NOT_BEFORE,
  rawSign,
  setup,
  signText,
} from './test-fixtures.ts';
import { verifyContract } from './verify-contract.ts';

/** The refusal code, asserting no WebCrypto operation ran to reach it. */
async function codeWithoutCrypto(promise: () => Promise<unknown>) {
  const spies = (['verify', 'importKey', 'digest'] as const).map((m) => vi.spyOn(crypto.subtle, m));
  try {
    return await codeOf(promise());
  } finally {
    for (const spy of spies) {
      expect(spy, spy.getMockName()).not.toHaveBeenCalled();
      spy.mockRestore();
    }
  }
}

describe('verifyContract: a good contract', () => {
  it('verifies sign → countersign, and lists what it checked', async () => {
    const { jws, opts, payload, platform, operator } = await setup();
    const result = await verifyContract(jws, opts);
    expect(result.payload).toEqual(payload);
    expect(result.isCountersigned).toBe(true);
    expect(result.checks).toEqual([
      'JWS General JSON serialization with 2 signature(s)',
      'protected headers: alg EdDSA, typ enclave-contract+jws, kid, nothing else; no unprotected header',
      'payload is RFC 8785 canonical JSON',
      'payload is a valid contract (id ct_01, version 1)',
      `issued ${ISSUED_AT.toISOString()}, within the signing period of key ${platform.kid}`,
      `platform signature verified with key ${platform.kid} from the platform JWKS`,
      `countersignature verified with licensee key ${operator.kid} (its RFC 7638 thumbprint)`,
      'no other signatures',
      `within term at ${DURING.toISOString()}: ${NOT_BEFORE} <= now < ${NOT_AFTER}`,
    ]);
  });

  it('signs exactly the canonical bytes, under exactly { alg, kid, typ }', async () => {
    const { jws, payload, platform, operator } = await setup();
    expect(fromB64u(jws.payload)).toBe(canonicalize(payload));
    expect(jws.signatures.map((s) => Object.keys(s))).toEqual([
      ['protected', 'signature'],
      ['protected', 'signature'],
    ]);
    expect(jws.signatures.map((s) => JSON.parse(fromB64u(s.protected)))).toEqual([
      { alg: 'EdDSA', kid: platform.kid, typ: CONTRACT_TYP },
      { alg: 'EdDSA', kid: operator.kid, typ: CONTRACT_TYP },
    ]);
  });

  it('accepts the platform signature alone when the countersignature is not required', async () => {
    const { issued, opts } = await setup();
    const result = await verifyContract(issued, { ...opts, requireCountersignature: false });
    expect(result.isCountersigned).toBe(false);
    expect(result.checks).toContain('skipped: no countersignature (not required)');
  });

  it('verifies with the JWKS alone (the offline CLI), saying the countersignature was not checked', async () => {
    const { jws, opts } = await setup();
    const result = await verifyContract(jws, {
      platformJwks: opts.platformJwks,
      now: DURING,
      requireCountersignature: false,
    });
    expect(result.isCountersigned).toBe(false);
    expect(result.checks).toContain(
      'skipped: countersignature present but not verified (no operator key given)',
    );
  });

  it('still verifies a countersignature when one is present but not required', async () => {
    const { jws, opts, operator } = await setup();
    const other = await generateSigningKey();
    const forged = {
      ...jws,
      signatures: [
        jws.signatures[0]!,
        (await rawSign(other, contractHeader(operator.kid), fromB64u(jws.payload))).signature,
      ],
    };
    expect(await codeOf(verifyContract(forged, { ...opts, requireCountersignature: false }))).toBe(
      'CONTRACT_SIGNATURE_INVALID',
    );
  });

  it('accepts the signatures in either order', async () => {
    const { jws, opts } = await setup();
    const swapped = { payload: jws.payload, signatures: [...jws.signatures].reverse() };
    expect((await verifyContract(swapped, opts)).isCountersigned).toBe(true);
  });

  it('is valid from notBefore itself', async () => {
    const { jws, opts } = await setup();
    await expect(verifyContract(jws, { ...opts, now: new Date(NOT_BEFORE) })).resolves.toBeDefined();
  });

  it('skips the term when told to', async () => {
    const { jws, opts } = await setup();
    const result = await verifyContract(jws, {
      ...opts,
      now: new Date('2030-01-01T00:00:00Z'),
      checkTerm: false,
    });
    expect(result.checks).toContain('skipped: term not checked');
  });

  it('is not thrown off by V8’s one-character escaped key bug (Node 24.21)', async () => {
    const { jws, opts } = await setup();
    JSON.parse('{"\\\\":1}'); // after this, JSON.parse('{"\\n":1}') yields {"\\":1} on this runtime
    await expect(verifyContract(jws, opts)).resolves.toBeDefined();
  });
});

describe('verifyContract: tampering', () => {
  it('refuses one character changed in the payload (still canonical) as SIGNATURE_INVALID', async () => {
    const { jws, opts } = await setup();
    const text = fromB64u(jws.payload).replace('"maxRunsPerDay":100', '"maxRunsPerDay":900');
    expect(text).not.toBe(fromB64u(jws.payload));
    expect(await codeOf(verifyContract({ ...jws, payload: b64u(text) }, opts))).toBe(
      'CONTRACT_SIGNATURE_INVALID',
    );
  });

  it('refuses one character changed that breaks canonical form as NOT_CANONICAL', async () => {
    const { jws, opts } = await setup();
    const text = fromB64u(jws.payload).replace('"maxRunsPerDay":100', '"maxRunsPerDay":1e2');
    expect(await codeOf(verifyContract({ ...jws, payload: b64u(text) }, opts))).toBe(
      'CONTRACT_NOT_CANONICAL',
    );
  });

  it('refuses every single-character change of the payload string', async () => {
    const { jws, opts } = await setup();
    const alphabet = 'AQgw_-';
    for (let i = 0; i < jws.payload.length; i += 7) {
      const replacement = alphabet.split('').find((c) => c !== jws.payload[i])!;
      const payload = jws.payload.slice(0, i) + replacement + jws.payload.slice(i + 1);
      expect(await codeOf(verifyContract({ ...jws, payload }, opts))).not.toBe('accepted');
    }
  });

  it('refuses a signature swapped onto another contract', async () => {
    const a = await setup();
    const b = await setup();
    expect(
      await codeOf(verifyContract({ payload: a.jws.payload, signatures: b.jws.signatures }, a.opts)),
    ).toMatch(/CONTRACT_(SIGNATURE_UNEXPECTED|SIGNATURE_INVALID)/);
  });
});

describe('verifyContract: the wrong operator key', () => {
  it('refuses a countersignature made with another key under the licensee kid', async () => {
    const { issued, opts, operator } = await setup();
    const impostor = await generateSigningKey();
    const { signature } = await rawSign(impostor, contractHeader(operator.kid), fromB64u(issued.payload));
    const jws = { ...issued, signatures: [...issued.signatures, signature] };
    expect(await codeOf(verifyContract(jws, opts))).toBe('CONTRACT_SIGNATURE_INVALID');
  });

  it('refuses a countersignature by another (registered-looking) key under its own kid', async () => {
    const { issued, opts } = await setup();
    const impostor = await generateSigningKey();
    const { signature } = await rawSign(impostor, contractHeader(impostor.kid), fromB64u(issued.payload));
    const jws = { ...issued, signatures: [...issued.signatures, signature] };
    expect(await codeOf(verifyContract(jws, { ...opts, operatorJwk: impostor.publicJwk }))).toBe(
      'CONTRACT_SIGNATURE_UNEXPECTED',
    );
  });

  it('refuses an operator key whose thumbprint is not the licensee kid as KEY_UNKNOWN', async () => {
    const { jws, opts } = await setup();
    const other = await generateSigningKey();
    expect(await codeOf(verifyContract(jws, { ...opts, operatorJwk: other.publicJwk }))).toBe(
      'CONTRACT_KEY_UNKNOWN',
    );
  });

  it('refuses a required countersignature when no operator key is given', async () => {
    const { jws, opts } = await setup();
    expect(await codeOf(verifyContract(jws, { platformJwks: opts.platformJwks, now: DURING }))).toBe(
      'CONTRACT_KEY_UNKNOWN',
    );
  });
});

describe('verifyContract: algorithm pinning (refused before any crypto)', () => {
  it('refuses alg none', async () => {
    const { issued, opts, platform } = await setup();
    const header = b64u(JSON.stringify({ alg: 'none', kid: platform.kid, typ: CONTRACT_TYP }));
    const jws = { payload: issued.payload, signatures: [{ protected: header, signature: '' }] };
    expect(
      await codeWithoutCrypto(() => verifyContract(jws, { ...opts, requireCountersignature: false })),
    ).toBe('CONTRACT_ALG_NOT_ALLOWED');
  });

  it.each([
    ['the raw Ed25519 public key bytes', (x: string) => new Uint8Array(Buffer.from(x, 'base64url'))],
    [
      'the public JWK as JSON',
      (x: string) => new TextEncoder().encode(JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x })),
    ],
  ])('refuses HS256 HMAC’d with %s as the secret', async (_name, secretOf) => {
    const { issued, opts, platform } = await setup();
    const secret = secretOf(platform.publicJwk.x);
    const header = b64u(JSON.stringify({ alg: 'HS256', kid: platform.kid, typ: CONTRACT_TYP }));
    const hmacKey = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    const mac = await crypto.subtle.sign(
      'HMAC',
      hmacKey,
      new TextEncoder().encode(`${header}.${issued.payload}`),
    );
    const forged = { protected: header, signature: b64u(new Uint8Array(mac)) };
    // The forgery is a genuine HS256 JWS: a verifier that let the header pick the algorithm takes it.
    await expect(flattenedVerify({ payload: issued.payload, ...forged }, secret)).resolves.toBeDefined();
    const jws = { payload: issued.payload, signatures: [forged] };
    expect(
      await codeWithoutCrypto(() => verifyContract(jws, { ...opts, requireCountersignature: false })),
    ).toBe('CONTRACT_ALG_NOT_ALLOWED');
  });

  it.each([
    [
      'RS256',
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      { name: 'RSASSA-PKCS1-v1_5' },
    ],
    ['ES256', { name: 'ECDSA', namedCurve: 'P-256' }, { name: 'ECDSA', hash: 'SHA-256' }],
  ] as const)('refuses a real %s signature', async (alg, genParams, signParams) => {
    const { issued, opts, platform } = await setup();
    const pair = (await crypto.subtle.generateKey(genParams, false, ['sign', 'verify'])) as CryptoKeyPair;
    const header = b64u(JSON.stringify({ alg, kid: platform.kid, typ: CONTRACT_TYP }));
    const sig = await crypto.subtle.sign(
      signParams,
      pair.privateKey,
      new TextEncoder().encode(`${header}.${issued.payload}`),
    );
    const jws = {
      payload: issued.payload,
      signatures: [{ protected: header, signature: b64u(new Uint8Array(sig)) }],
    };
    expect(
      await codeWithoutCrypto(() => verifyContract(jws, { ...opts, requireCountersignature: false })),
    ).toBe('CONTRACT_ALG_NOT_ALLOWED');
  });

  it('refuses alg "Ed25519" too: the header must say exactly EdDSA', async () => {
    const { opts, platform, operator, payload } = await setup();
    const jws = await signText(canonicalize(payload), platform, operator, (kid) => ({
      alg: 'Ed25519',
      kid,
      typ: CONTRACT_TYP,
    }));
    expect(await codeWithoutCrypto(() => verifyContract(jws, opts))).toBe('CONTRACT_ALG_NOT_ALLOWED');
  });
});

describe('verifyContract: headers', () => {
  it.each([
    ['a wrong typ', { typ: 'JWT' }],
    ['a typ differing in case', { typ: 'Enclave-Contract+JWS' }],
    ['a missing typ', { typ: undefined }],
  ])('refuses %s', async (_name, patch) => {
    const { opts, platform, operator, payload } = await setup();
    const jws = await signText(canonicalize(payload), platform, operator, (kid) => ({
      ...contractHeader(kid),
      ...patch,
    }));
    expect(await codeOf(verifyContract(jws, opts))).toBe('CONTRACT_TYP_INVALID');
  });

  it.each([
    ['jku', 'https://attacker.example/jwks.json'],
    ['x5u', 'https://attacker.example/cert.pem'],
    ['jwk', { kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43) }],
    ['x5c', ['MIIB']],
    ['crit', ['b64']],
    ['b64', false],
    ['cty', 'json'],
  ])('refuses a properly signed header carrying %s', async (member, value) => {
    const { opts, platform, operator, payload } = await setup();
    const jws = await signText(canonicalize(payload), platform, operator, (kid) => ({
      ...contractHeader(kid),
      [member]: value,
    }));
    expect(await codeOf(verifyContract(jws, opts))).toBe('CONTRACT_HEADER_NOT_ALLOWED');
  });

  it('refuses an unprotected header, even an innocent-looking one', async () => {
    const { jws, opts, platform } = await setup();
    const withHeader = {
      ...jws,
      signatures: [{ ...jws.signatures[0]!, header: { kid: platform.kid } }, jws.signatures[1]!],
    };
    expect(await codeOf(verifyContract(withHeader, opts))).toBe('CONTRACT_HEADER_NOT_ALLOWED');
  });

  it('refuses a header without a kid', async () => {
    const { opts, platform, operator, payload } = await setup();
    const jws = await signText(canonicalize(payload), platform, operator, () => ({
      alg: 'EdDSA',
      typ: CONTRACT_TYP,
    }));
    expect(await codeOf(verifyContract(jws, opts))).toBe('CONTRACT_MALFORMED');
  });
});

describe('verifyContract: kids are opaque', () => {
  it.each([
    ['a path', '../../etc/passwd'],
    ['SQL', "' OR 1=1 --"],
    ['a URL', 'https://attacker.example/key.json'],
  ])('does not find a kid holding %s (signed by a key it names)', async (_name, kid) => {
    const { opts, operator } = await setup();
    const attacker = await generateSigningKey();
    const payload = makePayload(kid, operator.kid);
    const jws = await signText(canonicalize(payload), { ...attacker, kid }, operator);
    expect(await codeOf(verifyContract(jws, opts))).toBe('CONTRACT_KEY_UNKNOWN');
  });

  it('refuses a kid holding a path on a signature the payload does not name', async () => {
    const { issued, opts, operator } = await setup();
    const { signature } = await rawSign(
      operator,
      contractHeader('../../etc/passwd'),
      fromB64u(issued.payload),
    );
    const jws = { ...issued, signatures: [...issued.signatures, signature] };
    expect(await codeOf(verifyContract(jws, opts))).toBe('CONTRACT_SIGNATURE_UNEXPECTED');
  });

  it('does not find an unknown issuer kid (a real key, not in the platform JWKS)', async () => {
    const { opts, operator } = await setup();
    const stranger = await generateSigningKey();
    const issued = await signContract(makePayload(stranger.kid, operator.kid), stranger);
    const jws = {
      ...issued,
      signatures: [...issued.signatures, await countersignContract(issued, operator)],
    };
    expect(await codeOf(verifyContract(jws, opts))).toBe('CONTRACT_KEY_UNKNOWN');
  });

  it('refuses a JWKS entry whose kid is not its thumbprint', async () => {
    const { jws, opts, platform } = await setup();
    const liar = await generateSigningKey();
    const platformJwks = { keys: [{ ...liar.publicJwk, kid: platform.kid }] };
    expect(await codeOf(verifyContract(jws, { ...opts, platformJwks }))).toBe('CONTRACT_KEY_INVALID');
  });
  it('refuses a platform JWKS that is not one, or lists the issuer kid twice', async () => {
    const { jws, opts } = await setup();
    for (const platformJwks of [
      null,
      { keys: 'x' },
      { keys: [...opts.platformJwks.keys, ...opts.platformJwks.keys] },
    ]) {
      expect(await codeOf(verifyContract(jws, { ...opts, platformJwks: platformJwks as never }))).toBe(
        'CONTRACT_KEY_INVALID',
      );
    }
  });
});

describe('verifyContract: the set of signatures', () => {
  it('refuses an extra third signature by another valid key', async () => {
    const { jws, opts } = await setup();
    const third = await generateSigningKey();
    const { signature } = await rawSign(third, contractHeader(third.kid), fromB64u(jws.payload));
    expect(await codeOf(verifyContract({ ...jws, signatures: [...jws.signatures, signature] }, opts))).toBe(
      'CONTRACT_SIGNATURE_UNEXPECTED',
    );
  });

  it('refuses the platform signature twice', async () => {
    const { jws, opts } = await setup();
    const twice = { ...jws, signatures: [jws.signatures[0]!, ...jws.signatures] };
    expect(await codeOf(verifyContract(twice, opts))).toBe('CONTRACT_SIGNATURE_UNEXPECTED');
  });

  it('refuses a missing countersignature', async () => {
    const { issued, opts } = await setup();
    expect(await codeOf(verifyContract(issued, opts))).toBe('CONTRACT_COUNTERSIGNATURE_MISSING');
  });

  it('refuses a missing platform signature', async () => {
    const { jws, opts } = await setup();
    expect(await codeOf(verifyContract({ ...jws, signatures: [jws.signatures[1]!] }, opts))).toBe(
      'CONTRACT_SIGNATURE_MISSING',
    );
  });
});

describe('verifyContract: the payload', () => {
  it.each([
    ['a different member order', (p: object) => JSON.stringify(p)],
    ['whitespace', (p: object) => JSON.stringify(JSON.parse(canonicalize(p)), null, 1)],
    ['a trailing newline', (p: object) => `${canonicalize(p)}\n`],
    [
      'an escaped character that need not be',
      (p: object) => canonicalize(p).replace('"ct_01"', '"ct\\u005f01"'),
    ],
    [
      'a duplicated member',
      (p: object) => canonicalize(p).replace('{"datasets"', '{"id":"ct_evil","datasets"'),
    ],
  ])('refuses a properly signed payload with %s as NOT_CANONICAL', async (_name, write) => {
    const { opts, platform, operator, payload } = await setup();
    const text = write(payload);
    expect(text).not.toBe(canonicalize(payload));
    expect(JSON.parse(text)).toMatchObject({ policy: payload.policy });
    const jws = await signText(text, platform, operator);
    expect(await codeOf(verifyContract(jws, opts))).toBe('CONTRACT_NOT_CANONICAL');
  });

  it('refuses a properly signed payload with a byte-order mark', async () => {
    const { opts, platform, operator, payload } = await setup();
    const jws = await signText(`\ufeff${canonicalize(payload)}`, platform, operator);
    expect(await codeOf(verifyContract(jws, opts))).toBe('CONTRACT_MALFORMED');
  });

  it('refuses a properly signed, canonical payload that is not a contract', async () => {
    const { opts, platform, operator, payload } = await setup();
    const jws = await signText(canonicalize({ ...payload, extra: true }), platform, operator);
    expect(await codeOf(verifyContract(jws, opts))).toBe('CONTRACT_MALFORMED');
  });

  it('refuses padded payload base64url', async () => {
    const { jws, opts } = await setup();
    expect(await codeOf(verifyContract({ ...jws, payload: `${jws.payload}=` }, opts))).toBe(
      'CONTRACT_MALFORMED',
    );
  });
});

describe('verifyContract: the term', () => {
  it('refuses before notBefore', async () => {
    const { jws, opts } = await setup();
    const now = new Date(Date.parse(NOT_BEFORE) - 1);
    expect(await codeOf(verifyContract(jws, { ...opts, now }))).toBe('CONTRACT_NOT_YET_VALID');
  });

  it('refuses at notAfter', async () => {
    const { jws, opts } = await setup();
    expect(await codeOf(verifyContract(jws, { ...opts, now: new Date(NOT_AFTER) }))).toBe('CONTRACT_EXPIRED');
  });

  it('refuses after notAfter', async () => {
    const { jws, opts } = await setup();
    expect(await codeOf(verifyContract(jws, { ...opts, now: new Date('2027-01-01T00:00:00Z') }))).toBe(
      'CONTRACT_EXPIRED',
    );
  });
});

describe('verifyContract: serializations', () => {
  it('refuses a compact JWS string', async () => {
    const { jws, opts } = await setup();
    const compact = `${jws.signatures[0]!.protected}.${jws.payload}.${jws.signatures[0]!.signature}`;
    expect(await codeOf(verifyContract(compact, opts))).toBe('CONTRACT_MALFORMED');
  });

  it('refuses the flattened JSON serialization', async () => {
    const { jws, opts } = await setup();
    expect(
      await codeOf(
        verifyContract(
          { payload: jws.payload, ...jws.signatures[0]! },
          { ...opts, requireCountersignature: false },
        ),
      ),
    ).toBe('CONTRACT_MALFORMED');
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', []],
    ['no signatures', { payload: 'e30', signatures: [] }],
    ['an extra member', { payload: 'e30', signatures: [{ protected: 'e30', signature: '' }], extra: 1 }],
    [
      'a signature with an extra member',
      { payload: 'e30', signatures: [{ protected: 'e30', signature: '', x: 1 }] },
    ],
  ])('refuses %s', async (_name, value) => {
    const { opts } = await setup();
    expect(await codeOf(verifyContract(value as TGeneralJws, opts))).toBe('CONTRACT_MALFORMED');
  });
});
