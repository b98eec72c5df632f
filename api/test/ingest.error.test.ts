import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetVersions } from '../src/db/schema/index.ts';
import { datasetBody, publishDataset, uploadData } from './helpers/datasets.ts';
import { physicalRows } from './helpers/tables.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
let provider: { token: string };
beforeAll(async () => {
  t = await createTestApp();
  provider = await t.user('provider');
});
afterAll(() => t.close());

const upload = (id: string, body: string | Uint8Array, opts: { mode?: string; type?: string } = {}) =>
  uploadData(t, provider.token, id, body, opts);

/** A dataset holding one good version, to show a bad upload leaves it exactly as it was. */
async function withOneVersion() {
  const id = (await t.req('POST', '/v1/datasets', { token: provider.token, json: datasetBody() })).json
    .id as string;
  expect((await upload(id, 'city_code,day,aqi,pm25\n110100,2024-01-01,50,1\n')).status).toBe(201);
  return { id, before: await physicalRows(t, id) };
}

async function expectUntouched(id: string, before: unknown) {
  expect(await physicalRows(t, id)).toEqual(before);
  const ds = await t.req('GET', `/v1/datasets/${id}`, { token: provider.token });
  expect(ds.json).toMatchObject({ currentVersion: 1, rowCount: 1 });
  const pending = await t.deps.db.query.datasetVersions.findMany({
    where: (v, { and, eq }) => and(eq(v.datasetId, id), eq(v.status, 'pending')),
  });
  expect(pending).toEqual([]);
}

const H = 'city_code,day,aqi,pm25\n';
const good = (n: number) =>
  Array.from({ length: n }, (_, i) => `11${String(i).padStart(4, '0')},2024-01-01,${i % 500},1.5\n`).join('');

