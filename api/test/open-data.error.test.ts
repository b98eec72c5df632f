import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRows } from './helpers/dataset-rows.ts';
import { publishDataset } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

const COLUMNS = [
  { name: 'city_code', type: 'string', nullable: false, sensitivity: 'public' },
  { name: 'day', type: 'date', nullable: false, sensitivity: 'public' },
  { name: 'aqi', type: 'integer', nullable: false, sensitivity: 'public' },
  { name: 'pm25', type: 'number', nullable: true, sensitivity: 'public' },
  { name: 'flag', type: 'boolean', nullable: true, sensitivity: 'public' },
  { name: 'at', type: 'timestamp', nullable: true, sensitivity: 'public' },
];
const ROWS = Array.from({ length: 12 }, (_, i) => ({
  city_code: i % 2 ? '110000' : '310000',
  day: `2024-03-${String(i + 1).padStart(2, '0')}`,
  aqi: i * 10,
  pm25: i / 4,
  flag: i % 3 === 0,
  at: `2024-03-01T0${i % 10}:00:00Z`,
}));

let t: TestApp;
let provider: { token: string };
let id: string;

beforeAll(async () => {
  t = await createTestApp();
  provider = await t.user('provider');
  id = await publishDataset(t, provider.token, { columns: COLUMNS });
  await loadRows(t, id, ROWS);
});
afterAll(() => t.close());

const enc = encodeURIComponent;
const rows = (query: string, datasetId = id) => t.req('GET', `/v1/open/${datasetId}/rows?${query}`);
const query = (body: unknown, datasetId = id) => t.req('POST', `/v1/open/${datasetId}/query`, { json: body });
const paths = (res: { json: any }) => (res.json.errors ?? []).map((e: { path: string }) => e.path);

function expect400(
  res: { status: number; json: any; headers: Headers },
  path: string,
  text?: string | RegExp,
) {
  expect(res.status, JSON.stringify(res.json)).toBe(400);
  expect(res.json.code).toBe('VALIDATION_FAILED');
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(paths(res)).toContain(path);
  if (text !== undefined) {
    const messages = res.json.errors
      .filter((e: { path: string }) => e.path === path)
      .map((e: any) => e.message);
    expect(messages.join(' | ')).toMatch(text);
  }
}

