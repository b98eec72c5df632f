import { describe, expect, it } from 'vitest';
import { isIdCardNumber, isUscc } from './check-digits.ts';

describe('isIdCardNumber (GB 11643-1999)', () => {
  it('takes numbers whose check character the MOD 11-2 sum gives, X included', () => {
    // The standard's own example, and numbers whose last character was computed by the algorithm.
    for (const id of ['11010519491231002X', '440524188001010014', '110101200002290018'])
      expect(isIdCardNumber(id), id).toBe(true);
  });

  it('refuses a wrong check character, a bad birth date, a bad shape', () => {
    for (const id of [
      '110105194912310021', // check character should be X
      '11010519491231002x', // lower-case x
      '440524188001010015', // check character off by one
      '320311197102290013', // 1971-02-29 does not exist (check character right for it)
      '110105179912310024', // born in 1799
      '010105194912310026', // address code starts with 0
      '11010519491231002', // 17 characters
      '11010519491231002XX',
      '1101051949123100AX',
    ])
      expect(isIdCardNumber(id), id).toBe(false);
  });

  it('reads the field in place', () => {
    expect(isIdCardNumber('id=11010519491231002X;', 3, 21)).toBe(true);
    expect(isIdCardNumber('id=11010519491231002X;', 3, 20)).toBe(false);
  });
});

describe('isUscc (GB 32100-2015)', () => {
  it('takes codes whose check character the MOD 31 sum gives', () => {
    for (const code of ['91350100M000100Y43', '91110000802100433B', '12100000400000770U'])
      expect(isUscc(code), code).toBe(true);
  });

  it('refuses a wrong check character, letters outside the set, letters in the division code', () => {
    for (const code of [
      '91350100M000100Y44',
      '91110000802100433C',
      '91350100M000100I43', // I is not in the set
      '91350100M0001O0Y43', // O is not in the set
      '9135A100M000100Y4X', // a letter in the division code
      '91350100m000100Y43', // lower case
      '91350100M000100Y4',
    ])
      expect(isUscc(code), code).toBe(false);
  });
});
