/*
 * Check characters of China's identifiers. Both functions take the field text `s[a, b)` as
 * written, without copying it, and answer whether it is well formed.
 */

/** GB 11643-1999 weights: 2^(17 - i) mod 11 for the first 17 digits. */
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** The check character for each value of the weighted sum mod 11 (ISO 7064 MOD 11-2). */
const ID_CHECK = '10X98765432';

const digit = (s: string, i: number) => {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
};

/**
 * Whether `s[a, b)` is an 18-digit resident identity number (公民身份号码, GB 11643-1999): six
 * digits of address code (not starting with 0), a birth date `YYYYMMDD` that exists in the
 * calendar from 1800 on, three digits of sequence code, and the ISO 7064 MOD 11-2 check character
 * (a digit or `X`; lower-case `x` is refused, as the standard writes it upper-case).
 *
 * @example
 * isIdCardNumber('11010519491231002X') // true
 * isIdCardNumber('110105194912310021') // false: the check character is X
 */
export function isIdCardNumber(s: string, a = 0, b = s.length): boolean {
  if (b - a !== 18 || s.charCodeAt(a) === 48) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const d = digit(s, a + i);
    if (d < 0) return false;
    sum += d * ID_WEIGHTS[i]!;
  }
  if (s.charCodeAt(a + 17) !== ID_CHECK.charCodeAt(sum % 11)) return false;
  const year = digit(s, a + 6) * 1000 + digit(s, a + 7) * 100 + digit(s, a + 8) * 10 + digit(s, a + 9);
  const month = digit(s, a + 10) * 10 + digit(s, a + 11);
  const day = digit(s, a + 12) * 10 + digit(s, a + 13);
  if (year < 1800 || month < 1 || month > 12 || day < 1) return false;
  if (month === 2) return day <= (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28);
  return day <= (month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31);
}

/** The 31 characters of GB 32100-2015, in order of value: digits and capitals without I, O, Z, S, V. */
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** Value of each char code in USCC_CHARS, -1 elsewhere. */
const USCC_VALUES = (() => {
  const values = new Int8Array(128).fill(-1);
  for (let i = 0; i < USCC_CHARS.length; i++) values[USCC_CHARS.charCodeAt(i)] = i;
  return values;
})();
/** GB 32100-2015 weights: 3^i mod 31 for the first 17 characters. */
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/**
 * Whether `s[a, b)` is an 18-character unified social credit code (统一社会信用代码, GB 32100-2015):
 * characters of its 31-character set (digits and capitals without I, O, Z, S, V), digits in
 * places 3 to 8 (the administrative division code), and the MOD 31 check character last.
 *
 * @example
 * isUscc('91350100M000100Y43') // true
 * isUscc('91350100M000100Y44') // false
 */
export function isUscc(s: string, a = 0, b = s.length): boolean {
  if (b - a !== 18) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const c = s.charCodeAt(a + i);
    const v = c < 128 ? USCC_VALUES[c]! : -1;
    if (v < 0 || (i >= 2 && i < 8 && v > 9)) return false;
    sum += v * USCC_WEIGHTS[i]!;
  }
  const last = s.charCodeAt(a + 17);
  return last < 128 && USCC_VALUES[last] === (31 - (sum % 31)) % 31;
}
