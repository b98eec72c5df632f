import { describe, expect, it } from 'vitest';
import { csvField } from './audit-csv.ts';

describe('csvField', () => {
  it('writes null as nothing and the empty string as ""', () => {
    expect(csvField(null)).toBe('');
    expect(csvField('')).toBe('""');
    expect(csvField(42)).toBe('42');
  });

  it('quotes fields with commas, quotes and line breaks, doubling quotes (RFC 4180)', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField('plain 文本')).toBe('plain 文本');
  });

  it('keeps spreadsheets from running a cell as a formula, reversibly', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      const value = `${start}SUM(A1)`;
      const field = csvField(value);
      expect(field.replace(/^"|"$/g, '')).toBe(`'${value}`);
    }
    expect(csvField("'already")).toBe("''already");
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('a=b')).toBe('a=b');
  });
});
