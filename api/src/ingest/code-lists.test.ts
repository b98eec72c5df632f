import { describe, expect, it } from 'vitest';
import type { TColumn } from '../catalogue/dataset-schema.ts';
import { column } from '../demo/demo-dataset.ts';
import { CodeList, checkCoded } from './code-lists.ts';
import { CODED, ERR_INTEGER, ERR_NOT_IN_CODES, KIND_STRING, kindOf, RECAST_INTEGER } from './field-codecs.ts';

/** A column `v` of a type, public and not nullable. */
const col = (type: TColumn['type'], opts: Parameters<typeof column>[3] = {}) => column('v', type, '', opts);

describe('CodeList', () => {
  it('marks coded columns with CODED and looks values up by meaning', () => {
    expect(kindOf(col('string'))).toBe(KIND_STRING);
    expect(kindOf(col('string', { codes: ['a'] }))).toBe(KIND_STRING + CODED);
    const ints = new CodeList(col('integer', { codes: [0, 7, 2021] }));
    expect(['7', '007', '+7', '-0', '2021'].map((s) => ints.hasText(s, 0, s.length))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(ints.hasText('8', 0, 1)).toBe(false);
    expect(ints.hasValue(7)).toBe(true);
    expect(ints.hasValue(-0)).toBe(true);
    const strings = new CodeList(col('string', { codes: ['330102', 'A'] }));
    expect(strings.hasText('x330102x', 1, 7)).toBe(true);
    expect(strings.hasText('a', 0, 1)).toBe(false);
    expect(strings.hasValue('330102')).toBe(true);
    const times = new CodeList(col('timestamp', { codes: ['2024-01-01T00:00:00Z'] }));
    expect(times.hasValue('2024-01-01T08:00:00+08:00')).toBe(true);
    expect(times.hasValue('2024-01-01T08:00:00Z')).toBe(false);
  });
});

describe('CodeList of strings, short or long', () => {
  it('takes a field only when it is one of the codes, whole', () => {
    const short = ['A1', 'A2', 'B', '北京市', ''];
    const long = [...short, 'c1', 'c2', 'c3', 'c4', 'c5'];
    for (const codes of [short, long]) {
      const list = new CodeList(col('string', { codes }));
      const has = (s: string, a = 0, b = s.length) => list.hasText(s, a, b);
      expect([has('A1'), has('x,B,y', 2, 3), has('北京市'), has('A12,', 0, 2)]).toEqual([
        true,
        true,
        true,
        true,
      ]);
      expect([has('A'), has('A12'), has('a1'), has('x,B,y', 1, 3), has('北京')]).toEqual([
        false,
        false,
        false,
        false,
        false,
      ]);
    }
    const days = new CodeList(col('date', { codes: ['2020-01-01'] }));
    expect([days.hasText('2020-01-01', 0, 10), days.hasText('2020-01-02', 0, 10)]).toEqual([true, false]);
  });
});

describe('checkCoded', () => {
  it('checks the type first, then the list, and keeps the status that says how to write the field', () => {
    const column = col('integer', { codes: [7] });
    const codes = new CodeList(column);
    const check = (s: string) => checkCoded(codes, s, 0, s.length, column);
    expect(check('007')).toBe(RECAST_INTEGER);
    expect(check('x')).toBe(ERR_INTEGER);
    expect(check('8')).toBe(ERR_NOT_IN_CODES);
  });
});
