import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableRef } from '../src/data/table-store.ts';
import { openDataReads } from '../src/db/schema/index.ts';
import { loadRows, parseCsv } from './helpers/dataset-rows.ts';
import { publishDataset, uploadData } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

const COLUMNS = [
  { name: 'city_code', type: 'string', nullable: false, sensitivity: 'public' },
  { name: 'day', type: 'date', nullable: false, sensitivity: 'public' },
  { name: 'aqi', type: 'integer', nullable: false, sensitivity: 'public' },
  { name: 'pm25', type: 'number', nullable: true, sensitivity: 'public' },
  { name: 'note', type: 'string', nullable: true, sensitivity: 'public' },
  { name: 'is_alert', type: 'boolean', nullable: true, sensitivity: 'public' },
  { name: 'measured_at', type: 'timestamp', nullable: true, sensitivity: 'public' },
  { name: 'reading_id', type: 'integer', nullable: false, sensitivity: 'public' },
];
const NAMES = COLUMNS.map((c) => c.name);

type TRow = {
  city_code: string;
  day: string;
  aqi: number;
  pm25: number | null;
  note: string | null;
  is_alert: boolean | null;
  measured_at: string | null;
  reading_id: number;
};

const CITIES = ['110000', '310000', '440100'];
const TRICKY = [
  '他说"你好"',
  'a,b,c',
  'line1\nline2',
  'back\\slash',
  'tab\there',
  '中文，逗号',
  '',
  null,
  '"quoted", and\r\nCRLF',
  "it's",
  '\\N',
  'NULL',
  ' padded ',
  '\u0001ctrl\u0002',
];

function makeRows(n: number): TRow[] {
  return Array.from({ length: n }, (_, i) => ({
    city_code: CITIES[i % 3]!,
    day: `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`,
    aqi: (i * 37) % 301,
    pm25: i % 5 === 0 ? null : Math.round(i * 137) / 100,
    note: TRICKY[i % TRICKY.length]!,
    is_alert: i % 7 === 0 ? null : i % 2 === 0,
    measured_at:
      i % 6 === 0
        ? null
        : new Date(Date.UTC(2024, 0, 1 + (i % 28), i % 24, i % 60, 7, i % 1000)).toISOString(),
    reading_id: Number.MAX_SAFE_INTEGER - i,
  }));
}

const ROWS = makeRows(61);

let t: TestApp;
let provider: { token: string };
let datasetId: string;
let slug: string;

beforeAll(async () => {
  t = await createTestApp();
  provider = await t.user('provider');
  slug = `air-${Date.now().toString(36)}`;
  datasetId = await publishDataset(t, provider.token, { slug, columns: COLUMNS });
  await loadRows(t, datasetId, ROWS);
});
afterAll(() => t.close());

const rowsPath = (id: string, query = '') => `/v1/open/${id}/rows${query ? `?${query}` : ''}`;
const enc = encodeURIComponent;

/** Every row of a request, walking the cursor. */
async function walk(query: string, token?: string) {
  const seen: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await t.req('GET', rowsPath(datasetId, `${query}${cursor ? `&cursor=${enc(cursor)}` : ''}`), {
      token: token ?? null,
    });
    expect(res.status).toBe(200);
    seen.push(...res.json.items);
    cursor = res.json.page.nextCursor;
    pages++;
    expect(pages).toBeLessThan(100);
  } while (cursor);
  return { seen, pages };
}