describe('ingest refuses bad uploads and writes nothing', () => {
  it.each([
    ['a value above max', `${H}${good(3)}110100,2024-01-01,501,1\n`, 5, 'aqi'],
    ['a value below min', `${H}110100,2024-01-01,-1,1\n`, 2, 'aqi'],
    ['a bad integer', `${H}110100,2024-01-01,5x,1\n`, 2, 'aqi'],
    ['an impossible date', `${H}110100,2024-02-30,5,1\n`, 2, 'day'],
    ['a null in a required column', `${H}110100,,5,1\n`, 2, 'day'],
    ['a ragged row', `${H}110100,2024-01-01,5\n`, 2, undefined],
    ['a quote inside an unquoted field', `${H}11"0100,2024-01-01,5,1\n`, 2, undefined],
    ['text after a closing quote', `${H}"110100"x,2024-01-01,5,1\n`, 2, undefined],
    ['an unterminated quote', `${H}"110100,2024-01-01,5,1\n`, 2, undefined],
    ['a NUL byte', `${H}110\u00000,2024-01-01,5,1\n`, 2, undefined],
  ])('%s → 422 with line %s', async (_name, csv, line, column) => {
    const { id, before } = await withOneVersion();
    const res = await upload(id, csv);
    expect(res.status).toBe(422);
    expect(res.json.code).toBe('INGEST_INVALID');
    expect(res.json.errors[0].line).toBe(line);
    if (column) expect(res.json.errors[0].column).toBe(column);
    await expectUntouched(id, before);
  });

  it('reports invalid UTF-8 and stops a bad row deep in a large upload from leaving any rows', async () => {
    const { id, before } = await withOneVersion();
    const bytes = new TextEncoder().encode(`${H}${good(2)}`);
    const bad = new Uint8Array([...bytes, 0x31, 0xff, 0xfe, 0x2c, 0x0a]);
    const res = await upload(id, bad);
    expect(res.status).toBe(422);
    expect(res.json.errors[0].line).toBe(4);
    await expectUntouched(id, before);

    const big = `${H}${good(60_000)}110100,2024-01-01,999,1\n${good(10)}`;
    const res2 = await upload(id, big);
    expect(res2.status).toBe(422);
    expect(res2.json.errors[0]).toMatchObject({ line: 60_002, column: 'aqi' });
    await expectUntouched(id, before);
  });

  it('lists several bad rows, each with line, column and reason', async () => {
    const { id, before } = await withOneVersion();
    const res = await upload(
      id,
      `${H}110100,2024-01-01,600,1\n110100,2024-13-01,5,1\n110100,2024-01-01,5,-3\n`,
    );
    expect(res.status).toBe(422);
    expect(res.json.errors.map((e: { line: number; column: string }) => [e.line, e.column])).toEqual([
      [2, 'aqi'],
      [3, 'day'],
      [4, 'pm25'],
    ]);
    for (const e of res.json.errors) expect(e.reason).toEqual(expect.any(String));
    await expectUntouched(id, before);
  });

  it('refuses headers that do not match the schema', async () => {
    const { id, before } = await withOneVersion();
    for (const csv of [
      'city_code,day,aqi,pm25,secret\n',
      'city_code,day,pm25\n',
      'city_code,day,aqi,aqi\n',
      '',
    ]) {
      const res = await upload(id, csv);
      expect(res.status, JSON.stringify(csv)).toBe(422);
      expect(res.json.errors[0].line).toBe(1);
    }
    await expectUntouched(id, before);
  });

  it('refuses bad NDJSON lines, including __proto__ and unknown keys', async () => {
    const { id, before } = await withOneVersion();
    for (const [body, column] of [
      ['{"city_code":"1","day":"2024-01-01","aqi":1,"__proto__":{"x":1}}\n', '__proto__'],
      ['{"city_code":"1","day":"2024-01-01","aqi":1,"evil":1}\n', 'evil'],
      ['{"city_code":"1","day":"2024-01-01","aqi":"1"}\n', 'aqi'],
      ['[1,2,3]\n', undefined],
      ['{"city_code":"1",\n', undefined],
    ] as const) {
      const res = await upload(id, body, { type: 'application/x-ndjson' });
      expect(res.status, body).toBe(422);
      expect(res.json.errors[0].line).toBe(1);
      if (column) expect(res.json.errors[0].column ?? res.json.errors[0].reason).toContain(column);
    }
    await expectUntouched(id, before);
  });

  it('refuses an unknown media type, a bad mode and uploads to a retired dataset', async () => {
    const { id, before } = await withOneVersion();
    expect((await upload(id, H, { type: 'application/json' })).status).toBe(415);
    expect((await upload(id, H, { mode: 'merge' })).status).toBe(400);
    await expectUntouched(id, before);
    const pub = await publishDataset(t, provider.token);
    await t.req('POST', `/v1/datasets/${pub}/retire`, { token: provider.token, json: {} });
    const retired = await upload(pub, `${H}${good(1)}`);
    expect(retired.status).toBe(409);
  });

  it('refuses a second upload while one is in progress, and reclaims one that died', async () => {
    const { id, before } = await withOneVersion();
    const now = new Date();
    await t.deps.db.insert(datasetVersions).values({
      datasetId: id,
      version: 2,
      status: 'pending',
      mode: 'append',
      format: 'csv',
      tableName: `${id}_v1`,
      createdBy: (await t.req('GET', '/v1/me', { token: provider.token })).json.id,
      heartbeatAt: now,
    });
    const busy = await upload(id, `${H}${good(1)}`);
    expect(busy.status).toBe(409);
    expect(busy.json.code).toBe('INGEST_IN_PROGRESS');
    expect(await physicalRows(t, id)).toEqual(before);

    const { sql } = await import('drizzle-orm');
    await t.deps.db.execute(
      sql`insert into enclave_data.${sql.identifier(`${id}_v1`)} (_v, city_code, day, aqi) values (2, 'ghost', '2024-01-01', 1)`,
    );
    await t.deps.db.execute(
      sql`update dataset_versions set heartbeat_at = now() - interval '1 hour' where dataset_id = ${id} and version = 2`,
    );
    const ok = await upload(id, `${H}${good(1)}`);
    expect(ok.status).toBe(201);
    expect(ok.json).toMatchObject({ version: 2, rowCount: 2 });
    const rows = (await physicalRows(t, id))[`${id}_v1`]!;
    expect(rows.map((r) => r.city_code)).not.toContain('ghost');
  });
});

