import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { canonicalize, canonicalizeParsed } from './canonicalize.ts';
import { ContractError } from './errors.ts';

// The `canonicalize` package (2.1.0) serves as a reference on plain JSON only: it writes `undefined`
// into its output for functions, drops undefined members, follows toJSON, escapes lone surrogates
// and overflows the stack on cycles, which is why this package has its own. Its .d.ts declares an
// ES default export for a CommonJS module, hence require.
const referenceCanonicalize = createRequire(import.meta.url)('canonicalize') as (v: unknown) => string;

const f64 = (bits: string) =>
  new DataView(new BigUint64Array([BigInt(`0x${bits}`)]).buffer).getFloat64(0, true);
const hex = (text: string) =>
  Buffer.from(text, 'utf8')
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');

function refusal(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    return err instanceof ContractError ? err.code : err;
  }
  return 'accepted';
}

describe('canonicalize: RFC 8785 Appendix B number samples', () => {
  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'], // -0
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('IEEE 754 %s → %s', (bits, expected) => {
    expect(canonicalize(f64(bits))).toBe(expected);
    expect(canonicalize([f64(bits)])).toBe(`[${expected}]`);
  });

  it('writes the exponent boundaries the way ECMAScript does', () => {
    expect(canonicalize([1e21, 1e20, 1e-7, 1e-6, -0, 4.5, 2e-3, 1e-27, 1e30])).toBe(
      '[1e+21,100000000000000000000,1e-7,0.000001,0,4.5,0.002,1e-27,1e+30]',
    );
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])(
    'refuses %s (the table’s 7fffffffffffffff / 7ff0000000000000 rows have no JSON form)',
    (_name, value) => {
      expect(refusal(() => canonicalize(value))).toBe('CONTRACT_MALFORMED');
      expect(refusal(() => canonicalize({ a: [value] }))).toBe('CONTRACT_MALFORMED');
    },
  );
  it('refuses the NaN and Infinity bit patterns of the table', () => {
    expect(refusal(() => canonicalize(f64('7fffffffffffffff')))).toBe('CONTRACT_MALFORMED');
    expect(refusal(() => canonicalize(f64('7ff0000000000000')))).toBe('CONTRACT_MALFORMED');
  });
});

describe('canonicalize: RFC 8785 examples', () => {
  // §3.2.2: the input exactly as the RFC prints it, parsed as JSON text.
  const input = `{
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
    "literals": [null, true, false]
  }`;
  const expected =
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';

  it('§3.2.2: sorts, drops whitespace, rewrites numbers and escapes strings', () => {
    expect(canonicalize(JSON.parse(input))).toBe(expected);
  });

  it('§3.2.2.2: escapes only what must be, lowercase \\u00xx for other controls', () => {
    expect(canonicalize('\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/')).toBe(
      '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"',
    );
    expect(canonicalize('\b\t\n\f\r\u0000\u001f\u007f\u0080\u2028')).toBe(
      '"\\b\\t\\n\\f\\r\\u0000\\u001f\u007f\u0080\u2028"',
    );
  });

  it('§3.2.3: sorts member names by UTF-16 code units, not code points or locale', () => {
    const value = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",' +
        '"\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
    );
    expect(canonicalize(value)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis",' +
        '"€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('§3.2.4: the UTF-8 bytes of the §3.2.2 example are the RFC’s', () => {
    expect(hex(canonicalize(JSON.parse(input)))).toBe(
      [
        '7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72',
        '75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a',
        '5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31',
        '65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37',
        '5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30',
        '30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d',
      ].join(' '),
    );
  });

  it('keeps Unicode unnormalized (§3.2.4 note): "A\\u030a" stays two code points', () => {
    expect(hex(canonicalize({ 'Unnormalized Unicode': 'A\u030a' }))).toBe(
      '7b 22 55 6e 6e 6f 72 6d 61 6c 69 7a 65 64 20 55 6e 69 63 6f 64 65 22 3a 22 41 cc 8a 22 7d',
    );
  });
});

describe('canonicalize: only JSON', () => {
  it('sorts recursively and keeps array order', () => {
    expect(canonicalize({ b: [{ z: 1, a: 2 }, 3], a: { y: null, x: true } })).toBe(
      '{"a":{"x":true,"y":null},"b":[{"a":2,"z":1},3]}',
    );
  });

  it('keeps a "__proto__" member JSON.parse created', () => {
    expect(canonicalize(JSON.parse('{"b":1,"__proto__":{"x":1}}'))).toBe('{"__proto__":{"x":1},"b":1}');
  });

  it('accepts null-prototype objects', () => {
    expect(canonicalize(Object.assign(Object.create(null), { b: 1, a: 2 }))).toBe('{"a":2,"b":1}');
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['a member that is undefined', { a: undefined }],
    ['an array element that is undefined', [undefined]],
    ['a function', () => 1],
    ['a toJSON method', { toJSON: () => 'x' }],
    ['a symbol', Symbol('s')],
    ['a bigint', 10n],
    ['a Date', new Date(0)],
    ['a Map', new Map()],
    ['a Uint8Array', new Uint8Array(2)],
    ['a class instance', new (class Point {})()],
    ['a boxed string', Object('x')],
    ['a sparse array', Object.assign(new Array<number>(3), { 0: 1, 2: 3 })],
    ['a lone high surrogate', 'a\ud800'],
    ['a lone low surrogate in a name', { '\udc00': 1 }],
  ])('refuses %s', (_name, value) => {
    expect(refusal(() => canonicalize(value))).toBe('CONTRACT_MALFORMED');
  });

  it('refuses cycles and absurd nesting with a code, not a crash', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(refusal(() => canonicalize(cyclic))).toBe('CONTRACT_MALFORMED');
    expect(refusal(() => canonicalize(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)))).toBe(
      'CONTRACT_MALFORMED',
    );
  });

  it('says where it failed', () => {
    expect(() => canonicalize({ a: [1, { b: undefined }] })).toThrow(
      '$.a[1].b: undefined is not a JSON value',
    );
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { a: 1 };
    expect(canonicalize([shared, shared])).toBe('[{"a":1},{"a":1}]');
  });
});