describe('GET /v1/open/{id}/rows', () => {
  it('returns all columns of the rows, typed, in load order, to an anonymous caller', async () => {
    const res = await t.req('GET', rowsPath(datasetId));
    expect(res.status).toBe(200);
    expect(res.json.items).toEqual(ROWS);
    expect(Object.keys(res.json.items[0])).toEqual(NAMES);
    expect(res.json.version).toBe(1);
    expect(res.json.page).toEqual({ limit: 100, maxLimit: 1000, hasMore: false, nextCursor: null });
    expect(typeof res.json.items[0].reading_id).toBe('number');
    expect(res.json.items[0].reading_id).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('returns only the selected columns, in the order asked', async () => {
    const res = await t.req('GET', rowsPath(datasetId, 'select=aqi,city_code&limit=5'));
    expect(res.status).toBe(200);
    expect(res.json.items).toEqual(ROWS.slice(0, 5).map((r) => ({ aqi: r.aqi, city_code: r.city_code })));
    expect(Object.keys(res.json.items[0])).toEqual(['aqi', 'city_code']);
  });

  const cases: [string, (r: TRow) => boolean][] = [
    ['city_code:eq:310000', (r) => r.city_code === '310000'],
    ['city_code:ne:310000', (r) => r.city_code !== '310000'],
    ['pm25:ne:2.74', (r) => r.pm25 !== 2.74],
    ['aqi:lt:100', (r) => r.aqi < 100],
    ['aqi:lte:111', (r) => r.aqi <= 111],
    ['aqi:gt:200', (r) => r.aqi > 200],
    ['aqi:gte:222', (r) => r.aqi >= 222],
    ['pm25:lt:20.5', (r) => r.pm25 !== null && r.pm25 < 20.5],
    ['day:gte:2024-01-20', (r) => r.day >= '2024-01-20'],
    ['day:in:2024-01-02,2024-01-05', (r) => r.day === '2024-01-02' || r.day === '2024-01-05'],
    ['city_code:in:110000,440100', (r) => r.city_code === '110000' || r.city_code === '440100'],
    ['aqi:in:0,37,74,999', (r) => [0, 37, 74, 999].includes(r.aqi)],
    ['note:like:%,%', (r) => r.note?.includes(',') === true],
    ['note:like:line_%', (r) => r.note === 'line1\nline2'],
    ['note:like:back\\\\%', (r) => r.note === 'back\\slash'],
    ['note:eq:', (r) => r.note === ''],
    ['is_alert:eq:true', (r) => r.is_alert === true],
    ['is_alert:ne:true', (r) => r.is_alert !== true],
    [
      'measured_at:gte:2024-01-15T00:00:00+08:00',
      (r) => r.measured_at !== null && Date.parse(r.measured_at) >= Date.parse('2024-01-14T16:00:00Z'),
    ],
    ['measured_at:lt:2024-01-03T00:00:00Z', (r) => r.measured_at !== null && r.measured_at < '2024-01-03'],
    ['reading_id:eq:9007199254740990', (r) => r.reading_id === 9007199254740990],
  ];
  it.each(cases)('filters %s', async (filter, predicate) => {
    const expected = ROWS.filter(predicate);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(ROWS.length);
    const res = await t.req('GET', rowsPath(datasetId, `filter=${enc(filter)}&limit=1000`));
    expect(res.status, res.text).toBe(200);
    expect(res.json.items).toEqual(expected);
  });

  it('combines repeated filters with and', async () => {
    const res = await t.req(
      'GET',
      rowsPath(datasetId, `filter=${enc('aqi:gte:100')}&filter=${enc('city_code:eq:110000')}&select=aqi`),
    );
    expect(res.status).toBe(200);
    expect(res.json.items).toEqual(
      ROWS.filter((r) => r.aqi >= 100 && r.city_code === '110000').map((r) => ({ aqi: r.aqi })),
    );
  });

  it('sorts by several keys, descending with -, ties in load order', async () => {
    const res = await t.req('GET', rowsPath(datasetId, 'sort=-day,city_code&select=day,city_code,aqi'));
    expect(res.status).toBe(200);
    const expected = ROWS.map((r, i) => ({ r, i }))
      .sort((a, b) =>
        a.r.day !== b.r.day
          ? a.r.day < b.r.day
            ? 1
            : -1
          : a.r.city_code !== b.r.city_code
            ? a.r.city_code < b.r.city_code
              ? -1
              : 1
            : a.i - b.i,
      )
      .map(({ r }) => ({ day: r.day, city_code: r.city_code, aqi: r.aqi }));
    expect(res.json.items).toEqual(expected);
  });

  it('pages by offset through a sorted result', async () => {
    const all: unknown[] = [];
    for (let offset = 0; offset < ROWS.length + 10; offset += 10) {
      const res = await t.req('GET', rowsPath(datasetId, `sort=aqi&select=aqi&limit=10&offset=${offset}`));
      expect(res.status).toBe(200);
      expect(res.json.page.offset).toBe(offset);
      expect(res.json.page.hasMore).toBe(offset + 10 < ROWS.length);
      all.push(...res.json.items);
    }
    expect(all).toEqual(
      ROWS.map((r) => r.aqi)
        .sort((a, b) => a - b)
        .map((aqi) => ({ aqi })),
    );
  });

  it('walks every row exactly once by cursor, also with a filter', async () => {
    const { seen, pages } = await walk('limit=7');
    expect(pages).toBe(Math.ceil(ROWS.length / 7));
    expect(seen).toEqual(ROWS);
    const filtered = await walk(`limit=4&select=aqi&filter=${enc('city_code:eq:440100')}`);
    expect(filtered.seen).toEqual(ROWS.filter((r) => r.city_code === '440100').map((r) => ({ aqi: r.aqi })));
  });

  it('keeps a cursor walk on the version it started at while a new version is appended', async () => {
    const fresh = await publishDataset(t, provider.token, { columns: COLUMNS });
    await loadRows(t, fresh, ROWS.slice(0, 10));
    const first = await t.req('GET', rowsPath(fresh, 'limit=6&select=reading_id'));
    expect(first.json.page.nextCursor).toBeTruthy();
    await loadRows(t, fresh, ROWS.slice(10, 20), { mode: 'append' });
    const second = await t.req(
      'GET',
      rowsPath(fresh, `limit=6&select=reading_id&cursor=${enc(first.json.page.nextCursor)}`),
    );
    expect(second.status).toBe(200);
    expect(second.json.version).toBe(1);
    expect([...first.json.items, ...second.json.items]).toEqual(
      ROWS.slice(0, 10).map((r) => ({ reading_id: r.reading_id })),
    );
    expect(second.json.page.nextCursor).toBeNull();
    const latest = await t.req('GET', rowsPath(fresh, 'limit=100'));
    expect(latest.json.version).toBe(2);
    expect(latest.json.items).toEqual(ROWS.slice(0, 20));
  });

  it('serves the same rows to a token holder', async () => {
    const researcher = await t.user('researcher');
    const { seen } = await walk('limit=25', researcher.token);
    expect(seen).toEqual(ROWS);
  });

  it('writes timestamps in UTC with milliseconds, or microseconds where stored', async () => {
    const id = await publishDataset(t, provider.token, {
      columns: [
        { name: 'label', type: 'string', nullable: false, sensitivity: 'public' },
        { name: 'at', type: 'timestamp', nullable: false, sensitivity: 'public' },
      ],
    });
    await loadRows(t, id, [
      { label: 'offset', at: '2024-01-02T03:04:05.123+08:00' },
      { label: 'micro', at: '2024-06-30T23:59:59.123456Z' },
      { label: 'whole', at: '2024-02-29T00:00:00Z' },
    ]);
    const res = await t.req('GET', rowsPath(id));
    expect(res.json.items).toEqual([
      { label: 'offset', at: '2024-01-01T19:04:05.123Z' },
      { label: 'micro', at: '2024-06-30T23:59:59.123456Z' },
      { label: 'whole', at: '2024-02-29T00:00:00.000Z' },
    ]);
  });
});

describe('a dataset addressed by its slug', () => {
  it('answers the catalogue entry, rows, queries and downloads as by its id', async () => {
    const byId = await t.req('GET', `/v1/open/${datasetId}/rows?limit=5`);
    const bySlug = await t.req('GET', `/v1/open/${slug}/rows?limit=5`);
    expect(bySlug.status, bySlug.text).toBe(200);
    expect(bySlug.json.rows).toEqual(byId.json.rows);
    expect((await t.req('GET', `/v1/datasets/${slug}`)).json.id).toBe(datasetId);
    const q = await t.req('POST', `/v1/open/${slug}/query`, {
      json: { aggregates: [{ fn: 'count', as: 'n' }] },
    });
    expect(q.json.rows).toEqual([[ROWS.length]]);
    expect((await t.req('GET', `/v1/open/${slug}/download?format=csv`)).status).toBe(200);
  });

  it('answers 404 for a slug nobody has and 400 for a name that is neither', async () => {
    expect((await t.req('GET', '/v1/datasets/no-such-dataset')).json.code).toBe('NOT_FOUND');
    const bad = await t.req('GET', '/v1/open/Not_A_Slug!/rows');
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].message).toBe('not a dataset id or slug');
  });
});