describe('GET /v1/open/{id}/rows refuses', () => {
  it.each([
    ['select=aqi,nope', 'query.select'],
    ['sort=-nope', 'query.sort'],
    [`filter=${enc('nope:eq:1')}`, 'query.filter'],
    ['select=AQI', 'query.select'],
    ['select=_rid', 'query.select'],
    ['sort=_v', 'query.sort'],
  ])('an unknown column in %s, naming %s', async (q, path) => {
    const res = await rows(q);
    expect400(res, path, /unknown column/);
  });

  it.each([
    ['aqi', /column:op:value/],
    ['aqi:between:1', /unknown operator/],
    ['aqi:eq:abc', /integers/],
    ['aqi:eq:1.5', /integers/],
    ['aqi:eq:99999999999999999', /integers/],
    ['aqi:in:1,,2', /integers/],
    ['pm25:lt:NaN', /numbers/],
    ['pm25:lt:1e999', /numbers/],
    ['day:eq:2024-02-30', /dates/],
    ['day:eq:20240301', /dates/],
    ['at:gte:2024-03-01T00:00:00', /timestamps/],
    ['at:gte:yesterday', /timestamps/],
    ['flag:eq:yes', /booleans/],
    ['aqi:like:1%', /like applies to string columns/],
    ['city_code:eq:a\u0000b', /NUL/],
    ['city_code:like:ab\\', /unescaped/],
    ['day:eq:0000-01-01', /dates/],
    ['at:lt:0000-01-01T00:00:00Z', /timestamps/],
    [`aqi:in:${Array.from({ length: 101 }, (_, i) => i).join(',')}`, /1 to 100/],
  ])('a bad filter %s', async (filter, text) => {
    const res = await rows(`filter=${enc(filter)}`);
    expect400(res, 'query.filter', text);
  });

  it.each([
    ['limit=1000000', 'query.limit', /at most 1000/],
    ['limit=1001', 'query.limit', /at most 1000/],
    ['limit=abc', 'query.limit', /integer/],
    ['limit=0', 'query.limit', /at least 1/],
    ['limit=1.5', 'query.limit', /integer/],
    ['limit=1e3', 'query.limit', /integer/],
    ['limit=', 'query.limit', /integer/],
    ['offset=-1', 'query.offset', /at least 0/],
    ['offset=100001', 'query.offset', /at most 100000/],
    ['limit=5&limit=6', 'query.limit', undefined],
  ])('%s', async (q, path, text) => {
    expect400(await rows(q), path, text);
  });

  it('empty and repeated names in select and sort', async () => {
    expect400(await rows('select=aqi,,day'), 'query.select', /empty/);
    expect400(await rows('select=aqi,aqi'), 'query.select', /twice/);
    expect400(await rows('sort=aqi,-aqi'), 'query.sort', /twice/);
    expect400(await rows('sort=-'), 'query.sort', /empty/);
  });

  it('unknown query parameters', async () => {
    const res = await rows('colour=red');
    expect(res.status).toBe(400);
    expect(res.json.errors[0].message).toContain('colour');
  });

  it('lists every bad field at once', async () => {
    const res = await rows(`select=nope&sort=zzz&filter=${enc('aqi:eq:x')}`);
    expect(res.status).toBe(400);
    expect(paths(res)).toEqual(expect.arrayContaining(['query.select', 'query.sort', 'query.filter']));
  });

  it('a cursor that is garbage, edited, from another dataset, or mixed with offset or sort', async () => {
    const first = await rows('limit=5');
    const cursor: string = first.json.page.nextCursor;
    expect(cursor).toBeTruthy();
    expect((await rows(`limit=5&cursor=${enc(cursor)}`)).status).toBe(200);

    expect400(await rows('cursor=abc'), 'query.cursor');
    expect400(await rows('cursor=%2F%2F%2F'), 'query.cursor');
    const decoded = Buffer.from(cursor, 'base64url').toString();
    const [v, rid, ...rest] = decoded.split('.');
    const edited = Buffer.from([v, String(Number(rid) + 3), ...rest].join('.')).toString('base64url');
    expect400(await rows(`cursor=${edited}`), 'query.cursor', /not a cursor/);
    // The last character may carry unused bits: an edit there must be refused all the same.
    for (const flipped of [
      cursor.slice(0, -1) + (cursor.at(-1) === 'A' ? 'B' : 'A'),
      (cursor[0] === 'A' ? 'B' : 'A') + cursor.slice(1),
    ]) {
      expect400(await rows(`cursor=${flipped}`), 'query.cursor');
    }

    const other = await publishDataset(t, provider.token, { columns: COLUMNS });
    await loadRows(t, other, ROWS);
    expect400(await rows(`cursor=${enc(cursor)}`, other), 'query.cursor', /not a cursor/);
    expect400(await rows(`cursor=${enc(cursor)}&offset=5`), 'query.cursor', /either cursor or offset/);
    expect400(await rows(`cursor=${enc(cursor)}&sort=aqi`), 'query.cursor', /offset/);
  });

  it('a cursor issued before the dataset was replaced', async () => {
    const other = await publishDataset(t, provider.token, { columns: COLUMNS });
    await loadRows(t, other, ROWS);
    const first = await rows('limit=5', other);
    await loadRows(t, other, ROWS.slice(0, 3), { mode: 'replace' });
    const res = await rows(`limit=5&cursor=${enc(first.json.page.nextCursor)}`, other);
    expect400(res, 'query.cursor', /replaced/);
  });

  it('a dataset that does not exist, and an id that is not one', async () => {
    const missing = await rows('', 'ds_doesnotexist');
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('NOT_FOUND');
    const bad = await t.req('GET', '/v1/open/DROP%20TABLE/rows');
    expect(bad.status).toBe(400);
  });
});

