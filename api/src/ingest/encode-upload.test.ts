import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TColumn } from '../catalogue/dataset-schema.ts';
import { encodeUpload, type TEncodeOptions, type TRowError, UploadRejected } from './encode-upload.ts';

const col = (name: string, type: TColumn['type'], extra: Partial<TColumn> = {}): TColumn => ({
  name,
  type,
  nullable: false,
  description: '',
  sensitivity: 'public',
  ...extra,
});

const utf8 = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]) => {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
};

async function* stream(parts: Uint8Array[]) {
  for (const part of parts) yield part;
}

type TInput = string | Uint8Array | Uint8Array[];
const partsOf = (input: TInput): Uint8Array[] =>
  Array.isArray(input) ? input : [typeof input === 'string' ? utf8(input) : input];

type TOptions = Partial<TEncodeOptions> & { columns: TColumn[] };

/** Encodes and collects the whole output; throws what the chunks throw. */
async function encode(input: TInput, options: TOptions) {
  const { chunks, summary } = encodeUpload(stream(partsOf(input)), { format: 'csv', version: 1, ...options });
  const batches: string[] = [];
  for await (const batch of chunks) batches.push(batch);
  return { text: batches.join(''), batches, ...summary() };
}

/** The errors an upload is rejected with (fails the test if it is accepted). */
async function rejection(input: TInput, options: TOptions): Promise<TRowError[]> {
  try {
    await encode(input, options);
  } catch (err) {
    expect(err).toBeInstanceOf(UploadRejected);
    return (err as UploadRejected).errors;
  }
  throw new Error('the upload was accepted');
}

/** The first error only. */
const firstError = async (input: TInput, options: TOptions) => (await rejection(input, options))[0];

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// A schema touching every type.
const ALL = [
  col('id', 'integer'),
  col('name', 'string'),
  col('score', 'number', { nullable: true }),
  col('ok', 'boolean', { nullable: true }),
  col('day', 'date', { nullable: true }),
  col('at', 'timestamp', { nullable: true }),
];
const ALL_HEADER = 'id,name,score,ok,day,at\n';

describe('encodeUpload, CSV: what it accepts', () => {
  it('writes one COPY text row per record, version first, columns in schema order', async () => {
    const csv = `${ALL_HEADER}1,北京市,1.5,true,2024-02-29,2024-03-01T08:00:00+08:00\n2,b,,0,,\n`;
    const result = await encode(csv, { columns: ALL, version: 7 });
    expect(result.text).toBe(
      '7\t1\t北京市\t1.5\tt\t2024-02-29\t2024-03-01T08:00:00+08:00\n7\t2\tb\t\\N\tf\t\\N\t\\N\n',
    );
    expect(result.rowCount).toBe(2);
  });

  it('maps a header in any order to schema order and writes NULL for a nullable column it leaves out', async () => {
    const columns = [col('a', 'integer'), col('b', 'string', { nullable: true }), col('c', 'integer')];
    const result = await encode('c,a\n3,1\n30,10\n', { columns });
    expect(result.text).toBe('1\t1\t\\N\t3\n1\t10\t\\N\t30\n');
  });

  it('reads CRLF and LF alike, with or without a BOM, with or without a final newline', async () => {
    const columns = [col('a', 'integer'), col('b', 'string')];
    const expected = '1\t1\tx\n1\t2\ty\n';
    for (const csv of [
      'a,b\n1,x\n2,y\n',
      'a,b\r\n1,x\r\n2,y\r\n',
      '\uFEFFa,b\n1,x\n2,y\n',
      'a,b\n1,x\n2,y',
    ]) {
      expect((await encode(csv, { columns })).text, JSON.stringify(csv)).toBe(expected);
    }
    expect((await encode('\uFEFFa,b\r\n1,x\r\n2,y', { columns })).text).toBe(expected);
  });

  it('skips completely empty lines, at the end or elsewhere, but still counts them as lines', async () => {
    const columns = [col('a', 'integer')];
    expect((await encode('a\n1\n\n2\n\r\n3\n\n', { columns })).text).toBe('1\t1\n1\t2\n1\t3\n');
    expect(await firstError('a\n\n\n1\nx\n', { columns })).toEqual({
      line: 5,
      column: 'a',
      reason: 'not an integer',
    });
  });

  it('accepts a header-only upload as zero rows', async () => {
    for (const csv of ['a,b\n', 'a,b', '\uFEFFa,b\r\n']) {
      const result = await encode(csv, { columns: [col('a', 'integer'), col('b', 'string')] });
      expect(result).toMatchObject({ text: '', rowCount: 0 });
    }
  });

  it('reads quoted fields: commas, newlines and "" inside, quoted numbers, an empty quoted field as NULL', async () => {
    const columns = [
      col('a', 'integer'),
      col('b', 'string', { nullable: true }),
      col('c', 'string', { nullable: true }),
    ];
    const csv = 'a,"b","c"\n"1","x, ""y""","two\nlines"\n2,"",""""\n';
    expect((await encode(csv, { columns })).text).toBe('1\t1\tx, "y"\ttwo\\nlines\n1\t2\t\\N\t"\n');
  });

  it('escapes backslash, tab, newline and carriage return in text', async () => {
    const columns = [col('a', 'string'), col('b', 'string')];
    const csv = 'a,b\nback\\slash,tab\there\n"new\nline","cr\rlf\r\nend"\n';
    expect((await encode(csv, { columns })).text).toBe(
      '1\tback\\\\slash\ttab\\there\n1\tnew\\nline\tcr\\rlf\\r\\nend\n',
    );
    expect((await encode('a,b\n\\N,\\.\n', { columns })).text).toBe('1\t\\\\N\t\\\\.\n');
  });

  it('writes integers in canonical form and keeps accepted numbers as given', async () => {
    const columns = [col('i', 'integer'), col('n', 'number')];
    const csv = 'i,n\n+5,1\n007,-1.5\n-0,.5\n-9007199254740991,1e-3\n9007199254740991,+2.\n12,5E+10\n';
    expect((await encode(csv, { columns })).text).toBe(
      '1\t5\t1\n1\t7\t-1.5\n1\t0\t.5\n1\t-9007199254740991\t1e-3\n1\t9007199254740991\t+2.\n1\t12\t5E+10\n',
    );
  });

  it('reads booleans true/false in any case and 1/0', async () => {
    const columns = [col('b', 'boolean')];
    expect((await encode('b\ntrue\nFALSE\nTrue\nfAlSe\n1\n0\n', { columns })).text).toBe(
      '1\tt\n1\tf\n1\tt\n1\tf\n1\tt\n1\tf\n',
    );
  });

  it('accepts values on the min and max bounds', async () => {
    const columns = [col('i', 'integer', { min: -3, max: 10 }), col('n', 'number', { min: 0, max: 1 })];
    expect((await encode('i,n\n-3,0\n10,1\n', { columns })).text).toBe('1\t-3\t0\n1\t10\t1\n');
  });

  it('accepts real calendar dates and ISO timestamps with an offset', async () => {
    const columns = [col('d', 'date'), col('t', 'timestamp')];
    const csv =
      'd,t\n2024-02-29,2024-03-01T08:00:00Z\n2000-02-29,2024-03-01T08:00:00.123456-05:30\n0001-01-01,1999-12-31T23:59:59.5+14:00\n';
    expect((await encode(csv, { columns })).text).toBe(
      '1\t2024-02-29\t2024-03-01T08:00:00Z\n1\t2000-02-29\t2024-03-01T08:00:00.123456-05:30\n1\t0001-01-01\t1999-12-31T23:59:59.5+14:00\n',
    );
  });
});

