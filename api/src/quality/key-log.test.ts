import { describe, expect, it } from 'vitest';
import { KeyLog } from './key-log.ts';

describe('KeyLog', () => {
  it('finds every repeat with the line that held the key first', () => {
    const log = new KeyLog();
    log.add('b', 0);
    for (const [key, line] of [
      ['a', 2],
      ['b', 3],
      ['c', 4],
      ['a', 5],
      ['a', 6],
      ['ab', 7],
      ['ba', 8],
    ] as const)
      log.add(key, line);
    expect(log.repeats()).toEqual([
      { line: 3, firstLine: 0 },
      { line: 5, firstLine: 2 },
      { line: 6, firstLine: 2 },
    ]);
  });

  it('keeps numbers exactly (0 and -0 are one key) and agrees with a Set on many keys', () => {
    const log = new KeyLog();
    log.add(0, 1);
    log.add(-0, 2);
    log.add(1e21, 3);
    log.add(1e21 + 2 ** 20, 4);
    log.add(0.1 + 0.2, 5);
    log.add(0.3, 6);
    expect(log.repeats()).toEqual([{ line: 2, firstLine: 1 }]);

    const strings = new KeyLog();
    const seen = new Map<string, number>();
    const expected: { line: number; firstLine: number }[] = [];
    for (let line = 1; line <= 200_000; line++) {
      const key = `k${(line * 7919) % 150_001}`;
      strings.add(key, line);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, line);
      else expected.push({ line, firstLine: first });
    }
    expect(strings.size).toBe(200_000);
    expect(strings.repeats()).toEqual(expected);
  });

  it('finds no repeat among keys that only grow, and finds one once a key goes back', () => {
    const log = new KeyLog();
    for (let line = 1; line <= 1000; line++) log.add(line * 0.5, line);
    expect(log.repeats()).toEqual([]);
    log.add(-0, 1001);
    log.add(0, 1002);
    log.add(500, 1003);
    expect(log.repeats()).toEqual([
      { line: 1002, firstLine: 1001 },
      { line: 1003, firstLine: 1000 },
    ]);
    const texts = new KeyLog();
    texts.add(1, 1);
    texts.add('1', 2);
    texts.add(2, 3);
    texts.add('1', 4);
    expect(texts.repeats()).toEqual([{ line: 4, firstLine: 2 }]);
  });
});