describe('POST /v1/open/{id}/query refuses', () => {
  const count = [{ fn: 'count', as: 'n' }];

  it('unknown fields, at the top and inside', async () => {
    const top = await query({ aggregates: count, hack: 1 });
    expect400(top, 'body', /hack/);
    const inner = await query({ aggregates: [{ fn: 'count', as: 'n', sql: 'x' }] });
    expect400(inner, 'body.aggregates.0', /sql/);
    const where = await query({
      aggregates: count,
      where: [{ column: 'aqi', op: 'eq', value: 1, or: true }],
    });
    expect400(where, 'body.where.0', /or/);
  });

  it('__proto__ and constructor keys', async () => {
    for (const raw of [
      '{"aggregates":[{"fn":"count","as":"n"}],"__proto__":{"limit":5}}',
      '{"aggregates":[{"fn":"count","as":"n","__proto__":{"column":"aqi"}}]}',
      '{"aggregates":[{"fn":"count","as":"n"}],"constructor":{"prototype":{}}}',
    ]) {
      const res = await t.req('POST', `/v1/open/${id}/query`, { json: raw });
      expect(res.status, raw).toBe(400);
      expect(res.json.code).toBe('VALIDATION_FAILED');
    }
    expect(({} as Record<string, unknown>).limit).toBeUndefined();
  });

  it('malformed JSON and a body that is not an object', async () => {
    const bad = await t.req('POST', `/v1/open/${id}/query`, { json: '{"aggregates": [' });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('MALFORMED_BODY');
    expect((await query([1, 2])).status).toBe(400);
    expect((await query({})).status).toBe(400);
  });

  it.each([
    [{ select: ['nope'] }, 'body.select.0'],
    [{ select: ['nope'], aggregates: count, groupBy: ['nope'] }, 'body.groupBy.0'],
    [{ aggregates: [{ fn: 'sum', column: 'nope', as: 's' }] }, 'body.aggregates.0.column'],
    [{ aggregates: count, where: [{ column: 'nope', op: 'eq', value: 1 }] }, 'body.where.0.column'],
  ])('an unknown column %j, naming %s', async (body, path) => {
    expect400(await query(body), path, /unknown column/);
  });

  it.each([
    [{ select: ['day'], aggregates: count }, 'body.select.0', /not in groupBy/],
    [
      { aggregates: [{ fn: 'sum', column: 'city_code', as: 's' }] },
      'body.aggregates.0.column',
      /integer and number/,
    ],
    [
      { aggregates: [{ fn: 'avg', column: 'day', as: 's' }] },
      'body.aggregates.0.column',
      /integer and number/,
    ],
    [{ aggregates: [{ fn: 'min', column: 'flag', as: 's' }] }, 'body.aggregates.0.column', /boolean/],
    [{ aggregates: [{ fn: 'count', column: 'aqi', as: 'n' }] }, 'body.aggregates.0.column', /no column/],
    [{ aggregates: [{ fn: 'sum', as: 's' }] }, 'body.aggregates.0.column', /needs a column/],
    [{ aggregates: [{ fn: 'median', column: 'aqi', as: 's' }] }, 'body.aggregates.0.fn', undefined],
    [{ aggregates: [{ fn: 'count', as: 'Bad-Alias' }] }, 'body.aggregates.0.as', undefined],
    [{ aggregates: [{ fn: 'count', as: '1abc' }] }, 'body.aggregates.0.as', undefined],
    [{ aggregates: [{ fn: 'count', as: 'a'.repeat(64) }] }, 'body.aggregates.0.as', undefined],
    [
      {
        aggregates: [
          { fn: 'count', as: 'n' },
          { fn: 'max', column: 'aqi', as: 'n' },
        ],
      },
      'body.aggregates.1.as',
      /twice/,
    ],
    [
      { select: ['day'], groupBy: ['day'], aggregates: [{ fn: 'count', as: 'day' }] },
      'body.aggregates.0.as',
      /twice/,
    ],
    [
      { select: ['city_code'], groupBy: ['city_code', 'day'], aggregates: [{ fn: 'count', as: 'day' }] },
      'body.aggregates.0.as',
      /groupBy/,
    ],
    [{ aggregates: count, orderBy: [{ key: 'aqi', dir: 'asc' }] }, 'body.orderBy.0.key', /neither/],
    [{ select: ['aqi'], orderBy: [{ key: 'day', dir: 'asc' }] }, 'body.orderBy.0.key', /not a selected/],
    [
      { aggregates: count, groupBy: ['day'], orderBy: [{ key: 'day', dir: 'sideways' }] },
      'body.orderBy.0.dir',
      undefined,
    ],
    [{ aggregates: count, limit: 10001 }, 'body.limit', /at most 10000/],
    [{ aggregates: count, limit: 0 }, 'body.limit', undefined],
    [{ aggregates: count, limit: '5' }, 'body.limit', undefined],
    [{ select: ['aqi', 'aqi'] }, 'body.select.1', /twice/],
    [{}, 'body', /select, aggregates/],
    [
      { aggregates: count, where: [{ column: 'aqi', op: 'eq', value: 'abc' }] },
      'body.where.0.value',
      /integers/,
    ],
    [
      { aggregates: count, where: [{ column: 'aqi', op: 'eq', value: 1.5 }] },
      'body.where.0.value',
      /integers/,
    ],
    [
      { aggregates: count, where: [{ column: 'city_code', op: 'eq', value: 5 }] },
      'body.where.0.value',
      /strings/,
    ],
    [
      { aggregates: count, where: [{ column: 'aqi', op: 'like', value: '1%' }] },
      'body.where.0.value',
      /like/,
    ],
    [{ aggregates: count, where: [{ column: 'aqi', op: 'lt', value: null }] }, 'body.where.0.value', /null/],
    [
      { aggregates: count, where: [{ column: 'aqi', op: 'eq', value: [1, 2] }] },
      'body.where.0.value',
      /in operator/,
    ],
    [{ aggregates: count, where: [{ column: 'aqi', op: 'in', value: [] }] }, 'body.where.0.value', undefined],
    [
      { aggregates: count, where: [{ column: 'aqi', op: 'regex', value: '.*' }] },
      'body.where.0.op',
      undefined,
    ],
  ])('%j at %s', async (body, path, text) => {
    expect400(await query(body), path, text);
  });
});

