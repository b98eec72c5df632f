import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetBody, uploadData } from './helpers/datasets.ts';
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

const newDataset = async (over: Record<string, unknown> = {}) =>
  (await t.req('POST', '/v1/datasets', { token: provider.token, json: datasetBody(over) })).json.id as string;

describe('ingest', () => {
  it('makes each upload a version with its row count and the digest of its bytes', async () => {
    const id = await newDataset();
    const csv = '\uFEFFcity_code,day,aqi,pm25\r\n110100,2024-01-01,50,12.5\r\n"310100",2024-01-01,80,\r\n';
    const first = await upload(id, csv);
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      version: 1,
      mode: 'append',
      format: 'csv',
      rowCount: 2,
      addedRows: 2,
    });
    expect(first.json.digest).toBe(createHash('sha256').update(csv).digest('hex'));

    const ndjson =
      '{"city_code":"440100","day":"2024-01-02","aqi":30,"pm25":null}\n{"city_code":"440300","day":"2024-01-02","aqi":31}\n';
    const second = await upload(id, ndjson, { type: 'application/x-ndjson' });
    expect(second.json).toMatchObject({
      version: 2,
      mode: 'append',
      format: 'ndjson',
      rowCount: 4,
      addedRows: 2,
    });

    const third = await upload(id, 'aqi,day,city_code\n7,2024-02-01,120100\n', { mode: 'replace' });
    expect(third.json).toMatchObject({ version: 3, mode: 'replace', rowCount: 1, addedRows: 1 });

    const ds = await t.req('GET', `/v1/datasets/${id}`, { token: provider.token });
    expect(ds.json).toMatchObject({ currentVersion: 3, rowCount: 1 });

    const tables = await physicalRows(t, id);
    expect(Object.keys(tables)).toEqual([`${id}_v1`, `${id}_v3`]);
    const v1 = tables[`${id}_v1`]!;
    expect(
      v1.map((r) => [r._v, r.city_code, Number(r.aqi), r.pm25 === null ? null : Number(r.pm25)]),
    ).toEqual([
      [1, '110100', 50, 12.5],
      [1, '310100', 80, null],
      [2, '440100', 30, null],
      [2, '440300', 31, null],
    ]);
    expect(tables[`${id}_v3`]!.map((r) => [r._v, r.city_code, Number(r.aqi), r.pm25])).toEqual([
      [3, '120100', 7, null],
    ]);

    const versions = await t.deps.db.query.datasetVersions.findMany({
      where: (v, { eq }) => eq(v.datasetId, id),
    });
    expect(versions.map((v) => [v.version, v.status, v.rowCount])).toEqual([
      [1, 'committed', 2],
      [2, 'committed', 4],
      [3, 'committed', 1],
    ]);
    const audit = await t.deps.db.query.auditEntries.findMany({
      orderBy: (a, { asc }) => asc(a.seq),
      where: (a, { and, eq }) => and(eq(a.objectId, id), eq(a.action, 'dataset.ingest')),
    });
    expect(audit.map((a) => [a.outcome, a.details.version])).toEqual([
      ['success', 1],
      ['success', 2],
      ['success', 3],
    ]);
  });

  it('accepts a header-only upload as an empty version and takes values with quotes, commas and newlines', async () => {
    const id = await newDataset({
      columns: [
        { name: 'name', type: 'string', nullable: true, sensitivity: 'public' },
        { name: 'n', type: 'integer', nullable: true, sensitivity: 'public' },
      ],
    });
    expect((await upload(id, 'name,n\n')).json).toMatchObject({ version: 1, rowCount: 0 });
    const res = await upload(id, 'name,n\n"北京, ""朝阳""\n区",1\n"back\\slash\ttab",2\n');
    expect(res.status).toBe(201);
    const rows = (await physicalRows(t, id))[`${id}_v1`]!;
    expect(rows.map((r) => r.name)).toEqual(['北京, "朝阳"\n区', 'back\\slash\ttab']);
  });
});
