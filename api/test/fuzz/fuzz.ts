import fc from 'fast-check';
import { codeToStatus } from '../../src/errors.ts';
import type { TestApp } from '../helpers/test-app.ts';
import type { TWorld } from '../helpers/world.ts';

/**
 * A property-based fuzzer of the HTTP API, driven by its OpenAPI document: for each operation it
 * generates valid, nearly valid and hostile requests (path and query parameters, JSON and other
 * bodies, content types, encodings, tokens) and checks every response: never a 5xx, every error a
 * problem+json with a stable code, and no stack, SQL, file path or secret in any body.
 */

type TSchema = Record<string, any>;
export type TOperation = {
  method: string;
  path: string;
  params: { name: string; in: 'path' | 'query'; schema: TSchema; required: boolean }[];
  /** The JSON body's schema, when the operation takes one. */
  body: TSchema | null;
  /** Every media type the operation's body may have. */
  mediaTypes: string[];
  /** Who may call it (`x-enclave-access`). */
  access: string[];
};
export type TFuzzRequest = {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array | null;
};

/** Reads first, then writes, and last the writes that end an object the others use (retire, revoke). */
const orderOf = (op: { method: string; path: string }) =>
  /\/(retire|revoke)$/.test(op.path) ? 2 : op.method === 'GET' ? 0 : 1;

/** The operations of the document, with `$ref`s resolved, in an order that keeps the world usable. */
export function operationsOf(doc: any): TOperation[] {
  return operationsIn(doc).sort((a, b) => orderOf(a) - orderOf(b));
}

function operationsIn(doc: any): TOperation[] {
  const resolve = (s: TSchema): TSchema =>
    s?.$ref ? resolve(doc.components.schemas[s.$ref.split('/').pop()]) : s;
  return Object.entries<Record<string, any>>(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const content = op.requestBody?.content ?? {};
      const json = content['application/json']?.schema;
      return {
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).map((p: any) => ({
          name: p.name,
          in: p.in,
          schema: resolve(p.schema ?? {}),
          required: !!p.required,
        })),
        body: json ? deref(json, resolve) : null,
        mediaTypes: Object.keys(content),
        access: op['x-enclave-access'] ?? [],
      };
    }),
  );
}

function deref(s: TSchema, resolve: (s: TSchema) => TSchema, depth = 0): TSchema {
  if (depth > 12 || s === null || typeof s !== 'object') return s;
  const r = resolve(s);
  if (Array.isArray(r)) return r.map((x) => deref(x, resolve, depth + 1));
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, deref(v, resolve, depth + 1)]));
}

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ufeff',
  '\u202e',
  '😀',
  '𠀀',
  '../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  "'; drop table users; --",
  '" or 1=1 --',
  '\\',
  '$1',
  '\x24{7*7}',
  '<script>alert(1)</script>',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '-1',
  '9007199254740993',
  '0000-01-01T00:00:00Z',
  '275760-09-13T00:00:00Z',
  '2024-02-30T00:00:00Z',
  'null',
  'true',
  '{}',
  '[]',
  'x'.repeat(70),
  '长'.repeat(3000),
];

function hostileString(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('\u0000', 'a\u0000', '\ud800', 'x\udc00', '\udfff\ud800') },
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
  );
}

function hostileValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: hostileString() },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        0,
        -1,
        1.5,
        -0,
        2 ** 53 + 2,
        1e308,
        -1e308,
        Number.MIN_VALUE,
        true,
        false,
        null,
        [],
        {},
        [null],
        { '': 1 },
        { __proto__: 1 },
        { constructor: { prototype: 1 } },
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

/** Strings the world holds: ids, slugs and column names, so valid requests reach deep code. */
function dictionary(w: TWorld): string[] {
  return [
    w.openId,
    w.restrictedId,
    w.slug,
    w.applicationId,
    w.contractId,
    w.sessionId,
    w.runId,
    w.A.provider.orgId,
    w.A.operator.orgId,
    w.A.researcher.userId,
    'city_code',
    'day',
    'aqi',
    'pm25',
    'district',
    'wage_base',
    'birth_year',
    '西湖区',
    '330100',
    '2024-01-01',
    'aqi:gte:10',
    'city_code,aqi',
  ];
}

/** Values of `schema`: mostly valid, sometimes (with `hostility`) a hostile value at any node. */
function schemaValue(schema: TSchema, w: TWorld, hostility: number, depth = 0): fc.Arbitrary<unknown> {
  const valid = validValueOf(schema, w, hostility, depth);
  if (hostility === 0) return valid;
  return fc.oneof({ weight: 10, arbitrary: valid }, { weight: hostility, arbitrary: hostileValue() });
}