describe('canonicalize: against the canonicalize package on random JSON', () => {
  // A small seeded PRNG, so a failure reproduces.
  let seed = 0x2545f491;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const chars = ['a', 'Z', '0', ' ', '"', '\\', '\n', '\u0001', 'é', '€', '😀', '\ufb33', '\u2028', '\u007f'];
  const str = () =>
    Array.from({ length: Math.floor(rand() * 6) }, () => chars[Math.floor(rand() * chars.length)]).join('');
  // Node 24.21's JSON.parse (V8 13.6) misreads one-character member names written with an escape
  // ("\n", "\"", …) as "\\" once it has parsed the name "\\": `JSON.parse('{"\\\\":1}');
  // JSON.parse('{"\\n":1}')` gives `{"\\":1}`. Names of one escaped character are kept out of the
  // round trip below so it tests canonicalize, not that bug (which verification survives: see
  // verify-contract.test.ts).
  const name = () => {
    const n = str();
    return n.length === 1 && JSON.stringify(n).length > 3 ? `${n}a` : n;
  };
  const num = () => {
    const pick = rand();
    if (pick < 0.3) return Math.floor((rand() - 0.5) * 2 ** 53);
    if (pick < 0.6) return (rand() - 0.5) * 10 ** Math.floor(rand() * 600 - 300);
    return new DataView(new Uint32Array([rand() * 2 ** 32, rand() * 2 ** 32]).buffer).getFloat64(0);
  };
  const value = (depth: number): unknown => {
    const pick = rand();
    if (depth > 3 || pick < 0.3) {
      const scalar = rand();
      if (scalar < 0.4) return str();
      if (scalar < 0.8) {
        const n = num();
        return Number.isFinite(n) ? n : 0;
      }
      return scalar < 0.9 ? rand() < 0.5 : null;
    }
    if (pick < 0.6) return Array.from({ length: Math.floor(rand() * 5) }, () => value(depth + 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(rand() * 6) }, () => [name(), value(depth + 1)]),
    );
  };

  // The round trip through JSON.parse is not asserted: Node 24.21's JSON.parse misreads escaped
  // member names depending on what it parsed before in the process, which made it flaky.
  it('agrees with the reference on 2,000 values', () => {
    for (let i = 0; i < 2000; i++) {
      const v = value(0);
      expect(canonicalize(v)).toBe(referenceCanonicalize(v));
    }
  });

  it('canonicalizeParsed writes the same text on 2,000 values', () => {
    for (let i = 0; i < 2000; i++) {
      const v = value(0);
      expect(canonicalizeParsed(v)).toBe(canonicalize(v));
    }
  });
});

describe('canonicalizeParsed', () => {
  const code = (v: unknown) => {
    try {
      canonicalizeParsed(v);
      return 'none';
    } catch (err) {
      return (err as ContractError).code;
    }
  };

  it('keeps a member named __proto__ and orders members by UTF-16 code units', () => {
    const v = JSON.parse(
      '{"b":[{"z":1,"__proto__":{"x":null}}],"a":"\u20ac","\ud83d\ude00":true,"\ufb33":0}',
    );
    expect(canonicalizeParsed(v)).toBe(canonicalize(v));
    expect(canonicalizeParsed(v)).toBe('{"a":"€","b":[{"__proto__":{"x":null},"z":1}],"😀":true,"דּ":0}');
  });

  it('orders array-index member names like any other name', () => {
    const v = JSON.parse('{"b":1,"10":2,"":3,"9":4,"0":{"2":0,"a":0,"1":0},"4294967295":5}');
    expect(canonicalizeParsed(v)).toBe(canonicalize(v));
    expect(canonicalizeParsed(v)).toBe('{"":3,"0":{"1":0,"2":0,"a":0},"10":2,"4294967295":5,"9":4,"b":1}');
  });

  it('refuses what JSON.parse can give but JSON may not hold', () => {
    expect(code(JSON.parse('{"a":1e400}'))).toBe('CONTRACT_MALFORMED');
    expect(code(JSON.parse('["\ud800"]'))).toBe('CONTRACT_MALFORMED');
    expect(code(JSON.parse('{"\udc00":1}'))).toBe('CONTRACT_MALFORMED');
    expect(code(JSON.parse(`${'['.repeat(600)}${']'.repeat(600)}`))).toBe('CONTRACT_MALFORMED');
    expect(code(JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`))).toBe('none');
  });
});
