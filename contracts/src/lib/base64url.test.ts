import { describe, expect, it } from 'vitest';
import { decodeBase64url, encodeBase64url } from './base64url.ts';

describe('decodeBase64url: one spelling per byte string', () => {
  it('round-trips', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = crypto.getRandomValues(new Uint8Array(n));
      expect(decodeBase64url(encodeBase64url(bytes))).toEqual(bytes);
    }
  });

  it.each([
    ['padding', 'YQ=='],
    ['the standard alphabet (+)', 'a+8'],
    ['the standard alphabet (/)', 'a/8'],
    ['whitespace', 'YW Jj'],
    ['an impossible length', 'YWJjZ'],
    ['unused bits set (YR and YQ both "a")', 'YR'],
    ['unused bits set (YWI and YWJ)', 'YWJ'],
  ])('refuses %s', (_name, text) => {
    expect(decodeBase64url(text)).toBeNull();
  });

  it('accepts the canonical spellings those differ from', () => {
    expect(decodeBase64url('YQ')).toEqual(new TextEncoder().encode('a'));
    expect(decodeBase64url('YWI')).toEqual(new TextEncoder().encode('ab'));
  });
});
