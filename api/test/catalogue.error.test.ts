import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { parseConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { auditEntries, datasets } from '../src/db/schema/index.ts';
import { createLogger } from '../src/lib/logger.ts';
import { createDeps } from '../src/server.ts';
import { datasetBody, publishDataset } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
let provider: { token: string; orgId: string };
beforeAll(async () => {
  t = await createTestApp();
  provider = await t.user('provider');
});
afterAll(() => t.close());

const counts = async () => ({
  datasets: (await t.deps.db.select().from(datasets)).length,
  audit: (await t.deps.db.select().from(auditEntries)).length,
});

describe('catalogue refuses bad input cleanly', () => {
  it.each([
    ['a smuggled status', { status: 'published' }, 'body'],
    ['a smuggled providerOrgId', { providerOrgId: 'org_other' }, 'body'],
    ['a smuggled role', { role: 'admin' }, 'body'],
    ['a wrong type', { classification: '1' }, 'body.classification'],
    ['an out-of-range classification', { classification: 5 }, 'body.classification'],
    ['a bad slug', { slug: 'Bad Slug!' }, 'body.slug'],
    ['an unknown theme', { theme: 'astrology' }, 'body.theme'],
    [
      'a bad column name',
      { columns: [{ name: 'Drop Table', type: 'string', sensitivity: 'public' }] },
      'body.columns.0.name',
    ],
    [
      'an unknown column type',
      { columns: [{ name: 'a', type: 'blob', sensitivity: 'public' }] },
      'body.columns.0.type',
    ],
    [
      'an extra column field',
      { columns: [{ name: 'a', type: 'string', sensitivity: 'public', sql: 'x' }] },
      'body.columns.0',
    ],
    [
      'duplicate columns',
      {
        columns: [
          { name: 'a', type: 'string', sensitivity: 'public' },
          { name: 'a', type: 'string', sensitivity: 'public' },
        ],
      },
      'body.columns',
    ],
    [
      'min above max',
      { columns: [{ name: 'a', type: 'integer', sensitivity: 'public', min: 5, max: 1 }] },
      'body.columns.0.min',
    ],
    [
      'codes on a number column',
      { columns: [{ name: 'a', type: 'number', sensitivity: 'public', codes: [1, 2] }] },
      'body.columns.0.codes',
    ],
    [
      'an integer code above max',
      {
        columns: [
          { name: 'a', type: 'string', sensitivity: 'public' },
          { name: 'year', type: 'integer', sensitivity: 'public', max: 2100, codes: [2021, 2101] },
        ],
      },
      'body.columns.1.codes.1',
    ],
    [
      'a string code on an integer column',
      { columns: [{ name: 'a', type: 'integer', sensitivity: 'public', codes: [2021, '2022'] }] },
      'body.columns.0.codes.1',
    ],
    [
      'a duplicate code',
      { columns: [{ name: 'a', type: 'string', sensitivity: 'public', codes: ['男', '女', '男'] }] },
      'body.columns.0.codes.2',
    ],
    [
      'a code longer than 200 characters',
      { columns: [{ name: 'a', type: 'string', sensitivity: 'public', codes: ['x'.repeat(201)] }] },
      'body.columns.0.codes.0',
    ],
    [
      'a malformed date code',
      { columns: [{ name: 'a', type: 'date', sensitivity: 'public', codes: ['2024-02-30'] }] },
      'body.columns.0.codes.0',
    ],
    [
      'an empty code list',
      { columns: [{ name: 'a', type: 'string', sensitivity: 'public', codes: [] }] },
      'body.columns.0.codes',
    ],
    [
      'weights of another length than the codes',
      {
        columns: [
          { name: 'a', type: 'string', sensitivity: 'public', codes: ['a', 'b'], hints: { weights: [1] } },
        ],
      },
      'body.columns.0.hints.weights',
    ],
    [
      'a mean outside min and max',
      {
        columns: [{ name: 'a', type: 'number', sensitivity: 'public', min: 0, max: 10, hints: { mean: 20 } }],
      },
      'body.columns.0.hints.mean',
    ],
    [
      'a nullShare on a required column',
      { columns: [{ name: 'a', type: 'string', sensitivity: 'public', hints: { nullShare: 0.1 } }] },
      'body.columns.0.hints.nullShare',
    ],
    [
      'a distribution on a string column',
      { columns: [{ name: 'a', type: 'string', sensitivity: 'public', hints: { distribution: 'normal' } }] },
      'body.columns.0.hints.distribution',
    ],
  ])('%s → 400 naming %s, nothing written', async (_name, over, path) => {
    const before = await counts();
    const res = await t.req('POST', '/v1/datasets', { token: provider.token, json: datasetBody(over) });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('VALIDATION_FAILED');
    expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(res.json.requestId).toBeTruthy();
    expect(await counts()).toEqual(before);
  });

  it('refuses a bad code list in a draft edit, naming the field, and leaves the draft as it was', async () => {
    const created = await t.req('POST', '/v1/datasets', { token: provider.token, json: datasetBody() });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const before = await counts();
    const columns = [
      { name: 'district_code', type: 'string', sensitivity: 'public', codes: ['330102', '330105'] },
      { name: 'year', type: 'integer', sensitivity: 'public', min: 2000, max: 2100, codes: [2021, 1999] },
    ];
    const res = await t.req('PATCH', `/v1/datasets/${id}`, { token: provider.token, json: { columns } });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('VALIDATION_FAILED');
    expect(res.json.errors).toEqual([
      { path: 'body.columns.1.codes.1', message: 'code 1999 is below the minimum 2000' },
    ]);
    const weights = await t.req('PATCH', `/v1/datasets/${id}`, {
      token: provider.token,
      json: { columns: [{ ...columns[0], hints: { weights: [0, 0] } }] },
    });
    expect(weights.status).toBe(400);
    expect(weights.json.errors.map((e: { path: string }) => e.path)).toEqual([
      'body.columns.0.hints.weights',
    ]);
    expect(await counts()).toEqual(before);
    const after = await t.req('GET', `/v1/datasets/${id}`, { token: provider.token });
    expect(after.json.columns).toEqual(created.json.columns);
  });

  it('refuses a __proto__ key', async () => {
    const body = JSON.stringify(datasetBody()).replace(/^\{/, '{"__proto__":{"status":"published"},');
    const res = await t.req('POST', '/v1/datasets', { token: provider.token, json: body });
    expect(res.status).toBe(400);
    expect(res.json.detail).toContain('__proto__');
  });

  it('refuses malformed JSON, a missing body and an oversize body', async () => {
    const bad = await t.req('POST', '/v1/datasets', { token: provider.token, json: '{"slug": ' });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('MALFORMED_BODY');
    const none = await t.req('POST', '/v1/datasets', { token: provider.token });
    expect(none.status).toBe(400);
    const huge = JSON.stringify(datasetBody({ description: 'x'.repeat(2 * 1024 * 1024) }));
    const big = await t.req('POST', '/v1/datasets', { token: provider.token, json: huge });
    expect(big.status).toBe(413);
    expect(big.json.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses absurd paging and unknown query parameters', async () => {
    for (const qs of ['limit=1000000', 'limit=0', 'offset=-1', 'limit=abc', 'sort=title']) {
      const res = await t.req('GET', `/v1/datasets?${qs}`);
      expect(res.status, qs).toBe(400);
    }
  });

  it('refuses an open dataset with identifier or personal columns at submit', async () => {
    const created = await t.req('POST', '/v1/datasets', {
      token: provider.token,
      json: datasetBody({
        columns: [
          { name: 'id_number', type: 'string', sensitivity: 'identifier' },
          { name: 'age', type: 'integer', sensitivity: 'personal' },
        ],
      }),
    });
    const res = await t.req('POST', `/v1/datasets/${created.json.id}/submit`, { token: provider.token });
    expect(res.status).toBe(409);
    expect(res.json.detail).toContain('id_number');
    expect(res.json.detail).toContain('age');
    const after = await t.req('GET', `/v1/datasets/${created.json.id}`, { token: provider.token });
    expect(after.json.status).toBe('draft');
  });

  it("refuses editing a published dataset's openness and a duplicate slug", async () => {
    const id = await publishDataset(t, provider.token, { slug: 'taken-slug' });
    const edit = await t.req('PATCH', `/v1/datasets/${id}`, {
      token: provider.token,
      json: { title: 'x', openness: 'closed' },
    });
    expect(edit.status).toBe(409);
    expect(edit.json.code).toBe('INVALID_STATE');
    const dup = await t.req('POST', '/v1/datasets', {
      token: provider.token,
      json: datasetBody({ slug: 'taken-slug' }),
    });
    expect(dup.status).toBe(409);
    const review = await t.req('POST', `/v1/datasets/${id}/review`, {
      token: t.adminToken,
      json: { decision: 'approve' },
    });
    expect(review.status).toBe(409);
    const noReason = await t.req('POST', `/v1/datasets/${id}/review`, {
      token: t.adminToken,
      json: { decision: 'reject' },
    });
    expect(noReason.status).toBe(400);
  });

  it('answers 503 without internals when the database is unreachable', async () => {
    const database = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/nothing' });
    const config = parseConfig({ LOG_LEVEL: 'silent', ENCLAVE_NOISE_SECRET: '0'.repeat(64) });
    const app = createApp(createDeps(config, database, { logger: createLogger('silent') }));
    const res = await app.request('/v1/datasets');
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.code).toBe('DATABASE_UNAVAILABLE');
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|select|postgres|\.ts/i);
    const health = await app.request('/v1/health');
    expect(health.status).toBe(503);
    await database.close();
  });
});