function validValueOf(s: TSchema, w: TWorld, hostility: number, depth: number): fc.Arbitrary<unknown> {
  if (!s || typeof s !== 'object' || depth > 8) return fc.constant(null);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives)
    return fc.oneof(...alternatives.map((a: TSchema) => schemaValue(a, w, hostility, depth + 1)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string': {
      if (s.format === 'date-time')
        return fc
          .date({ min: new Date('1990-01-01'), max: new Date('2040-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString());
      const bounded = (x: string) => x.length >= (s.minLength ?? 0) && x.length <= (s.maxLength ?? 10_000);
      const known = dictionary(w).filter((x) => bounded(x) && (!s.pattern || new RegExp(s.pattern).test(x)));
      const generated = s.pattern
        ? fc.stringMatching(new RegExp(s.pattern)).filter(bounded)
        : fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 40) });
      return known.length
        ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 2, arbitrary: generated })
        : generated;
    }
    case 'integer':
    case 'number': {
      const min = s.minimum ?? s.exclusiveMinimum ?? -1000;
      const max = s.maximum ?? s.exclusiveMaximum ?? 100_000;
      if (type === 'number')
        return fc.double({
          min,
          max,
          minExcluded: s.exclusiveMinimum !== undefined,
          maxExcluded: s.exclusiveMaximum !== undefined,
          noNaN: true,
        });
      const lo = s.exclusiveMinimum !== undefined ? Math.floor(min) + 1 : Math.ceil(min);
      const hi = s.exclusiveMaximum !== undefined ? Math.ceil(max) - 1 : Math.floor(max);
      return fc.integer({ min: Math.max(lo, -(2 ** 31)), max: Math.min(hi, 2 ** 31) });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schemaValue(s.items ?? {}, w, hostility, depth + 1), {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 4, 4),
      });
    case 'object': {
      const props: Record<string, TSchema> = s.properties ?? {};
      const required = new Set<string>(s.required ?? []);
      const record = Object.fromEntries(
        Object.entries(props).map(([k, v]) => [k, schemaValue(v, w, hostility, depth + 1)]),
      );
      const keys = Object.keys(props);
      return fc.record(record, { requiredKeys: keys.filter((k) => required.has(k)) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Percent-encodes text, lone surrogates included (as the bytes WTF-8 would give them). */
function encode(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff)
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    else out += encodeURIComponent(ch);
  }
  return out;
}

const asText = (v: unknown) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/problem+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'text/csv',
  'application/x-ndjson',
  'a/b/c',
  '',
];