describe('POST /v1/open/{id}/query over data it cannot compute', () => {
  it('answers 400, not 500, when a sum leaves the range of double precision', async () => {
    const big = await publishDataset(t, provider.token, {
      columns: [{ name: 'x', type: 'number', nullable: false, sensitivity: 'public' }],
    });
    await loadRows(t, big, [{ x: 1e308 }, { x: 1e308 }]);
    const res = await query({ aggregates: [{ fn: 'sum', column: 'x', as: 's' }] }, big);
    expect400(res, 'body.aggregates', /range/);
    const max = await query({ aggregates: [{ fn: 'max', column: 'x', as: 'm' }] }, big);
    expect(max.json.rows).toEqual([[1e308]]);
  });
});

describe('GET /v1/open/{id}/download refuses', () => {
  it('an unknown format, an unknown column, an unknown parameter', async () => {
    expect400(await t.req('GET', `/v1/open/${id}/download?format=xml`), 'query.format');
    expect400(
      await t.req('GET', `/v1/open/${id}/download?format=csv&select=aqi,nope`),
      'query.select',
      /nope/,
    );
    const extra = await t.req('GET', `/v1/open/${id}/download?format=csv&where=1`);
    expect(extra.status).toBe(400);
    expect(extra.json.errors[0].message).toContain('where');
    const missing = await t.req('GET', '/v1/open/ds_doesnotexist/download');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });
});
