import { describe, expect, it } from 'vitest';
import { MpcError } from '../errors.ts';
import { csvRecords, parseIdentifiers } from './identifiers.ts';

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof MpcError ? `${err.code}: ${err.message}` : String(err);
  }
  return 'accepted';
};

describe('identifiers from text', () => {
  it('reads one a line: trimmed, NFC, distinct, empty lines and a byte-order mark skipped', () => {
    expect(parseIdentifiers('\uFEFF a \r\nb\n\n a\ne\u0301\n\u00e9\n')).toEqual({
      ids: ['a', 'b', '\u00e9'],
      read: 5,
      duplicates: 2,
    });
  });

  it('reads the named column of a CSV with a header, quotes and all', () => {
    expect(
      parseIdentifiers('n,customer,name\r\n1,"C-1","Doe, ""J"""\r\n2, C-2 ,x\r\n3,,y\r\n4\r\n5,C-1,z\r\n', {
        column: 'customer',
      }),
    ).toEqual({ ids: ['C-1', 'C-2'], read: 3, duplicates: 1 });
    expect(csvRecords('a,b\r\n"x,1","say ""hi"""\n"multi\nline",\n')).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['x,1', 'say "hi"'], line: 2 },
      { fields: ['multi\nline', ''], line: 3 },
    ]);
  });

  it('refuses by line, never quoting an identifier', () => {
    const secret = 's'.repeat(2000);
    expect(refusal(() => parseIdentifiers(`ok\n${secret}\n`))).toBe(
      'MPC_INPUT_INVALID: the identifier on line 2 is longer than 1024 bytes',
    );
    expect(refusal(() => parseIdentifiers('ok\n\uD800x\n'))).toBe(
      'MPC_INPUT_INVALID: the identifier on line 2 is not valid Unicode',
    );
    expect(refusal(() => parseIdentifiers('id\n\n', { column: 'missing' }))).toMatch(/no column missing/);
    expect(refusal(() => parseIdentifiers('id\n\n', { column: 'id' }))).toMatch(/holds no identifiers/);
    expect(refusal(() => parseIdentifiers('a\nb\nc\n', { max: 2 }))).toMatch(/3 distinct .* at most 2/);
    expect(refusal(() => csvRecords('a\n"open\n'))).toMatch(/line 2 is never closed/);
  });
});