describe('encodeUpload, CSV: what it refuses', () => {
  const columns = [col('a', 'integer'), col('b', 'string'), col('c', 'number', { nullable: true })];

  it('refuses an empty upload (no header)', async () => {
    expect(await rejection('', { columns })).toEqual([{ line: 1, reason: 'no header' }]);
    expect(await rejection('\n1,x,2\n', { columns })).toEqual([{ line: 1, reason: 'no header' }]);
  });

  it('refuses a header naming an unknown column, naming one twice, or leaving out a required one', async () => {
    expect(await rejection('a,b,c,secret\n1,x,2,3\n', { columns })).toEqual([
      { line: 1, column: 'secret', reason: 'not a column of the dataset' },
    ]);
    expect(await rejection('a,b,b\n', { columns })).toEqual([
      { line: 1, column: 'b', reason: 'duplicate column in the header' },
    ]);
    expect(await rejection('a,c\n1,2\n', { columns })).toEqual([
      { line: 1, column: 'b', reason: 'required column missing from the header' },
    ]);
    expect(await rejection('__proto__,a,b\n', { columns })).toEqual([
      { line: 1, column: '__proto__', reason: 'not a column of the dataset' },
    ]);
  });

  it('refuses a NULL (empty field) in a required column', async () => {
    expect(await rejection('a,b,c\n1,x,\n,y,2\n2,"",3\n', { columns })).toEqual([
      { line: 3, column: 'a', reason: 'required' },
      { line: 4, column: 'b', reason: 'required' },
    ]);
  });

  it('refuses ragged rows, saying how many fields it expected and got', async () => {
    expect(await rejection('a,b,c\n1,x\n1,x,2,3\n"1",x\n1\n', { columns })).toEqual([
      { line: 2, reason: 'expected 3 fields, got 2' },
      { line: 3, reason: 'expected 3 fields, got 4' },
      { line: 4, reason: 'expected 3 fields, got 2' },
      { line: 5, reason: 'expected 3 fields, got 1' },
    ]);
    // Field errors are not reported for a row whose shape is wrong.
    expect(await rejection('a,b,c\nx,y,z,w\n', { columns })).toEqual([
      { line: 2, reason: 'expected 3 fields, got 4' },
    ]);
    const reordered = await rejection('c,b,a\n1,x\n', { columns });
    expect(reordered).toEqual([{ line: 2, reason: 'expected 3 fields, got 2' }]);
  });

  it('refuses a quote inside an unquoted field and characters after a closing quote', async () => {
    expect(await rejection('a,b,c\n1,x"y,2\n1,"x"y,2\n1, "x",2\n', { columns })).toEqual([
      { line: 2, column: 'b', reason: 'quote inside an unquoted field' },
      { line: 3, column: 'b', reason: 'characters after a closing quote' },
      { line: 4, column: 'b', reason: 'quote inside an unquoted field' },
    ]);
  });

  it('refuses an unterminated quoted field at the end, on the line where its record starts', async () => {
    expect(await rejection('a,b,c\n1,x,2\n1,"open\nmore\n', { columns })).toEqual([
      { line: 3, reason: 'unterminated quoted field' },
    ]);
  });

  it('refuses NUL characters in any field', async () => {
    expect(await rejection('a,b,c\n1,x\u0000y,2\n1\u0000,x,2\n1,"q\u0000",2\n', { columns })).toEqual([
      { line: 2, column: 'b', reason: 'NUL character' },
      { line: 3, column: 'a', reason: 'NUL character' },
      { line: 4, column: 'b', reason: 'NUL character' },
    ]);
  });

  it('refuses invalid UTF-8 on the line where the bad byte is', async () => {
    const bad = concat(utf8('a,b,c\n1,x,2\n2,y'), new Uint8Array([0xff]), utf8(',3\n3,z,4\n'));
    expect(await rejection(bad, { columns })).toEqual([{ line: 3, reason: 'invalid UTF-8' }]);
    // Inside a quoted field spanning lines: the physical line of the byte.
    const quoted = concat(utf8('a,b,c\n1,"x\ny\nz'), new Uint8Array([0xc3, 0x28]), utf8('",2\n'));
    expect(await rejection(quoted, { columns })).toEqual([{ line: 4, reason: 'invalid UTF-8' }]);
    // A surrogate encoded in UTF-8, and a character cut off by the end of the upload.
    const surrogate = concat(utf8('a,b,c\n1,'), new Uint8Array([0xed, 0xa0, 0x80]), utf8(',2\n'));
    expect(await rejection(surrogate, { columns })).toEqual([{ line: 2, reason: 'invalid UTF-8' }]);
    const cut = concat(utf8('a,b,c\n1,x,2\n1,'), new Uint8Array([0xe5, 0x8c]));
    expect(await rejection(cut, { columns })).toEqual([{ line: 3, reason: 'invalid UTF-8' }]);
    // Rows before the bad byte are still checked, and come first.
    const both = concat(utf8('a,b,c\nx,y,1\n1,'), new Uint8Array([0x80]), utf8('\n'));
    expect(await rejection(both, { columns })).toEqual([
      { line: 2, column: 'a', reason: 'not an integer' },
      { line: 3, reason: 'invalid UTF-8' },
    ]);
  });

  it('refuses a record over maxRecordBytes, then goes on with the right line numbers', async () => {
    const long = 'x'.repeat(300);
    const csv = `a,b,c\n1,${long},2\n1,ok,2\n"1","${long}\n${long}",2\n1,ok,2\nz,ok,2\n`;
    expect(await rejection(csv, { columns, maxRecordBytes: 200 })).toEqual([
      { line: 2, reason: 'record larger than 200 bytes' },
      { line: 4, reason: 'record larger than 200 bytes' },
      { line: 7, column: 'a', reason: 'not an integer' },
    ]);
    // Bytes, not characters: 60 three-byte characters are 180 bytes.
    await expect(
      encode(`a,b,c\n1,${'北'.repeat(60)},2\n`, { columns, maxRecordBytes: 200 }),
    ).resolves.toMatchObject({ rowCount: 1 });
    expect(await rejection(`a,b,c\n1,${'北'.repeat(70)},2\n`, { columns, maxRecordBytes: 200 })).toEqual([
      { line: 2, reason: 'record larger than 200 bytes' },
    ]);
  });

  it('refuses an endless record without holding it: memory stays bounded by maxRecordBytes', async () => {
    async function* endless() {
      yield utf8('a,b,c\n1,');
      const block = utf8('y'.repeat(64 * 1024));
      for (let i = 0; i < 200; i++) yield block; // 13 MB in one field
      yield utf8(',2\n1,x,2\nq,x,2\n');
    }
    const { chunks } = encodeUpload(endless(), {
      format: 'csv',
      columns,
      version: 1,
      maxRecordBytes: 100_000,
    });
    await expect(async () => {
      for await (const _ of chunks);
    }).rejects.toMatchObject({
      errors: [
        { line: 2, reason: 'record larger than 100000 bytes' },
        { line: 4, column: 'a', reason: 'not an integer' },
      ],
    });
  });

  it('refuses values that do not fit their column type, naming the column', async () => {
    const cases: [TColumn, string, string][] = [
      [col('v', 'integer'), '1.5', 'not an integer'],
      [col('v', 'integer'), 'abc', 'not an integer'],
      [col('v', 'integer'), ' 1', 'not an integer'],
      [col('v', 'integer'), '-', 'not an integer'],
      [col('v', 'integer'), '9007199254740992', 'integer outside the safe range ±9007199254740991'],
      [col('v', 'integer'), '-99999999999999999999', 'integer outside the safe range ±9007199254740991'],
      [col('v', 'integer', { min: 0 }), '-1', 'below the minimum 0'],
      [col('v', 'integer', { max: 500 }), '501', 'above the maximum 500'],
      [col('v', 'number'), 'NaN', 'not a number'],
      [col('v', 'number'), 'Infinity', 'not a number'],
      [col('v', 'number'), '0x10', 'not a number'],
      [col('v', 'number'), '1 ', 'not a number'],
      [col('v', 'number'), '1e', 'not a number'],
      [col('v', 'number'), '.', 'not a number'],
      [col('v', 'number'), '1,5', 'expected 1 fields, got 2'],
      [col('v', 'number'), '1e400', 'number out of double precision range'],
      [col('v', 'number'), '1e-400', 'number out of double precision range'],
      [col('v', 'number', { min: 0.5 }), '0.25', 'below the minimum 0.5'],
      [col('v', 'number', { max: 1 }), '1.0000001', 'above the maximum 1'],
      [col('v', 'boolean'), 'yes', 'not a boolean (true, false, 1 or 0)'],
      [col('v', 'boolean'), 't', 'not a boolean (true, false, 1 or 0)'],
      [col('v', 'date'), '2024-02-30', 'not a date (YYYY-MM-DD)'],
      [col('v', 'date'), '2023-02-29', 'not a date (YYYY-MM-DD)'],
      [col('v', 'date'), '1900-02-29', 'not a date (YYYY-MM-DD)'],
      [col('v', 'date'), '2024-13-01', 'not a date (YYYY-MM-DD)'],
      [col('v', 'date'), '2024-1-01', 'not a date (YYYY-MM-DD)'],
      [col('v', 'date'), '0000-01-01', 'not a date (YYYY-MM-DD)'],
      [col('v', 'timestamp'), '2024-03-01T08:00:00', 'not a timestamp (ISO 8601 with Z or ±hh:mm offset)'],
      [col('v', 'timestamp'), '2024-03-01 08:00:00Z', 'not a timestamp (ISO 8601 with Z or ±hh:mm offset)'],
      [col('v', 'timestamp'), '2024-02-30T08:00:00Z', 'not a timestamp (ISO 8601 with Z or ±hh:mm offset)'],
      [col('v', 'timestamp'), '2024-03-01T24:00:00Z', 'not a timestamp (ISO 8601 with Z or ±hh:mm offset)'],
      [col('v', 'timestamp'), '2024-03-01T08:60:00Z', 'not a timestamp (ISO 8601 with Z or ±hh:mm offset)'],
      [col('v', 'timestamp'), '2024-03-01T08:00:00+08', 'not a timestamp (ISO 8601 with Z or ±hh:mm offset)'],
      [col('v', 'timestamp'), '2024-03-01T08:00:00.Z', 'not a timestamp (ISO 8601 with Z or ±hh:mm offset)'],
      [
        col('v', 'timestamp'),
        '2024-03-01T08:00:00+16:00',
        'not a timestamp (ISO 8601 with Z or ±hh:mm offset)',
      ],
    ];
    for (const [column, value, reason] of cases) {
      const expected = reason.startsWith('expected') ? { line: 3, reason } : { line: 3, column: 'v', reason };
      // On the fast path and on the quoted path.
      expect(await rejection(`v\n\n${value}\n`, { columns: [column] }), value).toEqual([expected]);
      if (!value.includes(',')) {
        expect(await rejection(`v\n\n"${value}"\n`, { columns: [column] }), value).toEqual([expected]);
      }
    }
  });

  it('reports every bad field of a row, in order, and rows in file order', async () => {
    const three = [col('a', 'integer'), col('b', 'date'), col('c', 'number')];
    expect(await rejection('a,b,c\nx,2024-01-01,1\n1,bad,z\n', { columns: three })).toEqual([
      { line: 2, column: 'a', reason: 'not an integer' },
      { line: 3, column: 'b', reason: 'not a date (YYYY-MM-DD)' },
      { line: 3, column: 'c', reason: 'not a number' },
    ]);
  });

  it('counts lines through quoted newlines, so later errors carry their physical line', async () => {
    const csv = 'a,b,c\n1,"one\ntwo\r\nthree",2\n1,x,y\n"2","a\n\nb",3\nq,x,2\n';
    expect(await rejection(csv, { columns })).toEqual([
      { line: 5, column: 'c', reason: 'not a number' },
      { line: 9, column: 'a', reason: 'not an integer' },
    ]);
  });

  it('stops at maxErrors (default 10) and lists them in file order', async () => {
    const bad = `a,b,c\n${'x,y,1\n'.repeat(25)}`;
    const ten = await rejection(bad, { columns });
    expect(ten.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect((await rejection(bad, { columns, maxErrors: 3 })).map((e) => e.line)).toEqual([2, 3, 4]);
  });

  it('stops reading the source once maxErrors is reached', async () => {
    let pulled = 0;
    async function* source() {
      yield utf8('a,b,c\n');
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield utf8('x,y,1\n');
      }
    }
    const { chunks } = encodeUpload(source(), { format: 'csv', columns, version: 1, maxErrors: 2 });
    await expect(async () => {
      for await (const _ of chunks);
    }).rejects.toBeInstanceOf(UploadRejected);
    expect(pulled).toBe(2);
  });

  it('yields no output after the first bad row, then throws UploadRejected', async () => {
    const good = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => `${from + i},name${from + i},1.5\n`).join('');
    const csv = `a,b,c\n${good(0, 20_000)}bad,x,1\n${good(20_000, 20_000)}`;
    const { chunks, summary } = encodeUpload(stream([utf8(csv)]), { format: 'csv', columns, version: 1 });
    const seen: string[] = [];
    let thrown: unknown;
    try {
      for await (const batch of chunks) seen.push(batch);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UploadRejected);
    expect((thrown as UploadRejected).errors).toEqual([
      { line: 20_002, column: 'a', reason: 'not an integer' },
    ]);
    expect((thrown as UploadRejected).message).toBe('line 20002, column a: not an integer');
    expect(seen.length).toBeGreaterThan(0); // batches before the bad row were handed on
    const lastRow = seen.join('').trimEnd().split('\n').at(-1)!;
    expect(Number(lastRow.split('\t')[1])).toBeLessThan(20_000);
    expect(() => summary()).toThrow();
  });

  it('summarises several errors in the message', async () => {
    await expect(encode('a,b,c\nx,y,1\n1,y,z\n', { columns })).rejects.toThrow(
      'line 2, column a: not an integer (and 1 more)',
    );
  });
});