describe('ingest enforces the code lists of the schema', () => {
  const NOT_LISTED = "not in the column's code list";
  const CODED_COLUMNS = [
    { name: 'district_code', type: 'string', sensitivity: 'public', codes: ['330102', '330105', '330106'] },
    { name: 'year', type: 'integer', sensitivity: 'public', min: 2000, max: 2100, codes: [2021, 2022, 2023] },
    { name: 'gender', type: 'string', nullable: true, sensitivity: 'public', codes: ['男', '女'] },
    { name: 'amount', type: 'number', nullable: true, sensitivity: 'public' },
  ];
  const CH = 'district_code,year,gender,amount\n';

  /** A dataset with coded columns holding one good version (the year written `02022`, stored as 2022). */
  async function codedWithOneVersion() {
    const created = await t.req('POST', '/v1/datasets', {
      token: provider.token,
      json: datasetBody({ columns: CODED_COLUMNS }),
    });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const first = await upload(id, `${CH}330102,02022,男,1.5\n`);
    expect(first.status).toBe(201);
    const before = await physicalRows(t, id);
    // Integers are bigint in the data tables: a server's driver reads them as text.
    expect(Object.values(before)[0]!.map((r) => [r.district_code, Number(r.year), r.gender])).toEqual([
      ['330102', 2022, '男'],
    ]);
    return { id, before };
  }

  it.each([
    ['a district outside the list', `${CH}330102,2021,女,1\n330100,2021,女,1\n`, 3, 'district_code'],
    ['a year outside the list', `${CH}330102,2021,,\n330102,2021,男,\n330105,2020,女,2\n`, 4, 'year'],
    ['a gender written another way', `${CH}330102,2021,男性,1\n`, 2, 'gender'],
    ['a quoted value with a trailing space', `${CH}"330102 ",2021,男,1\n`, 2, 'district_code'],
    ['a reordered header', `year,gender,district_code\n2021,男,330102\n2021,女,330199\n`, 3, 'district_code'],
  ])('CSV: %s → 422 with its line and reason, nothing written', async (_name, csv, line, column) => {
    const { id, before } = await codedWithOneVersion();
    const res = await upload(id, csv);
    expect(res.status).toBe(422);
    expect(res.json.code).toBe('INGEST_INVALID');
    expect(res.json.errors).toEqual([{ line, column, reason: NOT_LISTED }]);
    expect(await physicalRows(t, id)).toEqual(before);
    const ds = await t.req('GET', `/v1/datasets/${id}`, { token: provider.token });
    expect(ds.json).toMatchObject({ currentVersion: 1, rowCount: 1 });
  });

  it('NDJSON: a value outside the list → 422 with its line and reason, nothing written', async () => {
    const { id, before } = await codedWithOneVersion();
    const res = await upload(
      id,
      '{"district_code":"330102","year":2021}\n\n{"district_code":"330106","year":2024,"gender":"女"}\n' +
        '{"district_code":"330106","year":2023,"gender":"F"}\n',
      { type: 'application/x-ndjson' },
    );
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([
      { line: 3, column: 'year', reason: NOT_LISTED },
      { line: 4, column: 'gender', reason: NOT_LISTED },
    ]);
    expect(await physicalRows(t, id)).toEqual(before);
  });

  it('compares integer codes as numbers: 007-style text is the listed value, another number is refused', async () => {
    const { id } = await codedWithOneVersion();
    const accepted = await upload(id, `${CH}330105,+2021,,\n330106,002023,女,\n`);
    expect(accepted.status).toBe(201);
    const rows = Object.values(await physicalRows(t, id))[0]!;
    expect(rows.map((r) => Number(r.year))).toEqual([2022, 2021, 2023]);
    const before = await physicalRows(t, id);
    const refused = await upload(id, `${CH}330105,2021.0,,\n330105,02024,,\n`);
    expect(refused.status).toBe(422);
    expect(refused.json.errors).toEqual([
      { line: 2, column: 'year', reason: 'not an integer' },
      { line: 3, column: 'year', reason: NOT_LISTED },
    ]);
    const ndjson = await upload(
      id,
      '{"district_code":"330105","year":2021.0}\n{"district_code":"330105","year":2.021e3}\n',
      {
        type: 'application/x-ndjson',
      },
    );
    expect(ndjson.status).toBe(201);
    const json = await upload(id, '{"district_code":"330105","year":2025}\n', {
      type: 'application/x-ndjson',
    });
    expect(json.status).toBe(422);
    expect(json.json.errors).toEqual([{ line: 1, column: 'year', reason: NOT_LISTED }]);
    const after = Object.values(await physicalRows(t, id))[0]!;
    expect(after.length).toBe(before[Object.keys(before)[0]!]!.length + 2);
  });
});
