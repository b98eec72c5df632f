import { ED25519_TORSION_SUBGROUP, ed25519, x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { MpcError } from '../errors.ts';
import { checkCurvePoints, isCurvePoint } from './curve-point.ts';
import { hashIdentifiers } from './hash-to-point.ts';
import { codeOfSync, curveRhs, euler, fromHex, fromLe, le32, P, pack, pointAt } from './test-fixtures.ts';

const hashed = hashIdentifiers(Array.from({ length: 200 }, (_, i) => `id-${i}`));

/** Random canonical u-coordinates until one is on the twist, as Euler's criterion says. */
function twistPoint(): bigint {
  for (;;) {
    const u = fromLe(crypto.getRandomValues(new Uint8Array(32))) & ((1n << 255n) - 1n);
    if (u < P && euler(curveRhs(u)) === P - 1n) return u;
  }
}

/** The order-8 torsion as Montgomery u (the identity has none; X25519 writes it as 0). */
const torsionU = ED25519_TORSION_SUBGROUP.slice(1).map((hex) =>
  fromLe(ed25519.utils.toMontgomery(fromHex(hex))),
);

/** libsodium's crypto_scalarmult_curve25519 blocklist (ref10 has_small_order), canonical entries. */
const LIBSODIUM_BLOCKLIST = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((hex) => fromLe(fromHex(hex)));

describe('isCurvePoint', () => {
  it('accepts every hashed identifier and random X25519 public keys', () => {
    for (let i = 0; i < 200; i++) expect(isCurvePoint(pointAt(hashed, i))).toBe(true);
    for (let i = 0; i < 100; i++)
      expect(isCurvePoint(x25519.getPublicKey(x25519.utils.randomSecretKey()))).toBe(true);
  });

  it('accepts exactly the canonical u whose u^3 + A·u^2 + u is a square (1000 random u, by Euler)', () => {
    let onCurve = 0;
    for (let i = 0; i < 1000; i++) {
      const u = fromLe(crypto.getRandomValues(new Uint8Array(32))) & ((1n << 255n) - 1n);
      if (u >= P) continue;
      const square = euler(curveRhs(u)) === 1n;
      if (square) onCurve++;
      expect(isCurvePoint(le32(u)), u.toString()).toBe(square);
    }
    expect(onCurve).toBeGreaterThan(400);
    expect(onCurve).toBeLessThan(600);
  });

  it('refuses twist points, and only because they are on the twist', () => {
    for (let i = 0; i < 50; i++) {
      const u = twistPoint();
      expect(euler(curveRhs(u))).toBe(P - 1n);
      // Canonical, and of large order on the twist: nothing but the square test can refuse it.
      expect(u).toBeLessThan(P);
      expect(torsionU).not.toContain(u);
      expect(isCurvePoint(le32(u))).toBe(false);
      expect(() => checkCurvePoints(le32(u))).toThrow(/twist/);
    }
  });

  it('refuses every point of small order: the curve’s torsion, libsodium’s list and p - 1', () => {
    expect(new Set(torsionU)).toEqual(
      new Set([
        0n,
        1n,
        325606250916557431795983626356110631294008115727848805560023387167927233504n,
        39382357235489614581723060781553021112529911719440698176882885853963445705823n,
      ]),
    );
    const all = [...new Set([...torsionU, ...LIBSODIUM_BLOCKLIST, P - 1n])];
    expect(all).toHaveLength(5);
    const scalar = x25519.utils.randomSecretKey();
    for (const u of all) {
      expect(isCurvePoint(le32(u)), u.toString()).toBe(false);
      // Small order indeed: X25519 with any (clamped) scalar sends them to zero.
      expect(() => x25519.getSharedSecret(scalar, le32(u))).toThrow();
    }
    // Those of the curve itself (all but p - 1) pass the square test: the list is what refuses them.
    for (const u of torsionU.filter((t) => t !== 0n)) expect(euler(curveRhs(u))).toBe(1n);
    for (const u of torsionU.filter((t) => t !== 0n))
      expect(() => checkCurvePoints(le32(u))).toThrow(/small order/);
  });

  it('refuses non-canonical encodings: u ≥ p and the top bit set', () => {
    const small = [...Array(17).keys()].map((k) => BigInt(k + 2)).filter((k) => isCurvePoint(le32(k)));
    expect(small.length).toBeGreaterThan(0);
    // p + k names the same field element as k, which is a valid point.
    for (const k of small) expect(isCurvePoint(le32(P + k))).toBe(false);
    for (const u of [P, P + 1n, P + 18n, 2n ** 255n - 1n]) expect(isCurvePoint(le32(u))).toBe(false);
    for (let i = 0; i < 20; i++) {
      const good = pointAt(hashed, i).slice();
      good[31]! |= 0x80;
      expect(isCurvePoint(good)).toBe(false);
      expect(() => checkCurvePoints(good)).toThrow(/top bit/);
    }
  });

  it('refuses wrong lengths and non-bytes', () => {
    const good = pointAt(hashed, 0);
    expect(isCurvePoint(new Uint8Array(0))).toBe(false);
    expect(isCurvePoint(good.subarray(0, 31))).toBe(false);
    expect(isCurvePoint(new Uint8Array([...good, 0]))).toBe(false);
    expect(isCurvePoint(pack([good, good]))).toBe(false);
    expect(isCurvePoint([...good] as unknown as Uint8Array)).toBe(false);
  });
});

describe('checkCurvePoints', () => {
  it('accepts packed good points and nothing at all', () => {
    expect(() => checkCurvePoints(hashed)).not.toThrow();
    expect(() => checkCurvePoints(new Uint8Array(0))).not.toThrow();
  });

  it('names the first bad point', () => {
    const packed = hashed.slice(0, 10 * 32);
    packed.set(le32(twistPoint()), 3 * 32);
    packed.set(le32(1n), 7 * 32);
    expect(codeOfSync(() => checkCurvePoints(packed))).toBe('MPC_POINT_INVALID');
    expect(() => checkCurvePoints(packed)).toThrow(/^point 3 /);
    packed.set(pointAt(hashed, 3), 3 * 32);
    expect(() => checkCurvePoints(packed)).toThrow(/^point 7 is a point of small order/);
  });

  it('refuses a length that is not a multiple of 32', () => {
    for (const len of [1, 31, 33, 65]) {
      expect(codeOfSync(() => checkCurvePoints(hashed.subarray(0, len)))).toBe('MPC_INPUT_INVALID');
    }
    expect(codeOfSync(() => checkCurvePoints('points' as unknown as Uint8Array))).toBe('MPC_INPUT_INVALID');
    expect(() => checkCurvePoints(hashed.subarray(0, 33))).toThrow(MpcError);
  });
});