describe('encodeUpload, CSV: a header in schema order and one in another order agree', () => {
  // The reader has a fused path for headers in schema order; other orders take a general one.
  const inOrder = [
    col('a', 'integer'),
    col('b', 'string', { nullable: true }),
    col('c', 'boolean', { nullable: true }),
    col('d', 'number', { nullable: true }),
  ];
  const otherOrder = [inOrder[3]!, inOrder[2]!, inOrder[1]!, inOrder[0]!];
  const samples = [
    '"a","b",c,d\n1,"x, ""y""\nz",TRUE,2.5\n+7,\\ \t\r,0,\n"8","",,"1e3"\r\n',
    'a,b,c,d\n1,x"y,1,2\n1,"x"y,1,2\n"1,x,1,2\n',
    'a,b,c,d\n1,x,1\n1,x,1,2,3\n"1",x,"1"\n1,"x",1,2,3\n',
    'a,b,c,d\nq,x,maybe,z\n1,\u0000,1,2\n"1","\u0000",1,2\n,x,1,2\n',
  ];
  const reorder = (text: string) =>
    text
      .split('\n')
      .filter(Boolean)
      .map((row) => {
        const [v, ...fields] = row.split('\t');
        return [v, ...fields.reverse()].join('\t');
      })
      .join('\n');

  it.each(samples.map((csv) => [JSON.stringify(csv), csv]))('%s', async (_name, csv) => {
    const outcome = async (columns: TColumn[]): Promise<{ text?: string; errors?: TRowError[] }> => {
      try {
        return { text: (await encode(csv, { columns })).text };
      } catch (err) {
        return { errors: (err as UploadRejected).errors };
      }
    };
    const a = await outcome(inOrder);
    const b = await outcome(otherOrder);
    if (a.text === undefined) expect(b).toEqual(a);
    else expect(reorder(b.text ?? '')).toBe(a.text.trimEnd());
  });

  it('gives these results', async () => {
    expect((await encode(samples[0]!, { columns: inOrder })).text).toBe(
      '1\t1\tx, "y"\\nz\tt\t2.5\n1\t7\t\\\\ \\t\\r\tf\t\\N\n1\t8\t\\N\t\\N\t1e3\n',
    );
    expect(await rejection(samples[1]!, { columns: inOrder })).toEqual([
      { line: 2, column: 'b', reason: 'quote inside an unquoted field' },
      { line: 3, column: 'b', reason: 'characters after a closing quote' },
      { line: 4, reason: 'unterminated quoted field' },
    ]);
    expect(await rejection(samples[2]!, { columns: inOrder })).toEqual([
      { line: 2, reason: 'expected 4 fields, got 3' },
      { line: 3, reason: 'expected 4 fields, got 5' },
      { line: 4, reason: 'expected 4 fields, got 3' },
      { line: 5, reason: 'expected 4 fields, got 5' },
    ]);
    expect(await rejection(samples[3]!, { columns: inOrder })).toEqual([
      { line: 2, column: 'a', reason: 'not an integer' },
      { line: 2, column: 'c', reason: 'not a boolean (true, false, 1 or 0)' },
      { line: 2, column: 'd', reason: 'not a number' },
      { line: 3, column: 'b', reason: 'NUL character' },
      { line: 4, column: 'b', reason: 'NUL character' },
      { line: 5, column: 'a', reason: 'required' },
    ]);
  });
});