function rawBody(): fc.Arbitrary<string | Uint8Array> {
  return fc.oneof(
    fc.constantFrom(
      '',
      '{',
      '{"a":',
      'null',
      '[]',
      '1e999',
      '"\\ud800"',
      '{"a":"\\u0000"}',
      '\ufeff{}',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      `{"a":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`,
      'a=1&b=2',
      '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
      'city_code,day,aqi,pm25\n330100,2024-01-01,1,\u0000\n',
      '{"city_code":"\\ud800","day":"2024-01-01","aqi":1}\n',
    ),
    fc.uint8Array({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );
}

const TOKEN_ROLES = ['admin', 'provider', 'operator', 'researcher', 'regulator', 'provider', 'operator'];

/** Requests for one operation: valid, nearly valid and hostile, with every kind of caller. */
export function requestsFor(op: TOperation, w: TWorld): fc.Arbitrary<TFuzzRequest> {
  const tokens = [
    null,
    w.admin.token,
    w.A.provider.token,
    w.A.operator.token,
    w.A.researcher.token,
    w.A.regulator.token,
    w.B.provider.token,
    w.B.operator.token,
  ];
  // Mostly admitted callers, so that requests get past the access check to the code behind it.
  const admitted = new Set(op.access);
  const callers = tokens.filter((_, i) => admitted.has(i === 0 ? 'anonymous' : TOKEN_ROLES[i - 1]!));
  const authorization = fc
    .oneof(
      { weight: 6, arbitrary: fc.constantFrom(...(callers.length ? callers : tokens)) },
      { weight: 2, arbitrary: fc.constantFrom(...tokens) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'Bearer ',
          'Bearer enc_unknown',
          `Bearer ${'a'.repeat(300)}`,
          'Basic YWRtaW46YWRtaW4=',
          'bearer x y',
          'Bearer \u00e9',
        ),
      },
    )
    .map((tok) => (tok === null ? null : tok.startsWith('enc_') ? `Bearer ${tok}` : tok));
  return fc.constantFrom(0, 1, 3, 10).chain((hostility) => {
    const path = fc
      .tuple(
        ...op.params
          .filter((p) => p.in === 'path')
          .map((p) => schemaValue(p.schema, w, hostility).map((v) => [p.name, encode(asText(v))] as const)),
      )
      .map((pairs) => pairs.reduce((acc, [k, v]) => acc.replace(`{${k}}`, v || 'x'), op.path));
    const query = fc
      .tuple(
        ...op.params
          .filter((p) => p.in === 'query')
          .map((p) =>
            fc.option(
              schemaValue(p.schema, w, hostility).map((v) =>
                (Array.isArray(v) ? v : [v]).map((x) => `${encode(p.name)}=${encode(asText(x))}`).join('&'),
              ),
              { nil: '', freq: 2 },
            ),
          ),
        fc.oneof(
          { weight: 6, arbitrary: fc.constant('') },
          {
            weight: 1,
            arbitrary: fc
              .tuple(hostileString(), hostileString())
              .map(([k, v]) => `${encode(k)}=${encode(v)}`),
          },
        ),
      )
      .map((parts) => parts.filter(Boolean).join('&'));
    const body: fc.Arbitrary<{ type: string | null; body: string | Uint8Array | null }> =
      op.method === 'GET'
        ? fc.constant({ type: null, body: null })
        : fc.oneof(
            {
              weight: op.body ? 6 : 0,
              arbitrary: (op.body ? schemaValue(op.body, w, hostility) : fc.constant({})).map((v) => ({
                type: 'application/json',
                body: JSON.stringify(v) ?? 'null',
              })),
            },
            {
              weight: 2,
              arbitrary: fc
                .tuple(fc.constantFrom(...CONTENT_TYPES, ...op.mediaTypes), rawBody())
                .map(([type, b]) => ({ type: type || null, body: b })),
            },
            { weight: 1, arbitrary: fc.constant({ type: null, body: null }) },
          );
    const extra = fc.option(
      fc.constantFrom<Record<string, string>>(
        { 'content-encoding': 'gzip' },
        { accept: 'application/xml' },
        { 'accept-encoding': 'br' },
        { 'x-forwarded-for': '1.2.3.4, ::1, unknown' },
        { 'x-request-id': '../../x' },
      ),
      { nil: {} },
    );
    return fc.tuple(path, query, body, authorization, extra).map(([p, q, b, auth, more]) => {
      const headers: Record<string, string> = { ...more };
      if (auth) headers.authorization = auth;
      if (b.type) headers['content-type'] = b.type;
      return { method: op.method, url: q ? `${p}?${q}` : p, headers, body: b.body };
    });
  });
}

const CODES = new Set(Object.keys(codeToStatus));
const LEAKS: [string, RegExp][] = [
  ['a stack trace', /\bat [\w.<>]+ \(|\n\s+at /],
  ['SQL', /\b(select .* from|insert into|update .* set|syntax error at|violates .* constraint|relation ")/i],
  ['a file path', /(\/work\/|node_modules|\.ts:\d+|\/home\/|\/tmp\/)/],
  ['an error class', /\b(TypeError|RangeError|ReferenceError|PostgresError|DrizzleQueryError)\b/],
];

/** What is wrong with a response, if anything. */
export function problemsOf(status: number, headers: Headers, text: string, secrets: string[]): string[] {
  const found: string[] = [];
  if (status >= 500) found.push(`status ${status}`);
  if (status >= 400) {
    if (!(headers.get('content-type') ?? '').startsWith('application/problem+json'))
      found.push(`an error without problem+json (${headers.get('content-type')})`);
    let code: unknown;
    try {
      code = JSON.parse(text).code;
    } catch {
      found.push('an error body that is not JSON');
    }
    if (typeof code !== 'string' || !CODES.has(code)) found.push(`an unknown code ${String(code)}`);
    for (const [what, re] of LEAKS) if (re.test(text)) found.push(`${what} in the body`);
  }
  for (const s of secrets) if (s && text.includes(s)) found.push('a secret in the body');
  return found;
}

export type TFuzzCounts = { requests: number; byStatus: Record<string, number> };

/**
 * Sends `runs` generated requests to one operation and throws (with fast-check's shrunk
 * counterexample) at the first response that breaks a rule.
 */
export async function fuzzOperation(
  t: TestApp,
  op: TOperation,
  w: TWorld,
  opts: { seed: number; runs: number; secrets: string[] },
): Promise<TFuzzCounts> {
  const counts: TFuzzCounts = { requests: 0, byStatus: {} };
  await fc.assert(
    fc.asyncProperty(requestsFor(op, w), async (r) => {
      const res = await t.app.request(r.url, {
        method: r.method,
        headers: r.headers,
        ...(r.body !== null ? { body: r.body as BodyInit } : {}),
      });
      const text = await res.text();
      counts.requests++;
      counts.byStatus[res.status] = (counts.byStatus[res.status] ?? 0) + 1;
      const found = problemsOf(res.status, res.headers, text, opts.secrets);
      if (found.length) throw new Error(`${found.join('; ')}: ${text.slice(0, 500)}`);
    }),
    { seed: opts.seed, numRuns: opts.runs, endOnFailure: false },
  );
  return counts;
}
