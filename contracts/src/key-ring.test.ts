import { describe, expect, it } from 'vitest';
import { countersignContract } from './countersign-contract.ts';
import { createKeyRing } from './create-key-ring.ts';
import { currentSigningKey } from './current-signing-key.ts';
import { generateSigningKey } from './generate-signing-key.ts';
import { parseKeyRing, type TKeyRing } from './parse-key-ring.ts';
import { publicJwks } from './public-jwks.ts';
import { rotateKeyRing } from './rotate-key-ring.ts';
import { signContract } from './sign-contract.ts';
import { codeOf, codeOfSync, DURING, makePayload } from './test-fixtures.ts';
import { verifyContract } from './verify-contract.ts';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-04-01T00:00:00.000Z');
const T2 = new Date('2026-07-01T00:00:00.000Z');

describe('createKeyRing', () => {
  it('holds one current key with its private part', async () => {
    const ring = await createKeyRing(T0);
    expect(ring.keys).toHaveLength(1);
    const [key] = ring.keys;
    expect(key).toMatchObject({ createdAt: T0.toISOString(), publicJwk: { kid: key!.kid } });
    expect(key!.privateJwk?.d).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key!.retiredAt).toBeUndefined();
    expect(currentSigningKey(ring).kid).toBe(key!.kid);
  });

  it('survives a JSON round trip (the 0600 file)', async () => {
    const ring = await createKeyRing(T0);
    expect(parseKeyRing(JSON.parse(JSON.stringify(ring)))).toEqual(ring);
  });
});

describe('rotateKeyRing', () => {
  it('makes a new current key; the old one is retired and loses its private part', async () => {
    const ring = await createKeyRing(T0);
    const before = structuredClone(ring);
    const rotated = await rotateKeyRing(ring, T1);
    expect(ring).toEqual(before);
    const [old, fresh] = rotated.keys;
    expect(old).toEqual({
      kid: ring.keys[0]!.kid,
      publicJwk: ring.keys[0]!.publicJwk,
      createdAt: T0.toISOString(),
      retiredAt: T1.toISOString(),
    });
    expect(JSON.stringify(old)).not.toContain('"d"');
    expect(fresh!.kid).not.toBe(old!.kid);
    expect(fresh!.privateJwk).toBeDefined();
    expect(currentSigningKey(rotated).kid).toBe(fresh!.kid);
  });

  it('never hands out a retired key, over several rotations', async () => {
    let ring = await createKeyRing(T0);
    const kids = [ring.keys[0]!.kid];
    for (const at of [T1, T2]) {
      ring = await rotateKeyRing(ring, at);
      kids.push(currentSigningKey(ring).kid);
    }
    expect(new Set(kids).size).toBe(3);
    expect(ring.keys.filter((k) => k.privateJwk)).toHaveLength(1);
    expect(currentSigningKey(ring).kid).toBe(kids[2]);
    expect(ring.keys.map((k) => k.retiredAt)).toEqual([T1.toISOString(), T2.toISOString(), undefined]);
  });

  it('keeps retired keys in the JWKS, public parts only', async () => {
    const rotated = await rotateKeyRing(await createKeyRing(T0), T1);
    const jwks = publicJwks(rotated);
    expect(jwks.keys.map((k) => k.kid)).toEqual(rotated.keys.map((k) => k.kid));
    const [retired, current] = jwks.keys;
    expect(Object.keys(retired!).sort()).toEqual([
      'alg',
      'crv',
      'kid',
      'kty',
      'use',
      'validFrom',
      'validUntil',
      'x',
    ]);
    expect(retired).toMatchObject({ validFrom: T0.toISOString(), validUntil: T1.toISOString() });
    expect(Object.keys(current!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'validFrom', 'x']);
    expect(current).toMatchObject({ validFrom: T1.toISOString() });
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    }
  });

  it('still verifies a contract signed before the rotation, and signs new ones with the new key', async () => {
    const operator = await generateSigningKey();
    const ring = await createKeyRing(T0);
    const oldKey = currentSigningKey(ring);
    const issued = await signContract(makePayload(oldKey.kid, operator.kid), oldKey);
    const jws = {
      ...issued,
      signatures: [...issued.signatures, await countersignContract(issued, operator)],
    };

    const rotated = await rotateKeyRing(ring, T1);
    const opts = { platformJwks: publicJwks(rotated), operatorJwk: operator.publicJwk, now: DURING };
    await expect(verifyContract(jws, opts)).resolves.toMatchObject({ isCountersigned: true });

    const newKey = currentSigningKey(rotated);
    expect(newKey.kid).not.toBe(oldKey.kid);
    const later = { issuedAt: T2.toISOString() };
    const next = await signContract({ ...makePayload(newKey.kid, operator.kid), ...later }, newKey);
    await expect(verifyContract(next, { ...opts, requireCountersignature: false })).resolves.toBeDefined();

    // The retired key, had it leaked, cannot issue after its retirement, nor the new key before its start.
    const leaked = await signContract({ ...makePayload(oldKey.kid, operator.kid), ...later }, oldKey);
    const early = await signContract(makePayload(newKey.kid, operator.kid), newKey);
    for (const jws of [leaked, early])
      expect(await codeOf(verifyContract(jws, { ...opts, requireCountersignature: false }))).toBe(
        'CONTRACT_ISSUED_OUTSIDE_KEY_PERIOD',
      );
  });

  it('leaves nothing to sign with under the retired kid', async () => {
    const operator = await generateSigningKey();
    const rotated = await rotateKeyRing(await createKeyRing(T0), T1);
    const retired = rotated.keys[0]!;
    const attempt = signContract(makePayload(retired.kid, operator.kid), {
      kid: retired.kid,
      privateJwk: retired.privateJwk as never,
      publicJwk: retired.publicJwk,
    });
    await expect(attempt).rejects.toMatchObject({ code: 'CONTRACT_KEY_INVALID' });
  });
});