describe('POST /v1/open/{id}/query', () => {
  const query = (body: unknown, id = datasetId) => t.req('POST', `/v1/open/${id}/query`, { json: body });

  it('groups with count, sum, avg, min and max, numbers computed from the rows', async () => {
    const res = await query({
      select: ['city_code'],
      aggregates: [
        { fn: 'count', as: 'n' },
        { fn: 'sum', column: 'aqi', as: 'aqi_sum' },
        { fn: 'avg', column: 'aqi', as: 'aqi_avg' },
        { fn: 'avg', column: 'pm25', as: 'pm25_avg' },
        { fn: 'min', column: 'day', as: 'first_day' },
        { fn: 'max', column: 'pm25', as: 'pm25_max' },
        { fn: 'max', column: 'measured_at', as: 'last_at' },
      ],
      groupBy: ['city_code'],
      orderBy: [{ key: 'city_code', dir: 'asc' }],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.columns).toEqual([
      { name: 'city_code', type: 'string' },
      { name: 'n', type: 'integer' },
      { name: 'aqi_sum', type: 'integer' },
      { name: 'aqi_avg', type: 'number' },
      { name: 'pm25_avg', type: 'number' },
      { name: 'first_day', type: 'date' },
      { name: 'pm25_max', type: 'number' },
      { name: 'last_at', type: 'timestamp' },
    ]);
    expect(res.json.truncated).toBe(false);
    expect(res.json.limit).toBe(1000);
    const cities = [...new Set(ROWS.map((r) => r.city_code))].sort();
    expect(res.json.rows.map((r: unknown[]) => r[0])).toEqual(cities);
    for (const [i, city] of cities.entries()) {
      const group = ROWS.filter((r) => r.city_code === city);
      const pm = group.map((r) => r.pm25).filter((v): v is number => v !== null);
      const at = group.map((r) => r.measured_at).filter((v): v is string => v !== null);
      const row = res.json.rows[i];
      expect(row[1]).toBe(group.length);
      expect(row[2]).toBe(group.reduce((s, r) => s + r.aqi, 0));
      expect(row[3]).toBeCloseTo(group.reduce((s, r) => s + r.aqi, 0) / group.length, 9);
      expect(row[4]).toBeCloseTo(pm.reduce((s, v) => s + v, 0) / pm.length, 9);
      expect(row[5]).toBe(group.map((r) => r.day).sort()[0]);
      expect(row[6]).toBe(Math.max(...pm));
      expect(row[7]).toBe(at.sort().at(-1));
      expect(typeof row[2]).toBe('number');
      expect(typeof row[3]).toBe('number');
    }
  });

  it('labels each group with its values when no select is given', async () => {
    const res = await query({ aggregates: [{ fn: 'count', as: 'n' }], groupBy: ['city_code'] });
    expect(res.status, res.text).toBe(200);
    expect(res.json.columns).toEqual([
      { name: 'city_code', type: 'string' },
      { name: 'n', type: 'integer' },
    ]);
    const cities = [...new Set(ROWS.map((r) => r.city_code))].sort();
    expect(res.json.rows).toEqual(cities.map((c) => [c, ROWS.filter((r) => r.city_code === c).length]));
  });

  it('stops a query that runs past the time limit with a code, on a server (PGlite cannot interrupt one)', async () => {
    const slow = await createTestApp({ env: { OPEN_QUERY_TIMEOUT_MS: '1' } });
    try {
      const p = await slow.user('provider');
      const id = await publishDataset(slow, p.token);
      const csv = Array.from({ length: 30_000 }, (_, i) => `${100000 + (i % 997)},2024-01-01,${i % 500},`);
      expect(
        (await uploadData(slow, p.token, id, `city_code,day,aqi,pm25\n${csv.join('\n')}\n`)).status,
      ).toBe(201);
      const res = await slow.req('POST', `/v1/open/${id}/query`, {
        json: {
          aggregates: [{ fn: 'avg', column: 'aqi', as: 'a' }],
          where: [{ column: 'city_code', op: 'like', value: '%9%' }],
          groupBy: ['city_code'],
          orderBy: [{ key: 'a', dir: 'desc' }],
        },
      });
      if (slow.databaseUrl) {
        expect(res.status, res.text).toBe(422);
        expect(res.json.code).toBe('QUERY_TIMEOUT');
      } else expect(res.status).toBe(200);
    } finally {
      await slow.close();
    }
  });

  it('filters with where, orders by an aggregate alias and limits, saying when truncated', async () => {
    const res = await query({
      select: ['day'],
      aggregates: [{ fn: 'max', column: 'aqi', as: 'peak' }],
      where: [
        { column: 'city_code', op: 'in', value: ['110000', '310000'] },
        { column: 'aqi', op: 'gte', value: 20 },
        { column: 'pm25', op: 'ne', value: null },
      ],
      groupBy: ['day'],
      orderBy: [
        { key: 'peak', dir: 'desc' },
        { key: 'day', dir: 'asc' },
      ],
      limit: 5,
    });
    expect(res.status, res.text).toBe(200);
    const kept = ROWS.filter((r) => r.city_code !== '440100' && r.aqi >= 20 && r.pm25 !== null);
    const peaks = new Map<string, number>();
    for (const r of kept) peaks.set(r.day, Math.max(peaks.get(r.day) ?? -1, r.aqi));
    const expected = [...peaks.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([day, peak]) => [day, peak]);
    expect(res.json.rows).toEqual(expected.slice(0, 5));
    expect(res.json.truncated).toBe(expected.length > 5);
  });

  it('aggregates over all rows without groupBy, and counts nulls out of avg', async () => {
    const res = await query({
      aggregates: [
        { fn: 'count', as: 'n' },
        { fn: 'sum', column: 'pm25', as: 'pm_sum' },
        { fn: 'min', column: 'note', as: 'note_min' },
      ],
      where: [{ column: 'note', op: 'like', value: '%,%' }],
    });
    expect(res.status, res.text).toBe(200);
    const kept = ROWS.filter((r) => r.note?.includes(','));
    expect(res.json.rows).toHaveLength(1);
    expect(res.json.rows[0][0]).toBe(kept.length);
    expect(res.json.rows[0][1]).toBeCloseTo(
      kept.reduce((s, r) => s + (r.pm25 ?? 0), 0),
      9,
    );
  });

  it('projects rows when there are neither aggregates nor groupBy', async () => {
    const res = await query({
      select: ['reading_id', 'is_alert'],
      where: [{ column: 'is_alert', op: 'eq', value: false }],
      orderBy: [{ key: 'reading_id', dir: 'asc' }],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.rows).toEqual(
      ROWS.filter((r) => r.is_alert === false)
        .sort((a, b) => a.reading_id - b.reading_id)
        .map((r) => [r.reading_id, false]),
    );
  });
});

describe('GET /v1/open/{id}/download', () => {
  const expectedText = (r: TRow, name: keyof TRow): string | null => {
    const v = r[name];
    if (v === null) return null;
    return String(v);
  };

  it('streams CSV that parses back to exactly the rows', async () => {
    const res = await t.req('GET', `/v1/open/${datasetId}/download?format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${slug}-v1.csv"`);
    const records = parseCsv(res.text);
    expect(records[0]).toEqual(NAMES);
    expect(records).toHaveLength(ROWS.length + 1);
    for (const [i, r] of ROWS.entries()) {
      const rec = records[i + 1]!;
      expect(rec.length).toBe(NAMES.length);
      for (const [j, name] of NAMES.entries()) {
        const key = name as keyof TRow;
        if (key === 'pm25') expect(rec[j] === null ? null : Number(rec[j])).toBe(r.pm25);
        else expect(rec[j], `${i}.${name}`).toBe(expectedText(r, key));
      }
    }
  });

  it('streams NDJSON, one object per line, equal to the rows', async () => {
    const res = await t.req('GET', `/v1/open/${datasetId}/download?format=ndjson`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${slug}-v1.ndjson"`);
    expect(res.text.endsWith('\n')).toBe(true);
    const lines = res.text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(ROWS.length);
    expect(lines.map((l) => JSON.parse(l))).toEqual(ROWS);
    expect(Object.keys(JSON.parse(lines[0]!))).toEqual(NAMES);
  });

  it('downloads only the selected columns', async () => {
    const csv = await t.req('GET', `/v1/open/${datasetId}/download?format=csv&select=note,aqi`);
    expect(parseCsv(csv.text)).toEqual([['note', 'aqi'], ...ROWS.map((r) => [r.note, String(r.aqi)])]);
    const nd = await t.req('GET', `/v1/open/${datasetId}/download?format=ndjson&select=note`);
    expect(
      nd.text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(ROWS.map((r) => ({ note: r.note })));
  });

  it('crosses several _rid ranges with one header and every row (~150,000 rows)', async () => {
    const id = await publishDataset(t, provider.token, {
      columns: [
        { name: 'k', type: 'integer', nullable: false, sensitivity: 'public' },
        { name: 'label', type: 'string', nullable: false, sensitivity: 'public' },
        { name: 'day', type: 'date', nullable: false, sensitivity: 'public' },
      ],
    });
    const N = 150_003;
    const { tableName } = await loadRows(t, id, []);
    await t.deps.db.execute(
      sql`insert into ${tableRef(tableName)} (_v, k, label, day) select 1, g, 'r' || g || ',"x"', date '2024-01-01' + (g % 365) from generate_series(1, ${N}) g`,
    );
    const res = await t.req('GET', `/v1/open/${id}/download?format=csv`);
    expect(res.status).toBe(200);
    const lines = res.text.split('\n');
    expect(lines.at(-1)).toBe('');
    lines.pop();
    expect(lines).toHaveLength(N + 1);
    expect(lines.filter((l) => l === 'k,label,day')).toHaveLength(1);
    expect(lines[0]).toBe('k,label,day');
    const day = (g: number) => new Date(Date.UTC(2024, 0, 1 + (g % 365))).toISOString().slice(0, 10);
    for (let g = 1; g <= N; g++) {
      const line = lines[g]!;
      const expected = `${g},"r${g},""x""",${day(g)}`;
      if (line !== expected) expect(line).toBe(expected);
    }
    const nd = await t.req('GET', `/v1/open/${id}/download?format=ndjson&select=k`);
    const ks = nd.text.trimEnd().split('\n');
    expect(ks).toHaveLength(N);
    expect(ks[0]).toBe('{"k":1}');
    expect(ks[N - 1]).toBe(`{"k":${N}}`);

    // Callers that stop reading after the first chunk must not hold a database connection each.
    for (let i = 0; i < 12; i++) {
      const res = await t.app.request(`/v1/open/${id}/download?format=${i % 2 ? 'csv' : 'ndjson'}`);
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      await reader.cancel();
    }
    const after = await t.req('POST', `/v1/open/${id}/query`, {
      json: { aggregates: [{ fn: 'count', as: 'n' }] },
    });
    expect(after.json.rows).toEqual([[N]]);
  });
});

describe('a dataset without data', () => {
  it('gives no rows, one aggregate row of zero, a bare CSV header and empty NDJSON', async () => {
    const id = await publishDataset(t, provider.token, {
      slug: `empty-${Date.now().toString(36)}`,
      columns: COLUMNS,
    });
    const rows = await t.req('GET', rowsPath(id));
    expect(rows.status).toBe(200);
    expect(rows.json).toEqual({
      version: null,
      items: [],
      page: { limit: 100, maxLimit: 1000, hasMore: false, nextCursor: null },
    });
    const q = await t.req('POST', `/v1/open/${id}/query`, {
      json: {
        aggregates: [
          { fn: 'count', as: 'n' },
          { fn: 'sum', column: 'aqi', as: 's' },
        ],
      },
    });
    expect(q.status).toBe(200);
    expect(q.json.rows).toEqual([[0, null]]);
    const grouped = await t.req('POST', `/v1/open/${id}/query`, {
      json: { select: ['day'], aggregates: [{ fn: 'count', as: 'n' }], groupBy: ['day'] },
    });
    expect(grouped.json.rows).toEqual([]);
    const csv = await t.req('GET', `/v1/open/${id}/download?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.text).toBe(`${NAMES.join(',')}\n`);
    expect(csv.headers.get('content-disposition')).toMatch(/-v0\.csv"$/);
    const nd = await t.req('GET', `/v1/open/${id}/download?format=ndjson`);
    expect(nd.status).toBe(200);
    expect(nd.text).toBe('');
  });

  it('gives a bare header for a committed version with no rows', async () => {
    const id = await publishDataset(t, provider.token, { columns: COLUMNS });
    await loadRows(t, id, []);
    const csv = await t.req('GET', `/v1/open/${id}/download`);
    expect(csv.text).toBe(`${NAMES.join(',')}\n`);
  });
});

describe('read counting', () => {
  it('counts each read by kind, anonymous apart from authenticated', async () => {
    const id = await publishDataset(t, provider.token, { columns: COLUMNS });
    await loadRows(t, id, ROWS.slice(0, 3));
    const researcher = await t.user('researcher');
    await t.deps.readCounter.flush();
    await t.req('GET', rowsPath(id));
    await t.req('GET', rowsPath(id), { token: researcher.token });
    await t.req('GET', rowsPath(id, 'select=nope'));
    await t.req('POST', `/v1/open/${id}/query`, { json: { aggregates: [{ fn: 'count', as: 'n' }] } });
    await t.req('GET', `/v1/open/${id}/download?format=ndjson`, { token: researcher.token });
    await t.deps.readCounter.flush();
    const reads = (await t.deps.db.select().from(openDataReads)).filter((r) => r.datasetId === id);
    const byKind = Object.fromEntries(reads.map((r) => [r.kind, [r.anonymous, r.authenticated]]));
    expect(byKind).toEqual({ rows: [1, 1], query: [1, 0], download: [0, 1] });
  });
});

describe('the OpenAPI document', () => {
  it('describes the three open data routes', async () => {
    const doc = await t.req('GET', '/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.json.paths['/v1/open/{id}/rows'].get).toBeTruthy();
    expect(doc.json.paths['/v1/open/{id}/query'].post).toBeTruthy();
    const download = doc.json.paths['/v1/open/{id}/download'].get;
    expect(Object.keys(download.responses['200'].content)).toEqual(['text/csv', 'application/x-ndjson']);
    const params = doc.json.paths['/v1/open/{id}/rows'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(['select', 'filter', 'sort', 'limit', 'offset', 'cursor']));
  });
});
