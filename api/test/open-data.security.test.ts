import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableRef } from '../src/data/table-store.ts';
import { rowsOf } from '../src/db/client.ts';
import { datasets } from '../src/db/schema/index.ts';
import { loadRows, parseCsv } from './helpers/dataset-rows.ts';
import { datasetBody, publishDataset } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

const COLUMNS = [
  { name: 'city_code', type: 'string', nullable: false, sensitivity: 'public' },
  { name: 'aqi', type: 'integer', nullable: false, sensitivity: 'public' },
  { name: 'note', type: 'string', nullable: true, sensitivity: 'public' },
];
const ROWS = Array.from({ length: 8 }, (_, i) => ({
  city_code: i % 2 ? '110000' : '310000',
  aqi: 10 + i,
  note: i === 3 ? "x' or '1'='1" : `n${i}`,
}));
const MARKER = 'SECRET-ROW-7f3a';

let t: TestApp;
let provider: { token: string };
let id: string;
let tableName: string;

beforeAll(async () => {
  t = await createTestApp();
  provider = await t.user('provider');
  id = await publishDataset(t, provider.token, { columns: COLUMNS });
  ({ tableName } = await loadRows(t, id, ROWS));
});
afterAll(() => t.close());

const enc = encodeURIComponent;

/** Every way of reading a dataset's rows, as an anonymous caller unless a token is given. */
async function readAll(datasetId: string, token: string | null = null) {
  return [
    await t.req('GET', `/v1/open/${datasetId}/rows`, { token }),
    await t.req('GET', `/v1/open/${datasetId}/rows?filter=${enc(`note:eq:${MARKER}`)}`, { token }),
    await t.req('POST', `/v1/open/${datasetId}/query`, {
      token,
      json: { select: ['note'], aggregates: [{ fn: 'count', as: 'n' }], groupBy: ['note'] },
    }),
    await t.req('POST', `/v1/open/${datasetId}/query`, { token, json: { select: ['note'] } }),
    await t.req('GET', `/v1/open/${datasetId}/download?format=csv`, { token }),
    await t.req('GET', `/v1/open/${datasetId}/download?format=ndjson`, { token }),
  ];
}

async function tableCount(name: string) {
  const [row] = rowsOf<{ n: unknown }>(
    await t.deps.db.execute(sql`select count(*) as n from ${tableRef(name)}`),
  );
  return Number(row!.n);
}

describe('datasets that are not open data', () => {
  it('answer 404 on every route, to anyone, without a trace of their rows', async () => {
    const marked = [{ city_code: MARKER, aqi: 1, note: MARKER }];
    const conditional = await publishDataset(t, provider.token, {
      columns: COLUMNS,
      openness: 'conditional',
      sharing: 'conditional',
      sharingBasis: '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条',
      classification: 2,
    });
    const closed = await publishDataset(t, provider.token, {
      columns: COLUMNS,
      openness: 'closed',
      sharing: 'none',
      sharingBasis: '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条',
      classification: 3,
    });
    const retired = await publishDataset(t, provider.token, { columns: COLUMNS });
    const created = await t.req('POST', '/v1/datasets', {
      token: provider.token,
      json: datasetBody({ columns: COLUMNS }),
    });
    const draft = created.json.id as string;
    const submittedRes = await t.req('POST', '/v1/datasets', {
      token: provider.token,
      json: datasetBody({ columns: COLUMNS }),
    });
    const submitted = submittedRes.json.id as string;
    expect((await t.req('POST', `/v1/datasets/${submitted}/submit`, { token: provider.token })).status).toBe(
      200,
    );
    for (const ds of [conditional, closed, retired, draft, submitted]) await loadRows(t, ds, marked);
    expect(
      (await t.req('POST', `/v1/datasets/${retired}/retire`, { token: provider.token, json: {} })).status,
    ).toBe(200);

    const researcher = await t.user('researcher');
    const cases: [string, string, string][] = [
      [conditional, 'OPEN_DATA_NOT_AVAILABLE', 'conditional'],
      [closed, 'OPEN_DATA_NOT_AVAILABLE', 'closed'],
      [retired, 'OPEN_DATA_NOT_AVAILABLE', 'retired'],
      [draft, 'NOT_FOUND', 'draft'],
      [submitted, 'NOT_FOUND', 'submitted'],
    ];
    const nowhere = await t.req('GET', '/v1/open/ds_nosuchdataset/rows');
    for (const [ds, code, label] of cases) {
      for (const token of [null, researcher.token, provider.token, t.adminToken]) {
        for (const res of await readAll(ds, token)) {
          expect(res.status, label).toBe(404);
          expect(res.json.code, label).toBe(code);
          expect(res.text).not.toContain(MARKER);
          expect(res.text).not.toContain('city_code');
          expect(res.headers.get('content-disposition')).toBeNull();
        }
      }
      if (code === 'NOT_FOUND') {
        const res = await t.req('GET', `/v1/open/${ds}/rows`);
        expect(res.json.detail).toBe(nowhere.json.detail);
      }
    }
  });
});

