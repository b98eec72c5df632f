import { x25519 } from '@noble/curves/ed25519.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { blindPoints, createBlindingKey, generateBlindingSecret, importBlindingSecret } from './blind.ts';
import { isCurvePoint } from './curve-point.ts';
import { hashIdentifiers } from './hash-to-point.ts';
import { codeOf, curveRhs, euler, le32, P, pack, pointAt } from './test-fixtures.ts';

const ids = Array.from({ length: 100 }, (_, i) => `member-${i}@example.com`);
const hashed = hashIdentifiers(ids);

/** The points of small order X25519 sends to zero: the curve's 0, 1 and order-8 u, the twist's p - 1. */
const LOW_ORDER = [
  0n,
  1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
  P - 1n,
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe('blinding keys', () => {
  it('createBlindingKey gives a non-extractable X25519 private key for deriveBits', async () => {
    const key = await createBlindingKey();
    expect(key.type).toBe('private');
    expect(key.extractable).toBe(false);
    expect(key.algorithm.name).toBe('X25519');
    expect(key.usages).toEqual(['deriveBits']);
    await expect(crypto.subtle.exportKey('pkcs8', key)).rejects.toThrow();
  });

  it('importBlindingSecret blinds exactly as RFC 7748 X25519 of that secret (noble as the reference)', async () => {
    const secret = generateBlindingSecret();
    expect(secret).toHaveLength(32);
    expect(generateBlindingSecret()).not.toEqual(secret);
    const key = await importBlindingSecret(secret);
    expect(key.extractable).toBe(false);
    const blinded = await blindPoints(key, hashed.subarray(0, 10 * 32));
    for (let i = 0; i < 10; i++) {
      expect(pointAt(blinded, i)).toEqual(x25519.getSharedSecret(secret, pointAt(hashed, i)));
    }
  });

  it('importBlindingSecret refuses anything but 32 bytes', async () => {
    expect(await codeOf(importBlindingSecret(new Uint8Array(31)))).toBe('MPC_INPUT_INVALID');
    expect(await codeOf(importBlindingSecret(new Uint8Array(33)))).toBe('MPC_INPUT_INVALID');
    expect(await codeOf(importBlindingSecret('secret' as unknown as Uint8Array))).toBe('MPC_INPUT_INVALID');
  });
});

describe('blindPoints', () => {
  it('commutes: a then b equals b then a, over 100 identifiers', async () => {
    const a = await createBlindingKey();
    const b = await importBlindingSecret(generateBlindingSecret());
    const ab = await blindPoints(b, await blindPoints(a, hashed));
    const ba = await blindPoints(a, await blindPoints(b, hashed));
    expect(ab).toEqual(ba);
    expect(ab).toHaveLength(hashed.length);
    const distinct = new Set<string>();
    for (let i = 0; i < ids.length; i++) {
      expect(isCurvePoint(pointAt(ab, i))).toBe(true);
      distinct.add(pointAt(ab, i).join());
    }
    expect(distinct.size).toBe(ids.length);
    // And blinding does change the points: different keys, different results.
    expect(await blindPoints(a, hashed)).not.toEqual(await blindPoints(b, hashed));
  });

  it('keeps the order whatever the concurrency, and reports progress', async () => {
    const key = await createBlindingKey();
    const many = hashIdentifiers(Array.from({ length: 600 }, (_, i) => `row-${i}`));
    const calls: number[] = [];
    const wide = await blindPoints(key, many, { onProgress: (done) => calls.push(done) });
    expect(await blindPoints(key, many, { concurrency: 1 })).toEqual(wide);
    expect(await blindPoints(key, many, { concurrency: 7 })).toEqual(wide);
    for (let i = 0; i < 600; i += 97) {
      expect(await blindPoints(key, pointAt(many, i))).toEqual(pointAt(wide, i));
    }
    expect(calls).toEqual([256, 512, 600]);
    expect(await blindPoints(key, new Uint8Array(0))).toHaveLength(0);
  });

  it('does not read the caller’s buffer after it returns', async () => {
    const key = await createBlindingKey();
    const input = hashed.slice(0, 20 * 32);
    const want = await blindPoints(key, input);
    const pending = blindPoints(key, input);
    input.fill(0);
    expect(await pending).toEqual(want);
  });

  it('refuses each point of small order with MPC_POINT_INVALID, naming it', async () => {
    const key = await createBlindingKey();
    for (const u of LOW_ORDER) {
      const packed = pack([pointAt(hashed, 0), pointAt(hashed, 1), le32(u)]);
      expect(await codeOf(blindPoints(key, packed))).toBe('MPC_POINT_INVALID');
      await expect(blindPoints(key, packed)).rejects.toThrow(/^point 2 /);
    }
  });

  it('refuses a twist point and a non-canonical one; MPC_INPUT_INVALID for a ragged length', async () => {
    const key = await createBlindingKey();
    expect(euler(curveRhs(2n))).toBe(P - 1n);
    const twist = le32(2n);
    expect(await codeOf(blindPoints(key, twist))).toBe('MPC_POINT_INVALID');
    const high = pointAt(hashed, 0).slice();
    high[31]! |= 0x80;
    expect(await codeOf(blindPoints(key, high))).toBe('MPC_POINT_INVALID');
    expect(await codeOf(blindPoints(key, hashed.subarray(0, 40)))).toBe('MPC_INPUT_INVALID');
  });

  it('also stands on WebCrypto itself: X25519 refuses the small-order points', async () => {
    const key = await createBlindingKey();
    for (const u of LOW_ORDER) {
      const point = await crypto.subtle.importKey('raw', le32(u), { name: 'X25519' }, false, []);
      await expect(crypto.subtle.deriveBits({ name: 'X25519', public: point }, key, 256)).rejects.toThrow();
    }
  });

  it('turns a WebCrypto refusal or an all-zero result into MPC_POINT_INVALID', async () => {
    const key = await createBlindingKey();
    const three = hashed.subarray(0, 3 * 32);
    const spy = vi.spyOn(crypto.subtle, 'deriveBits');
    spy.mockRejectedValueOnce(new DOMException('refused', 'OperationError'));
    expect(await codeOf(blindPoints(key, three, { concurrency: 1 }))).toBe('MPC_POINT_INVALID');
    spy.mockResolvedValueOnce(new ArrayBuffer(32));
    expect(await codeOf(blindPoints(key, three, { concurrency: 1 }))).toBe('MPC_POINT_INVALID');
    spy.mockRestore();
    expect(await codeOf(blindPoints(key, three, { concurrency: 1 }))).toBe('accepted');
  });

  it('refuses a key that is not an X25519 private key for deriveBits, and a bad concurrency', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, false, [
      'deriveBits',
    ])) as CryptoKeyPair;
    const ed = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const one = pointAt(hashed, 0);
    expect(await codeOf(blindPoints(pair.publicKey, one))).toBe('MPC_INPUT_INVALID');
    expect(await codeOf(blindPoints(ed.privateKey, one))).toBe('MPC_INPUT_INVALID');
    expect(await codeOf(blindPoints({} as CryptoKey, one))).toBe('MPC_INPUT_INVALID');
    for (const concurrency of [0, -1, 1.5, Number.NaN]) {
      expect(await codeOf(blindPoints(pair.privateKey, one, { concurrency }))).toBe('MPC_INPUT_INVALID');
    }
  });
});