describe('encodeUpload: code lists', () => {
  const NOT_LISTED = "not in the column's code list";
  const coded = [
    col('region', 'string', { codes: ['330102', '330105', 'say "hi"'] }),
    col('year', 'integer', { codes: [2021, 2022, 0], min: -1, max: 2100 }),
    col('day', 'date', { nullable: true, codes: ['2024-01-01', '2024-02-29'] }),
    col('at', 'timestamp', { nullable: true, codes: ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.5Z'] }),
    col('note', 'string', { nullable: true }),
  ];
  const reversed = [...coded].reverse();
  const header = coded.map((c) => c.name).join(',');
  const reversedHeader = reversed.map((c) => c.name).join(',');
  /** The CSV of rows given in schema order, with the header in schema order or reversed. */
  const csvOf = (rows: string[][], order: 'schema' | 'reversed') =>
    `${order === 'schema' ? header : reversedHeader}\n${rows
      .map((r) => (order === 'schema' ? r : [...r].reverse()).join(','))
      .join('\n')}\n`;

  it('accepts listed values however they are written: integers by value, timestamps by instant, nulls aside', async () => {
    const rows = [
      ['330102', '2021', '2024-01-01', '2024-01-01T08:00:00+08:00', 'free text'],
      ['"330105"', '007', '', '2023-12-31T23:30:00.500-00:30', ''],
      ['"say ""hi"""', '+2022', '2024-02-29', '2024-01-01T00:00:00.000Z', 'x'],
      ['330102', '-0', '', '', 'anything at all'],
    ];
    const expected =
      '1\t330102\t2021\t2024-01-01\t2024-01-01T08:00:00+08:00\tfree text\n' +
      '1\t330105\t7\t\\N\t2023-12-31T23:30:00.500-00:30\t\\N\n' +
      '1\tsay "hi"\t2022\t2024-02-29\t2024-01-01T00:00:00.000Z\tx\n' +
      '1\t330102\t0\t\\N\t\\N\tanything at all\n';
    const withSeven = coded.map((c) => (c.name === 'year' ? { ...c, codes: [2021, 2022, 0, 7] } : c));
    expect((await encode(csvOf(rows, 'schema'), { columns: withSeven })).text).toBe(expected);
    const reversedSeven = [...withSeven].reverse();
    // The reversed header takes the split paths (with quotes and without).
    expect((await encode(csvOf(rows, 'reversed'), { columns: reversedSeven })).text).toBe(
      expected
        .trimEnd()
        .split('\n')
        .map((r) => {
          const [v, ...fields] = r.split('\t');
          return [v, ...fields.reverse()].join('\t');
        })
        .join('\n')
        .concat('\n'),
    );
  });

  it('refuses a value outside the list on every CSV path, naming line and column', async () => {
    const rows = [
      ['330102', '2021', '2024-01-01', '', 'ok'],
      ['330106', '2021', '', '', 'ok'],
      ['330102', '2020', '', '', 'ok'],
      ['330102', '2021', '2024-01-02', '', 'ok'],
      ['330102', '2021', '', '2024-01-01T00:00:00.001Z', 'ok'],
      ['"330102 "', '2021', '', '', 'ok'],
      ['"say ""hi"" "', '2021', '', '', 'ok'],
      ['330102', '2021', '', '2024-01-01T08:00:00+07:00', 'ok'],
    ];
    const expected = [
      { line: 3, column: 'region', reason: NOT_LISTED },
      { line: 4, column: 'year', reason: NOT_LISTED },
      { line: 5, column: 'day', reason: NOT_LISTED },
      { line: 6, column: 'at', reason: NOT_LISTED },
      { line: 7, column: 'region', reason: NOT_LISTED },
      { line: 8, column: 'region', reason: NOT_LISTED },
      { line: 9, column: 'at', reason: NOT_LISTED },
    ];
    expect(await rejection(csvOf(rows, 'schema'), { columns: coded })).toEqual(expected);
    expect(await rejection(csvOf(rows, 'reversed'), { columns: reversed })).toEqual(expected);
    // A NUL elsewhere in the record sends it down the general path, which checks the list too.
    const withNul = rows.map((r) => [...r.slice(0, 4), 'a\u0000b']);
    // Within a line, errors come in column order: the code list's, then the NUL in the last column.
    const withNulExpected = rows.flatMap((_, k) => [
      ...expected.filter((e) => e.line === k + 2),
      { line: k + 2, column: 'note', reason: 'NUL character' },
    ]);
    expect(await rejection(csvOf(withNul, 'schema'), { columns: coded, maxErrors: 100 })).toEqual(
      withNulExpected,
    );
  });

  it('reports a wrong type as such before the list, and compares strings exactly', async () => {
    const rows = [
      ['330102', 'x', '', '', ''],
      ['330102', '2101', '', '', ''],
      ['330102', '2021', '2024-02-30', '', ''],
      ['330102 ', '2021', '', '', ''],
    ];
    const errors = await rejection(csvOf(rows, 'schema'), { columns: coded });
    expect(errors).toEqual([
      { line: 2, column: 'year', reason: 'not an integer' },
      { line: 3, column: 'year', reason: 'above the maximum 2100' },
      { line: 4, column: 'day', reason: 'not a date (YYYY-MM-DD)' },
      { line: 5, column: 'region', reason: NOT_LISTED },
    ]);
    expect(await rejection(`region,year\n"${'SAY ""HI""'}",2021\n`, { columns: coded })).toEqual([
      { line: 2, column: 'region', reason: NOT_LISTED },
    ]);
  });

  it('checks NDJSON values against the list: integers by value, timestamps by instant', async () => {
    const ndjson = (text: string) => encode(text, { columns: coded, format: 'ndjson' });
    const refusal = (text: string) => rejection(text, { columns: coded, format: 'ndjson' });
    expect(
      (
        await ndjson(
          '{"region":"330102","year":2021.0,"day":"2024-02-29","at":"2024-01-01T05:30:00.5+05:30"}\n' +
            '{"region":"say \\"hi\\"","year":0,"day":null,"note":"not coded"}\n',
        )
      ).text,
    ).toBe(
      '1\t330102\t2021\t2024-02-29\t2024-01-01T05:30:00.5+05:30\t\\N\n1\tsay "hi"\t0\t\\N\t\\N\tnot coded\n',
    );
    expect(
      await refusal(
        '{"region":"330102","year":2021}\n' +
          '{"region":"330100","year":2021}\n' +
          '{"region":"330102","year":2023}\n' +
          '{"region":"330102","year":2021,"day":"2024-03-01"}\n' +
          '{"region":"330102","year":2021,"at":"2024-01-01T00:00:01Z"}\n' +
          '{"region":"330102","year":"2021"}\n' +
          '{"region":330102,"year":2021}\n',
      ),
    ).toEqual([
      { line: 2, column: 'region', reason: NOT_LISTED },
      { line: 3, column: 'year', reason: NOT_LISTED },
      { line: 4, column: 'day', reason: NOT_LISTED },
      { line: 5, column: 'at', reason: NOT_LISTED },
      { line: 6, column: 'year', reason: 'not an integer' },
      { line: 7, column: 'region', reason: 'not a string' },
    ]);
  });

  it('writes nothing once a value is outside the list, deep in a large upload', async () => {
    const good = Array.from({ length: 30_000 }, (_, i) => `${i % 2 ? '330102' : '330105'},2021,,,n${i}\n`);
    const csv = `${header}\n${good.join('')}330199,2021,,,x\n${good.join('')}`;
    const { chunks } = encodeUpload(stream([utf8(csv)]), { format: 'csv', columns: coded, version: 1 });
    const seen: string[] = [];
    let thrown: unknown;
    try {
      for await (const batch of chunks) seen.push(batch);
    } catch (err) {
      thrown = err;
    }
    expect((thrown as UploadRejected).errors).toEqual([
      { line: 30_002, column: 'region', reason: NOT_LISTED },
    ]);
    expect(seen.join('')).not.toContain('330199');
  });
});

describe('encodeUpload: chunk boundaries', () => {
  const columns = [
    col('id', 'integer'),
    col('city', 'string'),
    col('note', 'string', { nullable: true }),
    col('ok', 'boolean', { nullable: true }),
    col('day', 'date', { nullable: true }),
  ];
  const csv =
    '\uFEFFid,city,note,ok,day\r\n' +
    '1,北京市,"say ""hi"", then\r\nleave",TRUE,2024-02-29\r\n' +
    '\r\n' +
    '+2,成都🐼,tab\there,0,\n' +
    '3,"上海, 浦东","",,2024-01-31\n' +
    '4,x,"back\\slash",false,2024-12-31';
  const whole = utf8(csv);

  it('gives the identical output for a split into two chunks at every byte position', async () => {
    const expected = await encode(whole, { columns });
    expect(expected.text).toBe(
      '1\t1\t北京市\tsay "hi", then\\r\\nleave\tt\t2024-02-29\n' +
        '1\t2\t成都🐼\ttab\\there\tf\t\\N\n' +
        '1\t3\t上海, 浦东\t\\N\t\\N\t2024-01-31\n' +
        '1\t4\tx\tback\\\\slash\tf\t2024-12-31\n',
    );
    for (let at = 0; at <= whole.length; at++) {
      const split = await encode([whole.subarray(0, at), whole.subarray(at)], { columns });
      expect(split.text, `split at ${at}`).toBe(expected.text);
      expect(split.digest).toBe(expected.digest);
    }
  });

  it('round-trips random text through CSV quoting and random chunking (seeded)', async () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ['a', 'b', ' ', ',', '"', '\n', '\r', '\t', '\\', '北', '🐼', 'é', 'N', '.'];
    const text = () =>
      Array.from({ length: Math.floor(random() * 8) }, () => alphabet[Math.floor(random() * 14)]).join('');
    const quote = (v: string) =>
      /[",\r\n]/.test(v) || (v !== '' && random() < 0.3) ? `"${v.replaceAll('"', '""')}"` : v;
    const copyText = (v: string) =>
      v === ''
        ? '\\N'
        : v.replace(/[\\\t\n\r]/g, (ch) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[ch]!);
    const twoText = [
      col('n', 'integer'),
      col('s', 'string', { nullable: true }),
      col('t', 'string', { nullable: true }),
    ];
    for (let round = 0; round < 20; round++) {
      const rows = Array.from({ length: 200 }, (_, n) => [n, text(), text()] as const);
      const eol = round % 2 ? '\r\n' : '\n';
      const csv = `n,s,t${eol}${rows.map(([n, s, t]) => `${n},${quote(s)},${quote(t)}`).join(eol)}${eol}`;
      const expected = rows.map(([n, s, t]) => `1\t${n}\t${copyText(s)}\t${copyText(t)}\n`).join('');
      const bytes = utf8(csv);
      const cuts = [
        0,
        ...Array.from({ length: 30 }, () => Math.floor(random() * bytes.length)).sort((x, y) => x - y),
      ];
      const parts = cuts.map((at, k) => bytes.subarray(at, cuts[k + 1] ?? bytes.length));
      expect((await encode(parts, { columns: twoText })).text).toBe(expected);
      const reversed = [twoText[2]!, twoText[1]!, twoText[0]!];
      const other = await encode(parts, { columns: reversed });
      expect(other.rowCount).toBe(200);
    }
  });

  it('gives the identical output from one-byte chunks', async () => {
    const bytes = Array.from(whole, (b) => new Uint8Array([b]));
    expect((await encode(bytes, { columns })).text).toBe((await encode(whole, { columns })).text);
  });

  it('gives the identical errors for a split at every byte position', async () => {
    const bad = concat(
      utf8('id,city,note,ok,day\n1,北京市,"multi\nline",x,2024-02-30\n"2",成都,"a""b"c,1,\n3,'),
      new Uint8Array([0xe5, 0xff]),
      utf8(',,1,\n'),
    );
    const expected = await rejection(bad, { columns });
    expect(expected).toEqual([
      { line: 2, column: 'ok', reason: 'not a boolean (true, false, 1 or 0)' },
      { line: 2, column: 'day', reason: 'not a date (YYYY-MM-DD)' },
      { line: 4, column: 'note', reason: 'characters after a closing quote' },
      { line: 5, reason: 'invalid UTF-8' },
    ]);
    for (let at = 0; at <= bad.length; at++) {
      expect(await rejection([bad.subarray(0, at), bad.subarray(at)], { columns }), `split at ${at}`).toEqual(
        expected,
      );
    }
  });

  it('gives the identical NDJSON output for a split at every byte position', async () => {
    const ndjson = utf8(
      '\uFEFF{"id":1,"city":"北京市","note":"a\\tb\\\\c\\nd"}\r\n\n{"id":2,"city":"成都🐼","ok":true,"day":null}\n',
    );
    const expected = await encode(ndjson, { columns, format: 'ndjson' });
    expect(expected.text).toBe('1\t1\t北京市\ta\\tb\\\\c\\nd\t\\N\t\\N\n1\t2\t成都🐼\t\\N\tt\t\\N\n');
    for (let at = 0; at <= ndjson.length; at++) {
      const split = await encode([ndjson.subarray(0, at), ndjson.subarray(at)], {
        columns,
        format: 'ndjson',
      });
      expect(split.text, `split at ${at}`).toBe(expected.text);
    }
  });
});

describe('encodeUpload: summary, batching and memory', () => {
  const columns = [col('id', 'integer'), col('name', 'string'), col('value', 'number', { nullable: true })];

  it('digests every byte received, BOM included, as sha256 hex', async () => {
    const bytes = utf8('\uFEFFid,name,value\r\n1,北京市,2.5\r\n2,b,\r\n');
    const result = await encode([bytes.subarray(0, 5), bytes.subarray(5)], { columns });
    expect(result.digest).toBe(sha256(bytes));
    expect(result.rowCount).toBe(2);
  });

  it('only gives a summary once the chunks are read to the end', async () => {
    const { chunks, summary } = encodeUpload(stream([utf8('id,name\n1,a\n')]), {
      format: 'csv',
      columns,
      version: 1,
    });
    expect(() => summary()).toThrow();
    for await (const _ of chunks);
    expect(summary().rowCount).toBe(1);
  });

  it('streams a generated 200k-row upload with flat memory, in batches of 64–256 KB', async () => {
    const rows = 200_000;
    const hash = createHash('sha256');
    async function* generated() {
      const encoder = new TextEncoder();
      let text = 'id,name,value\n';
      for (let i = 0; i < rows; i++) {
        text += `${i},name-${i % 977},${i / 4}\n`;
        if (text.length > 16_000) {
          const bytes = encoder.encode(text);
          hash.update(bytes);
          yield bytes;
          text = '';
        }
      }
      const bytes = encoder.encode(text);
      hash.update(bytes);
      yield bytes;
    }
    const { chunks, summary } = encodeUpload(generated(), { format: 'csv', columns, version: 3 });
    let count = 0;
    let largest = 0;
    let smallest = Number.POSITIVE_INFINITY;
    let previous = -1;
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    for await (const batch of chunks) {
      largest = Math.max(largest, batch.length);
      if (previous >= 0) smallest = Math.min(smallest, previous);
      previous = batch.length;
      const firstId = Number(batch.slice(2, batch.indexOf('\t', 2)));
      expect(firstId).toBe(count);
      count += batch.split('\n').length - 1;
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }
    expect(count).toBe(rows);
    expect(summary()).toEqual({ rowCount: rows, digest: hash.digest('hex'), quality: [] });
    expect(smallest).toBeGreaterThanOrEqual(64 * 1024);
    expect(largest).toBeLessThanOrEqual(256 * 1024);
    // The upload is about 4 MB and its output more; a fraction of that may be live at once.
    expect(heapPeak - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('handles one huge source chunk as well as many small ones', async () => {
    const text = `id,name,value\n${Array.from({ length: 50_000 }, (_, i) => `${i},n${i},`).join('\n')}\n`;
    const one = await encode(utf8(text), { columns });
    expect(one.rowCount).toBe(50_000);
    const bytes = utf8(text);
    const small: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += 1000) small.push(bytes.subarray(at, at + 1000));
    expect((await encode(small, { columns })).text).toBe(one.text);
  });

  it('checks its options', () => {
    const source = stream([]);
    expect(() => encodeUpload(source, { format: 'csv', columns, version: 1, maxErrors: 0 })).toThrow(
      RangeError,
    );
    expect(() => encodeUpload(source, { format: 'csv', columns: [], version: 1 })).toThrow(RangeError);
    expect(() => encodeUpload(source, { format: 'csv', columns, version: 1.5 })).toThrow(RangeError);
  });
});

describe('encodeUpload, NDJSON', () => {
  const columns = [
    col('id', 'integer', { min: 0 }),
    col('name', 'string', { nullable: true }),
    col('score', 'number', { nullable: true, max: 100 }),
    col('ok', 'boolean', { nullable: true }),
    col('day', 'date', { nullable: true }),
    col('at', 'timestamp', { nullable: true }),
  ];
  const ndjson = (input: TInput, extra: Partial<TOptions> = {}) =>
    encode(input, { columns, format: 'ndjson', ...extra });
  const refusal = (input: TInput, extra: Partial<TOptions> = {}) =>
    rejection(input, { columns, format: 'ndjson', ...extra });

  it('writes each object as a row in schema order; a missing key or null is NULL', async () => {
    const text =
      '{"at":"2024-03-01T08:00:00+08:00","id":1,"name":"北京市","score":1.5,"ok":false,"day":"2024-02-29"}\n' +
      '{"id":2,"name":null}\n' +
      '{"id":3.0,"score":1e-7,"name":""}';
    expect((await ndjson(text)).text).toBe(
      '1\t1\t北京市\t1.5\tf\t2024-02-29\t2024-03-01T08:00:00+08:00\n' +
        '1\t2\t\\N\t\\N\t\\N\t\\N\t\\N\n' +
        '1\t3\t\t1e-7\t\\N\t\\N\t\\N\n',
    );
  });

  it('skips blank lines but counts them, reads CRLF and a BOM', async () => {
    const result = await ndjson('\uFEFF{"id":1}\r\n\r\n   \n{"id":2}\r\n');
    expect(result.text).toBe('1\t1\t\\N\t\\N\t\\N\t\\N\t\\N\n1\t2\t\\N\t\\N\t\\N\t\\N\t\\N\n');
    expect(await refusal('{"id":1}\n\n  \n{"id":-1}\n')).toEqual([
      { line: 4, column: 'id', reason: 'below the minimum 0' },
    ]);
  });

  it('escapes text for COPY', async () => {
    expect((await ndjson('{"id":1,"name":"a\\tb\\nc\\rd\\\\e"}\n')).text).toBe(
      '1\t1\ta\\tb\\nc\\rd\\\\e\t\\N\t\\N\t\\N\t\\N\n',
    );
  });

  it('refuses __proto__ as an unknown column, never reading the prototype', async () => {
    expect(await refusal('{"__proto__": 1}\n')).toEqual([
      { line: 1, column: '__proto__', reason: 'not a column of the dataset' },
      { line: 1, column: 'id', reason: 'required' },
    ]);
    expect(await refusal('{"id":1,"__proto__":{"id":2}}\n')).toEqual([
      { line: 1, column: '__proto__', reason: 'not a column of the dataset' },
    ]);
    expect(await refusal('{"id":1,"constructor":"x","toString":1}\n')).toEqual([
      { line: 1, column: 'constructor', reason: 'not a column of the dataset' },
      { line: 1, column: 'toString', reason: 'not a column of the dataset' },
    ]);
  });

  it('reads a column named like a prototype property only from the object itself', async () => {
    const named = [
      col('constructor', 'string', { nullable: true }),
      col('valueof', 'integer', { nullable: true }),
    ];
    const result = await encode('{}\n{"constructor":"c","valueof":2}\n', {
      columns: named,
      format: 'ndjson',
    });
    expect(result.text).toBe('1\t\\N\t\\N\n1\tc\t2\n');
  });

  it('refuses lines that are not JSON objects', async () => {
    expect(await refusal('[1,2]\nnull\n42\n"s"\n{"id":1,\n{"id":1}}\n')).toEqual([
      { line: 1, reason: 'not a JSON object' },
      { line: 2, reason: 'not a JSON object' },
      { line: 3, reason: 'not a JSON object' },
      { line: 4, reason: 'not a JSON object' },
      { line: 5, reason: 'invalid JSON' },
      { line: 6, reason: 'invalid JSON' },
    ]);
  });

  it('refuses values whose JSON type does not fit the column', async () => {
    const cases: [string, string, string][] = [
      ['{"id":"1"}', 'id', 'not an integer'],
      ['{"id":1.5}', 'id', 'not an integer'],
      ['{"id":9007199254740993}', 'id', 'integer outside the safe range ±9007199254740991'],
      ['{"id":1e400}', 'id', 'not an integer'],
      ['{"id":null}', 'id', 'required'],
      ['{"name":"x"}', 'id', 'required'],
      ['{"id":1,"name":5}', 'name', 'not a string'],
      ['{"id":1,"name":"a\\u0000b"}', 'name', 'NUL character'],
      ['{"id":1,"score":"1"}', 'score', 'not a number'],
      ['{"id":1,"score":1e400}', 'score', 'number out of double precision range'],
      ['{"id":1,"score":100.5}', 'score', 'above the maximum 100'],
      ['{"id":1,"ok":"true"}', 'ok', 'not a boolean (true, false, 1 or 0)'],
      ['{"id":1,"ok":1}', 'ok', 'not a boolean (true, false, 1 or 0)'],
      ['{"id":1,"day":"2024-02-30"}', 'day', 'not a date (YYYY-MM-DD)'],
      ['{"id":1,"day":20240101}', 'day', 'not a date (YYYY-MM-DD)'],
      ['{"id":1,"at":"2024-03-01T08:00:00"}', 'at', 'not a timestamp (ISO 8601 with Z or ±hh:mm offset)'],
    ];
    for (const [line, column, reason] of cases) {
      expect(await refusal(`{"id":0}\n${line}\n`), line).toEqual([{ line: 2, column, reason }]);
    }
  });

  it('refuses a line over maxRecordBytes and goes on', async () => {
    const long = `{"id":1,"name":"${'x'.repeat(500)}"}`;
    expect(await refusal(`{"id":1}\n${long}\n{"id":-5}\n`, { maxRecordBytes: 100 })).toEqual([
      { line: 2, reason: 'record larger than 100 bytes' },
      { line: 3, column: 'id', reason: 'below the minimum 0' },
    ]);
    const oneByteChunks = Array.from(utf8(`{"id":1}\n${long}\n{"id":-5}\n`), (b) => new Uint8Array([b]));
    expect(await refusal(oneByteChunks, { maxRecordBytes: 100 })).toEqual([
      { line: 2, reason: 'record larger than 100 bytes' },
      { line: 3, column: 'id', reason: 'below the minimum 0' },
    ]);
  });

  it('refuses invalid UTF-8 and an empty upload is zero rows', async () => {
    const bad = concat(utf8('{"id":1}\n{"id":2,"name":"'), new Uint8Array([0xc0, 0xaf]), utf8('"}\n'));
    expect(await refusal(bad)).toEqual([{ line: 2, reason: 'invalid UTF-8' }]);
    expect(await ndjson('')).toMatchObject({ text: '', rowCount: 0 });
  });
});