describe('parseKeyRing', () => {
  async function ringOf(n: number): Promise<TKeyRing> {
    let ring = await createKeyRing(T0);
    for (let i = 1; i < n; i++) ring = await rotateKeyRing(ring, T1);
    return JSON.parse(JSON.stringify(ring));
  }

  it('refuses two current keys', async () => {
    const ring = await ringOf(2);
    const other = (await ringOf(1)).keys[0]!;
    expect(codeOfSync(() => parseKeyRing({ keys: [...ring.keys, other] }))).toBe('CONTRACT_KEY_RING_INVALID');
  });

  it('refuses a ring with no current key', async () => {
    const ring = await ringOf(1);
    ring.keys[0]!.retiredAt = T1.toISOString();
    delete ring.keys[0]!.privateJwk;
    expect(codeOfSync(() => parseKeyRing(ring))).toBe('CONTRACT_KEY_RING_INVALID');
    expect(codeOfSync(() => currentSigningKey(ring))).toBe('CONTRACT_KEY_RING_INVALID');
  });

  it('refuses a current key without its private part', async () => {
    const ring = await ringOf(1);
    delete ring.keys[0]!.privateJwk;
    expect(codeOfSync(() => currentSigningKey(ring))).toBe('CONTRACT_KEY_RING_INVALID');
  });

  it('refuses a retired key that kept its private part', async () => {
    const ring = await ringOf(2);
    const current = ring.keys[1]!;
    ring.keys[0]!.privateJwk = current.privateJwk; // any private part at all
    expect(codeOfSync(() => parseKeyRing(ring))).toBe('CONTRACT_KEY_RING_INVALID');
  });

  it('refuses a kid twice', async () => {
    const ring = await ringOf(2);
    ring.keys[0]!.kid = ring.keys[1]!.kid;
    ring.keys[0]!.publicJwk = { ...ring.keys[0]!.publicJwk, kid: ring.keys[1]!.kid };
    expect(codeOfSync(() => parseKeyRing(ring))).toBe('CONTRACT_KEY_RING_INVALID');
  });

  it('refuses a private part that does not match the public one', async () => {
    const ring = await ringOf(1);
    const other = await generateSigningKey();
    ring.keys[0]!.privateJwk = other.privateJwk;
    expect(codeOfSync(() => parseKeyRing(ring))).toBe('CONTRACT_KEY_RING_INVALID');
  });

  it.each<[string, (ring: TKeyRing) => unknown]>([
    ['an empty ring', () => ({ keys: [] })],
    ['an extra member', (r) => ({ ...r, note: 1 })],
    ['an extra key member', (r) => ({ keys: [{ ...r.keys[0], password: 'x' }] })],
    ['a bad date', (r) => ({ keys: [{ ...r.keys[0], createdAt: 'yesterday' }] })],
    [
      'an RSA public key',
      (r) => ({ keys: [{ ...r.keys[0], publicJwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } }] }),
    ],
    [
      'a publicJwk with a private part',
      (r) => ({ keys: [{ ...r.keys[0], publicJwk: r.keys[0]!.privateJwk }] }),
    ],
    [
      'publicJwk.kid differing from kid',
      (r) => ({ keys: [{ ...r.keys[0], publicJwk: { ...r.keys[0]!.publicJwk, kid: 'x' } }] }),
    ],
    ['a string', (r) => JSON.stringify(r)],
  ])('refuses %s', async (_name, make) => {
    const stored = make(await ringOf(1));
    expect(codeOfSync(() => parseKeyRing(stored))).toBe('CONTRACT_KEY_RING_INVALID');
  });

  it('refuses an invalid Date for now', async () => {
    await expect(createKeyRing(new Date('nope'))).rejects.toMatchObject({
      code: 'CONTRACT_KEY_RING_INVALID',
    });
  });
});
