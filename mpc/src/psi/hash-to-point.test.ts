import { ed25519, ed25519_hasher } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { isCurvePoint } from './curve-point.ts';
import { hashIdentifier, hashIdentifiers, MAX_IDENTIFIER_BYTES, PSI_HASH_DST } from './hash-to-point.ts';
import { codeOfSync, fromLe, P, pointAt, toHex } from './test-fixtures.ts';

/** The prime order of Curve25519's large subgroup. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

describe('hashIdentifier', () => {
  it('is deterministic, and pinned: browser and server must agree across versions', () => {
    expect(toHex(hashIdentifier('alice@example.com'))).toBe(
      '0aabbd5c78372a51279ab9e19dd4c5a98648a3c4ee06501fa48c5a72859ea700',
    );
    expect(toHex(hashIdentifier('bob@example.com'))).toBe(
      'd658e09ebc18487bbac0107d0c8ccb05ec3914a563d6714aa150de1212670123',
    );
    expect(hashIdentifier('carol')).toEqual(hashIdentifier('carol'));
    expect(PSI_HASH_DST).toBe('ENCLAVE-PSI-V1_edwards25519_XMD:SHA-512_ELL2_RO_');
  });

  it('is the Montgomery u of RFC 9380 hash_to_curve under PSI_HASH_DST, in the prime-order subgroup', () => {
    for (const id of ['alice@example.com', 'x', 'é', '12345']) {
      const point = ed25519_hasher.hashToCurve(new TextEncoder().encode(id), { DST: PSI_HASH_DST });
      expect(hashIdentifier(id)).toEqual(ed25519.utils.toMontgomery(point.toBytes()));
      // [L]P = O: [L - 1]P + P, as noble refuses a scalar of L itself.
      expect(
        point
          .multiplyUnsafe(L - 1n)
          .add(point)
          .is0(),
      ).toBe(true);
      expect(point.isTorsionFree()).toBe(true);
      expect(point.is0()).toBe(false);
    }
  });

  it('uses the standard suite: noble reproduces RFC 9380 J.5.1 (edwards25519_XMD:SHA-512_ELL2_RO_, msg "")', () => {
    const point = ed25519_hasher
      .hashToCurve(new Uint8Array(0), { DST: 'QUUX-V01-CS02-with-edwards25519_XMD:SHA-512_ELL2_RO_' })
      .toAffine();
    expect(point.x).toBe(0x3c3da6925a3c3c268448dcabb47ccde5439559d9599646a8260e47b1e4822fc6n);
    expect(point.y).toBe(0x09a6c8561a0b22bef63124c588ce4c62ea83a3c899763af26d795302e115dc21n);
  });

  it('gives different identifiers different points, all on the curve', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `user-${i}`).concat(['User-1', 'user-1 ', ' user-1']);
    const packed = hashIdentifiers(ids);
    const seen = new Set<string>();
    for (let i = 0; i < ids.length; i++) {
      const u = pointAt(packed, i);
      expect(isCurvePoint(u)).toBe(true);
      expect(fromLe(u)).toBeLessThan(P);
      seen.add(toHex(u));
    }
    expect(seen.size).toBe(ids.length);
  });

  it('normalises to NFC: composed and decomposed forms hash alike', () => {
    expect(hashIdentifier('\u00e9')).toEqual(hashIdentifier('e\u0301'));
    expect(hashIdentifier('Ame\u0301lie')).toEqual(hashIdentifier('Am\u00e9lie'));
    expect(hashIdentifier('\u212b')).toEqual(hashIdentifier('\u00c5')); // Å (angstrom sign) → Å
    expect(hashIdentifier('\u00e9')).not.toEqual(hashIdentifier('e'));
  });

  it('refuses empty, too long and ill-formed identifiers', () => {
    expect(codeOfSync(() => hashIdentifier(''))).toBe('MPC_INPUT_INVALID');
    expect(codeOfSync(() => hashIdentifier('a'.repeat(MAX_IDENTIFIER_BYTES)))).toBe('accepted');
    expect(codeOfSync(() => hashIdentifier('a'.repeat(MAX_IDENTIFIER_BYTES + 1)))).toBe('MPC_INPUT_INVALID');
    // Counted in UTF-8 bytes after NFC: é is 2 bytes composed (3 decomposed).
    expect(codeOfSync(() => hashIdentifier('\u00e9'.repeat(512)))).toBe('accepted');
    expect(codeOfSync(() => hashIdentifier('e\u0301'.repeat(512)))).toBe('accepted');
    expect(codeOfSync(() => hashIdentifier('\u00e9'.repeat(513)))).toBe('MPC_INPUT_INVALID');
    // A lone surrogate would encode as U+FFFD and collide with U+FFFD itself.
    expect(codeOfSync(() => hashIdentifier('a\ud800'))).toBe('MPC_INPUT_INVALID');
    expect(codeOfSync(() => hashIdentifier('\udc00'))).toBe('MPC_INPUT_INVALID');
    expect(codeOfSync(() => hashIdentifier('\ud83d\ude00'))).toBe('accepted');
    expect(codeOfSync(() => hashIdentifier(42 as unknown as string))).toBe('MPC_INPUT_INVALID');
  });
});

describe('hashIdentifiers', () => {
  it('packs hashIdentifier of each, in order', () => {
    const ids = ['a', 'b', 'c'];
    const packed = hashIdentifiers(ids);
    expect(packed).toHaveLength(96);
    ids.forEach((id, i) => {
      expect(pointAt(packed, i)).toEqual(hashIdentifier(id));
    });
    expect(hashIdentifiers([])).toHaveLength(0);
  });

  it('reports progress every 256 and at the end', () => {
    const calls: number[] = [];
    hashIdentifiers(
      Array.from({ length: 600 }, (_, i) => `p${i}`),
      (done) => calls.push(done),
    );
    expect(calls).toEqual([256, 512, 600]);
  });

  it('names the first identifier refused', () => {
    expect(codeOfSync(() => hashIdentifiers(['a', 'b', '', 'c']))).toBe('MPC_INPUT_INVALID');
    expect(() => hashIdentifiers(['a', 'b', '', 'c'])).toThrow(/^identifier 2 is empty/);
    expect(codeOfSync(() => hashIdentifiers('abc' as unknown as string[]))).toBe('MPC_INPUT_INVALID');
  });
});
