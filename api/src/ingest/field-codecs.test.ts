import { describe, expect, it } from 'vitest';
import type { TColumn } from '../catalogue/dataset-schema.ts';
import { column } from '../demo/demo-dataset.ts';
import { createRng } from '../demo/prng.ts';
import { checkInteger, checkTimestamp, integerValue, timestampKey } from './field-codecs.ts';

/** A column `v` of a type, public and not nullable. */
const col = (type: TColumn['type'], opts: Parameters<typeof column>[3] = {}) => column('v', type, '', opts);

const key = (s: string) => {
  expect(checkTimestamp(s, 0, s.length), s).toBeGreaterThanOrEqual(0);
  return timestampKey(s, 0, s.length);
};

describe('timestampKey', () => {
  it('gives the same key to the same instant however it is written, and another to another', () => {
    const same = [
      '2024-01-01T00:00:00Z',
      '2024-01-01T08:00:00+08:00',
      '2023-12-31T23:30:00-00:30',
      '2024-01-01T00:00:00.000000Z',
      '2024-01-01T15:59:00+15:59',
    ];
    for (const s of same) expect(key(s), s).toBe(key(same[0]!));
    expect(key('2024-01-01T00:00:00.1Z')).toBe(key('2024-01-01T00:00:00.100Z'));
    expect(key('2024-01-01T00:00:00.000001Z')).not.toBe(key('2024-01-01T00:00:00Z'));
    expect(key('2024-01-01T00:00:01Z')).not.toBe(key('2024-01-01T00:00:00Z'));
  });

  it('agrees with Date.parse on random instants, offsets and milliseconds (seeded)', () => {
    const rng = createRng(7);
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    for (let n = 0; n < 5000; n++) {
      // Within about 300 years of 1970: four-digit years, which Date.parse reads as ISO 8601.
      const t = Math.floor((rng.next() * 2 - 1) * 1e13);
      const offset = rng.int(-15 * 60 - 59, 15 * 60 + 59);
      const local = new Date(t + offset * 60_000).toISOString().slice(0, 23);
      const sign = offset < 0 ? '-' : '+';
      const text = `${local}${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
      const ms = Date.parse(text);
      expect(ms, text).toBe(t);
      const seconds = Math.floor(t / 1000);
      const millis = t - seconds * 1000;
      const decimals = pad(millis, 3).replace(/0+$/, '');
      expect(key(text), text).toBe(decimals === '' ? String(seconds) : `${seconds}.${decimals}`);
    }
  });

  it('handles years before 100 and before 1970', () => {
    expect(key('0001-01-01T00:00:00Z')).toBe(String(-62135596800));
    // Date.UTC reads years 0–99 as 1900–1999; setUTCFullYear does not.
    const year99 = new Date(Date.UTC(2000, 11, 31, 23, 59, 59));
    year99.setUTCFullYear(99);
    expect(key('0099-12-31T23:59:59Z')).toBe(String(year99.getTime() / 1000));
    expect(key('1969-12-31T23:59:59.5Z')).toBe(key('1970-01-01T07:59:59.50+08:00'));
    expect(key('1969-12-31T23:59:59.5Z')).not.toBe(key('1969-12-31T23:59:59Z'));
  });
});

describe('integerValue', () => {
  it('reads every form checkInteger accepts', () => {
    const column = col('integer');
    for (const [text, value] of [
      ['7', 7],
      ['007', 7],
      ['+7', 7],
      ['-7', -7],
      ['-0', -0],
      ['9007199254740991', 9007199254740991],
      ['-0009007199254740991', -9007199254740991],
      ['123456789012345', 123456789012345],
    ] as const) {
      expect(checkInteger(text, 0, text.length, column), text).toBeGreaterThanOrEqual(0);
      expect(integerValue(text, 0, text.length), text).toBe(value);
      expect(integerValue(`,${text},`, 1, text.length + 1), text).toBe(value);
    }
  });
});
