import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { patternMatcher } from './pattern-matcher.ts';

/** A small PRNG, so a failure can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

describe('patternMatcher', () => {
  const patterns = [
    '[1-9]\\d{5}(18|19|20)\\d{9}[\\dX]',
    '11\\d+X?',
    '9.*',
    '[A-C][12]',
    'a.c',
    '[^a-c]+x',
    '(?:ab|a)(?:c|bc)d?',
    '\\w{2,4}-\\W',
    '^a|b$',
    'x{0,3}y{2,}',
    '[\\d.\\-]+',
    '(a+)+$',
    '\\s+',
    '(?i)abc',
    '[[:alpha:]]+',
    'a{2}{3}',
  ];
  const alphabet = ['a', 'b', 'c', 'x', 'y', '1', '9', '0', 'X', '-', '.', ' ', '\n', '\r', '😀', 'é', '_'];

  it('answers as RE2 does on the whole value, on random values', () => {
    const rnd = prng(11);
    for (const p of patterns) {
      let linear: RE2JS;
      try {
        linear = RE2JS.compile(p);
      } catch {
        expect(() => patternMatcher(p)).toThrow();
        continue;
      }
      const matches = patternMatcher(p);
      for (let k = 0; k < 2000; k++) {
        const length = Math.floor(rnd() * 12);
        let value = '';
        for (let i = 0; i < length; i++) value += alphabet[Math.floor(rnd() * alphabet.length)];
        expect(matches(value), `${p} on ${JSON.stringify(value)}`).toBe(linear.matches(value));
      }
      expect(matches('11010519491231002X')).toBe(linear.matches('11010519491231002X'));
    }
  });

  it('refuses what is not RE2 syntax', () => {
    for (const p of ['(a', '(a)\\1', '(?=a)', 'a**']) expect(() => patternMatcher(p)).toThrow();
  });

  it('stays linear on values long enough to make a backtracking engine blow up', () => {
    for (const p of ['(a+)+$', 'a*a*a*a*a*b', '(a|aa)+b', '.*.*.*=.*']) {
      const matches = patternMatcher(p);
      const started = performance.now();
      expect(matches(`${'a'.repeat(20_000)}!`)).toBe(false);
      expect(performance.now() - started, p).toBeLessThan(1000);
    }
  });
});
