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