describe('rows of versions not yet committed', () => {
  it('are invisible to rows, cursors, filters, queries and downloads', async () => {
    const ds = await publishDataset(t, provider.token, { columns: COLUMNS });
    const { tableName: table } = await loadRows(t, ds, ROWS);
    // An append in progress: version 2 pending, its rows already in the table.
    await loadRows(t, ds, [{ city_code: MARKER, aqi: 999, note: MARKER }], {
      mode: 'append',
      isPending: true,
    });
    // A straggler far ahead of any version.
    await t.deps.db.execute(
      sql`insert into ${tableRef(table)} (_v, city_code, aqi, note) values (7, ${MARKER}, 998, ${MARKER})`,
    );
    expect(await tableCount(table)).toBe(ROWS.length + 2);

    const all = await t.req('GET', `/v1/open/${ds}/rows?limit=1000`);
    expect(all.json.items).toEqual(ROWS);
    const walked: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await t.req(
        'GET',
        `/v1/open/${ds}/rows?limit=3${cursor ? `&cursor=${enc(cursor)}` : ''}`,
      );
      walked.push(...page.json.items);
      cursor = page.json.page.nextCursor;
    } while (cursor);
    expect(walked).toEqual(ROWS);
    const sorted = await t.req('GET', `/v1/open/${ds}/rows?sort=-aqi&limit=1`);
    expect(sorted.json.items[0].aqi).toBe(17);
    const found = await t.req('GET', `/v1/open/${ds}/rows?filter=${enc(`city_code:eq:${MARKER}`)}`);
    expect(found.json.items).toEqual([]);

    const agg = await t.req('POST', `/v1/open/${ds}/query`, {
      json: {
        aggregates: [
          { fn: 'count', as: 'n' },
          { fn: 'max', column: 'aqi', as: 'top' },
          { fn: 'sum', column: 'aqi', as: 'total' },
        ],
      },
    });
    expect(agg.json.rows).toEqual([[ROWS.length, 17, ROWS.reduce((s, r) => s + r.aqi, 0)]]);
    const grouped = await t.req('POST', `/v1/open/${ds}/query`, {
      json: { select: ['city_code'], aggregates: [{ fn: 'count', as: 'n' }], groupBy: ['city_code'] },
    });
    expect(grouped.json.rows.map((r: unknown[]) => r[0]).sort()).toEqual(['110000', '310000']);

    const csv = await t.req('GET', `/v1/open/${ds}/download?format=csv`);
    expect(csv.text).not.toContain(MARKER);
    expect(parseCsv(csv.text)).toHaveLength(ROWS.length + 1);
    const nd = await t.req('GET', `/v1/open/${ds}/download?format=ndjson`);
    expect(nd.text).not.toContain(MARKER);
    expect(
      nd.text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(ROWS);
    expect(nd.headers.get('content-disposition')).toMatch(/-v1\.ndjson"$/);
  });

  it('stay invisible while a replace is pending in a new table', async () => {
    const ds = await publishDataset(t, provider.token, { columns: COLUMNS });
    await loadRows(t, ds, ROWS);
    await loadRows(t, ds, [{ city_code: MARKER, aqi: 1, note: MARKER }], {
      mode: 'replace',
      isPending: true,
    });
    for (const res of await readAll(ds)) {
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(MARKER);
    }
  });
});

describe('SQL injection', () => {
  const attempts = [
    'aqi; drop table enclave_data.x',
    `aqi; drop table ${'"enclave_data"'}."x" --`,
    '"aqi"',
    'aqi"',
    "aqi'",
    'aqi) from pg_user --',
    '*',
    'aqi desc',
    'aqi/**/',
    'pg_sleep(5)',
    'count(*)',
  ];

  it('in column names is refused with 400 everywhere a name goes, and the table stays', async () => {
    const before = await tableCount(tableName);
    for (const name of attempts) {
      const e = enc(name);
      const responses = [
        await t.req('GET', `/v1/open/${id}/rows?select=${e}`),
        await t.req('GET', `/v1/open/${id}/rows?sort=${e}`),
        await t.req('GET', `/v1/open/${id}/rows?sort=-${e}`),
        await t.req('GET', `/v1/open/${id}/rows?filter=${enc(`${name}:eq:1`)}`),
        await t.req('GET', `/v1/open/${id}/download?select=${e}`),
        await t.req('POST', `/v1/open/${id}/query`, { json: { select: [name] } }),
        await t.req('POST', `/v1/open/${id}/query`, {
          json: { select: [name], groupBy: [name], aggregates: [{ fn: 'count', as: 'n' }] },
        }),
        await t.req('POST', `/v1/open/${id}/query`, {
          json: { aggregates: [{ fn: 'max', column: name, as: 'm' }] },
        }),
        await t.req('POST', `/v1/open/${id}/query`, {
          json: { aggregates: [{ fn: 'count', as: 'n' }], where: [{ column: name, op: 'eq', value: 1 }] },
        }),
        await t.req('POST', `/v1/open/${id}/query`, { json: { aggregates: [{ fn: 'count', as: name }] } }),
        await t.req('POST', `/v1/open/${id}/query`, {
          json: { aggregates: [{ fn: 'count', as: 'n' }], orderBy: [{ key: name, dir: 'asc' }] },
        }),
      ];
      for (const res of responses) {
        expect(res.status, `${name}: ${res.text}`).toBe(400);
        expect(res.json.code).toBe('VALIDATION_FAILED');
        expect(res.text).not.toMatch(/enclave_data"\.|syntax error|\bat [A-Za-z]+ \(|\/work\//);
      }
    }
    expect(await tableCount(tableName)).toBe(before);
    expect((await t.deps.db.select().from(datasets)).length).toBeGreaterThan(0);
  });

  it('in filter values and like patterns is just a value', async () => {
    const values = [
      "x' or '1'='1",
      "'; drop table enclave_data.x; --",
      "%' or 1=1 --",
      '" or ""="',
      '\\',
      'n1); delete from datasets; --',
    ];
    for (const v of values) {
      const eq = await t.req('GET', `/v1/open/${id}/rows?filter=${enc(`note:eq:${v}`)}`);
      expect(eq.status).toBe(200);
      expect(eq.json.items).toEqual(ROWS.filter((r) => r.note === v));
      const like = await t.req('GET', `/v1/open/${id}/rows?filter=${enc(`note:like:${v}`)}`);
      // A pattern ending in the escape character is not a pattern; anything else is one.
      expect(like.status).toBe(v.endsWith('\\') ? 400 : 200);
      const inList = await t.req('POST', `/v1/open/${id}/query`, {
        json: {
          aggregates: [{ fn: 'count', as: 'n' }],
          where: [{ column: 'note', op: 'in', value: [v, 'n0'] }],
        },
      });
      expect(inList.json.rows).toEqual([[ROWS.filter((r) => r.note === v || r.note === 'n0').length]]);
    }
    const hit = await t.req('GET', `/v1/open/${id}/rows?filter=${enc("note:eq:x' or '1'='1")}`);
    expect(hit.json.items).toHaveLength(1);
    expect(await tableCount(tableName)).toBe(ROWS.length);
    const numeric = await t.req('GET', `/v1/open/${id}/rows?filter=${enc('aqi:eq:1 or 1=1')}`);
    expect(numeric.status).toBe(400);
  });

  it('cannot slip through sort direction or order keys', async () => {
    expect((await t.req('GET', `/v1/open/${id}/rows?sort=${enc('aqi,(select 1)')}`)).status).toBe(400);
    const dir = await t.req('POST', `/v1/open/${id}/query`, {
      json: { select: ['aqi'], orderBy: [{ key: 'aqi', dir: 'asc; drop table x' }] },
    });
    expect(dir.status).toBe(400);
    expect(await tableCount(tableName)).toBe(ROWS.length);
  });

  it('quotes every name, so columns named like SQL keywords work on every route', async () => {
    const ds = await publishDataset(t, provider.token, {
      columns: [
        { name: 'order', type: 'integer', nullable: false, sensitivity: 'public' },
        { name: 'user', type: 'string', nullable: false, sensitivity: 'public' },
        { name: 'select', type: 'date', nullable: true, sensitivity: 'public' },
      ],
    });
    const data = [
      { order: 2, user: 'b', select: '2024-01-02' },
      { order: 1, user: 'a', select: null },
      { order: 3, user: 'a', select: '2024-01-03' },
    ];
    await loadRows(t, ds, data);
    const r = await t.req(
      'GET',
      `/v1/open/${ds}/rows?select=user,order&sort=-order&filter=${enc('order:gte:2')}`,
    );
    expect(r.status, r.text).toBe(200);
    expect(r.json.items).toEqual([
      { user: 'a', order: 3 },
      { user: 'b', order: 2 },
    ]);
    const q = await t.req('POST', `/v1/open/${ds}/query`, {
      json: {
        select: ['user'],
        aggregates: [
          { fn: 'sum', column: 'order', as: 'from' },
          { fn: 'max', column: 'select', as: 'where' },
        ],
        groupBy: ['user'],
        orderBy: [{ key: 'from', dir: 'desc' }],
      },
    });
    expect(q.status, q.text).toBe(200);
    expect(q.json.rows).toEqual([
      ['a', 4, '2024-01-03'],
      ['b', 2, '2024-01-02'],
    ]);
    const csv = await t.req('GET', `/v1/open/${ds}/download?format=csv`);
    expect(parseCsv(csv.text)).toEqual([
      ['order', 'user', 'select'],
      ['2', 'b', '2024-01-02'],
      ['1', 'a', null],
      ['3', 'a', '2024-01-03'],
    ]);
    const nd = await t.req('GET', `/v1/open/${ds}/download?format=ndjson`);
    expect(
      nd.text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(data);
  });
});

describe('callers', () => {
  it('anonymous callers read; a bad token is refused, never treated as anonymous', async () => {
    expect((await t.req('GET', `/v1/open/${id}/rows`)).status).toBe(200);
    const bad = await t.req('GET', `/v1/open/${id}/rows`, { token: `enc_${'z'.repeat(43)}` });
    expect(bad.status).toBe(401);
    expect(bad.text).not.toContain('310000');
  });

  it('anonymous callers are rate limited with Retry-After while a token holder still reads', async () => {
    const fixed = new Date('2025-06-01T12:00:10Z');
    const limited = await createTestApp({
      clock: { now: () => fixed },
      rateLimits: { anonymous: 3, token: 100 },
    });
    try {
      const p = await limited.user('provider');
      const ds = await publishDataset(limited, p.token, { columns: COLUMNS });
      await loadRows(limited, ds, ROWS);
      const researcher = await limited.user('researcher');
      expect((await limited.req('GET', `/v1/open/${ds}/rows`)).status).toBe(200);
      expect(
        (
          await limited.req('POST', `/v1/open/${ds}/query`, {
            json: { aggregates: [{ fn: 'count', as: 'n' }] },
          })
        ).status,
      ).toBe(200);
      expect((await limited.req('GET', `/v1/open/${ds}/download`)).status).toBe(200);
      const fourth = await limited.req('GET', `/v1/open/${ds}/rows`);
      expect(fourth.status).toBe(429);
      expect(fourth.json.code).toBe('RATE_LIMITED');
      expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(fourth.text).not.toContain('310000');
      const download = await limited.req('GET', `/v1/open/${ds}/download`);
      expect(download.status).toBe(429);
      const withToken = await limited.req('GET', `/v1/open/${ds}/rows`, { token: researcher.token });
      expect(withToken.status).toBe(200);
      expect(withToken.json.items).toHaveLength(ROWS.length);
    } finally {
      await limited.close();
    }
  });
});
