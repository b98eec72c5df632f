import jsonld from 'jsonld';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetBody, publishDataset } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
let provider: { token: string; orgId: string };
beforeAll(async () => {
  t = await createTestApp();
  provider = await t.user('provider', { orgName: '市生态环境局' });
});
afterAll(() => t.close());

describe('catalogue lifecycle', () => {
  it('goes draft → submitted → published → retired, with an audit entry for each step', async () => {
    const created = await t.req('POST', '/v1/datasets', { token: provider.token, json: datasetBody() });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      status: 'draft',
      providerOrgId: provider.orgId,
      currentVersion: null,
    });
    const id = created.json.id;
    const edited = await t.req('PATCH', `/v1/datasets/${id}`, {
      token: provider.token,
      json: { title: '空气质量' },
    });
    expect(edited.json.title).toBe('空气质量');
    expect((await t.req('POST', `/v1/datasets/${id}/submit`, { token: provider.token })).json.status).toBe(
      'submitted',
    );
    const rejected = await t.req('POST', `/v1/datasets/${id}/review`, {
      token: t.adminToken,
      json: { decision: 'reject', reason: '描述不完整' },
    });
    expect(rejected.json).toMatchObject({ status: 'draft', reviewNote: '描述不完整' });
    await t.req('POST', `/v1/datasets/${id}/submit`, { token: provider.token });
    // Every review body says why in `reason`, as sandbox reviews do; `note` is not a field.
    const oldField = await t.req('POST', `/v1/datasets/${id}/review`, {
      token: t.adminToken,
      json: { decision: 'approve', note: '可以' },
    });
    expect(oldField.status).toBe(400);
    const published = await t.req('POST', `/v1/datasets/${id}/review`, {
      token: t.adminToken,
      json: { decision: 'approve', reason: '描述已补全' },
    });
    expect(published.json).toMatchObject({ status: 'published', reviewNote: '描述已补全' });
    expect(published.json.publishedAt).toBeTruthy();
    const retired = await t.req('POST', `/v1/datasets/${id}/retire`, {
      token: provider.token,
      json: { reason: '停更' },
    });
    expect(retired.json.status).toBe('retired');
    const actions = (
      await t.deps.db.query.auditEntries.findMany({
        where: (a, { eq }) => eq(a.objectId, id),
        orderBy: (a, { asc }) => asc(a.seq),
      })
    ).map((a) => a.action);
    expect(actions).toEqual([
      'dataset.create',
      'dataset.update',
      'dataset.submit',
      'dataset.reject',
      'dataset.submit',
      'dataset.approve',
      'dataset.retire',
    ]);
  });

  it('lists restricted datasets with metadata and shows drafts only to their provider', async () => {
    const restricted = await publishDataset(t, provider.token, {
      slug: 'social-insurance-demo',
      title: '社会保险缴费明细',
      titleEn: 'Social insurance contributions',
      openness: 'conditional',
      sharing: 'conditional',
      sharingBasis: '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条',
      classification: 3,
      columns: [
        { name: 'person_id', type: 'string', nullable: false, sensitivity: 'identifier' },
        { name: 'base', type: 'number', nullable: false, sensitivity: 'sensitive', min: 0 },
      ],
    });
    const draft = await t.req('POST', '/v1/datasets', {
      token: provider.token,
      json: datasetBody({ slug: 'hidden-draft', title: '草稿数据集' }),
    });
    const anon = await t.req('GET', '/v1/datasets?q=社会保险');
    expect(anon.status).toBe(200);
    expect(anon.json.items.map((d: { id: string }) => d.id)).toEqual([restricted]);
    expect(anon.json.items[0].columns.map((c: { name: string }) => c.name)).toEqual(['person_id', 'base']);
    expect((await t.req('GET', `/v1/datasets/${draft.json.id}`)).status).toBe(404);
    const other = await t.user('provider');
    expect((await t.req('GET', `/v1/datasets/${draft.json.id}`, { token: other.token })).status).toBe(404);
    expect((await t.req('GET', `/v1/datasets/${draft.json.id}`, { token: provider.token })).status).toBe(200);
    const drafts = await t.req('GET', '/v1/datasets?status=draft', { token: provider.token });
    expect(drafts.json.items.map((d: { id: string }) => d.id)).toContain(draft.json.id);
    const otherDrafts = await t.req('GET', '/v1/datasets?status=draft', { token: other.token });
    expect(otherDrafts.json.items).toEqual([]);
    expect((await t.req('GET', '/v1/datasets?status=draft')).json.items).toEqual([]);
  });

  it('searches by Chinese and English substrings, theme, openness, provider and tag, with stated paging', async () => {
    const other = await t.user('provider');
    const transit = await publishDataset(t, other.token, {
      slug: 'bus-ridership',
      title: '公交线路日客流量',
      titleEn: 'Daily bus ridership by line',
      description: '各公交线路每日刷卡客流',
      theme: 'transport',
      tags: ['公交', 'bus'],
    });
    const find = async (qs: string) =>
      (await t.req('GET', `/v1/datasets?${qs}`)).json.items.map((d: { id: string }) => d.id) as string[];
    expect(await find(`q=${encodeURIComponent('客流')}`)).toEqual([transit]);
    expect(await find('q=RIDERSHIP')).toEqual([transit]);
    expect(await find(`q=${encodeURIComponent('公交 daily')}`)).toEqual([transit]);
    expect(await find('theme=transport')).toEqual([transit]);
    expect(await find(`provider=${other.orgId}`)).toEqual([transit]);
    expect(await find(`tag=${encodeURIComponent('公交')}`)).toEqual([transit]);
    expect(await find('q=%25')).toEqual([]);
    expect(await find('openness=closed')).toEqual([]);
    for (let i = 0; i < 3; i++) await publishDataset(t, other.token, { slug: `page-${i}`, theme: 'urban' });
    const p1 = await t.req('GET', '/v1/datasets?theme=urban&limit=2');
    expect(p1.json.page).toEqual({ limit: 2, maxLimit: 100, offset: 0, total: 3 });
    const p2 = await t.req('GET', '/v1/datasets?theme=urban&limit=2&offset=2');
    const ids = [...p1.json.items, ...p2.json.items].map((d: { id: string }) => d.id);
    expect(new Set(ids).size).toBe(3);
  });

  it('takes feedback from anyone and lets only the provider answer it', async () => {
    const id = await publishDataset(t, provider.token, { slug: 'feedback-target' });
    const draft = await t.req('POST', '/v1/datasets', { token: provider.token, json: datasetBody() });
    const onDraft = await t.req('POST', `/v1/datasets/${draft.json.id}/feedback`, {
      json: { kind: 'error', body: 'x' },
    });
    expect(onDraft.status).toBe(404);
    const filed = await t.req('POST', `/v1/datasets/${id}/feedback`, {
      json: { kind: 'error', body: '3月5日数据缺失', contact: 'a@example.com' },
    });
    expect(filed.status).toBe(201);
    expect((await t.req('GET', `/v1/datasets/${id}/feedback`)).json.items).toEqual([]);
    const own = await t.req('GET', `/v1/datasets/${id}/feedback`, { token: provider.token });
    expect(own.json.items[0]).toMatchObject({
      body: '3月5日数据缺失',
      contact: 'a@example.com',
      status: 'open',
    });
    const stranger = await t.user('provider');
    const denied = await t.req('POST', `/v1/feedback/${filed.json.id}/answer`, {
      token: stranger.token,
      json: { answer: 'no' },
    });
    expect(denied.status).toBe(404);
    const answered = await t.req('POST', `/v1/feedback/${filed.json.id}/answer`, {
      token: provider.token,
      json: { answer: '已补录' },
    });
    expect(answered.json).toMatchObject({ status: 'answered', answer: '已补录' });
    const pub = await t.req('GET', `/v1/datasets/${id}/feedback`);
    expect(pub.json.items[0]).toMatchObject({ answer: '已补录', contact: null });
    const again = await t.req('POST', `/v1/feedback/${filed.json.id}/answer`, {
      token: provider.token,
      json: { answer: 'x' },
    });
    expect(again.status).toBe(409);
  });

  it('builds DCAT links from the public address behind a proxy, not the listening one', async () => {
    const proxied = await createTestApp({
      env: { ENCLAVE_PUBLIC_URL: 'https://data.example.gov.cn/portal/' },
    });
    try {
      const p = await proxied.user('provider');
      const id = await publishDataset(proxied, p.token);
      const doc = (await proxied.req('GET', '/v1/catalog.jsonld')).json;
      const ds = doc['dcat:dataset'].find((d: { '@id': string }) => d['@id'].endsWith(id));
      expect(ds['@id']).toBe(`https://data.example.gov.cn/portal/v1/datasets/${id}`);
      expect(ds['dcat:distribution'][0]['dcat:downloadURL']).toBe(
        `https://data.example.gov.cn/portal/v1/open/${id}/download?format=csv`,
      );
    } finally {
      await proxied.close();
    }
  });

  it('publishes DCAT JSON-LD that expands to dcat:Dataset with distributions, publisher, licence and theme', async () => {
    const id = await publishDataset(t, provider.token, { slug: 'dcat-open', title: '开放数据样例' });
    const res = await t.req('GET', '/v1/catalog.jsonld');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/ld+json');
    const expanded = (await jsonld.expand(res.json)) as any[];
    const DCAT = 'http://www.w3.org/ns/dcat#';
    const DCT = 'http://purl.org/dc/terms/';
    const catalog = expanded.find((n) => n['@type']?.includes(`${DCAT}Catalog`));
    expect(catalog).toBeTruthy();
    const ds = catalog[`${DCAT}dataset`].find((d: any) => d['@id'].endsWith(`/v1/datasets/${id}`));
    expect(ds['@type']).toEqual([`${DCAT}Dataset`]);
    expect(ds[`${DCT}title`]).toContainEqual({ '@value': '开放数据样例', '@language': 'zh' });
    expect(ds[`${DCT}publisher`][0]['http://xmlns.com/foaf/0.1/name'][0]['@value']).toBe('市生态环境局');
    expect(ds[`${DCT}license`][0]['@id']).toBe('https://spdx.org/licenses/CC-BY-4.0');
    expect(ds[`${DCAT}theme`][0]['@id']).toMatch(/environment$/);
    const dist = ds[`${DCAT}distribution`];
    expect(dist.map((d: any) => d['@type'][0])).toEqual([`${DCAT}Distribution`, `${DCAT}Distribution`]);
    expect(dist[0][`${DCAT}downloadURL`][0]['@id']).toMatch(
      new RegExp(`/v1/open/${id}/download\\?format=csv$`),
    );
    const restricted = catalog[`${DCAT}dataset`].find(
      (d: any) => d[`${DCT}identifier`][0]['@value'] === 'social-insurance-demo',
    );
    expect(restricted[`${DCAT}distribution`][0][`${DCAT}downloadURL`]).toBeUndefined();
  });

  it('keeps the code lists and hints of the columns, as given, on create, edit and every read', async () => {
    const columns = [
      {
        name: 'district_code',
        type: 'string',
        description: '区县代码',
        nullable: false,
        sensitivity: 'public',
        codes: ['330102', '330105', '330106'],
        hints: { weights: [2, 1, 0.5] },
      },
      {
        name: 'year',
        type: 'integer',
        description: '',
        nullable: false,
        sensitivity: 'public',
        min: 2000,
        max: 2100,
        codes: [2021, 2022, 2023],
        hints: { weights: [1, 1, 1], distribution: 'uniform', mean: 2022, sd: 0.8 },
      },
      {
        name: 'day',
        type: 'date',
        description: '',
        nullable: true,
        sensitivity: 'public',
        codes: ['2024-01-01', '2024-02-29'],
        hints: { nullShare: 0.25 },
      },
      {
        name: 'at',
        type: 'timestamp',
        description: '',
        nullable: false,
        sensitivity: 'public',
        codes: ['2024-01-01T00:00:00Z', '2024-01-01T12:00:00.5Z'],
      },
      {
        name: 'base',
        type: 'number',
        description: '',
        nullable: true,
        sensitivity: 'sensitive',
        min: 0,
        max: 40000,
        hints: { distribution: 'lognormal', mean: 8000, sd: 4000, nullShare: 0 },
      },
    ];
    const created = await t.req('POST', '/v1/datasets', {
      token: provider.token,
      json: datasetBody({
        slug: 'coded-columns',
        openness: 'conditional',
        sharing: 'conditional',
        sharingBasis: '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条',
        classification: 3,
        columns,
      }),
    });
    expect(created.status).toBe(201);
    expect(created.json.columns).toEqual(columns);
    const id = created.json.id as string;
    const own = await t.req('GET', `/v1/datasets/${id}`, { token: provider.token });
    expect(own.json.columns).toEqual(columns);
    const edited = [{ ...columns[0]!, codes: ['330102', '330105'], hints: { weights: [1, 0] } }, columns[4]!];
    const patched = await t.req('PATCH', `/v1/datasets/${id}`, {
      token: provider.token,
      json: { columns: edited },
    });
    expect(patched.status).toBe(200);
    expect(patched.json.columns).toEqual(edited);
    await t.req('POST', `/v1/datasets/${id}/submit`, { token: provider.token });
    await t.req('POST', `/v1/datasets/${id}/review`, { token: t.adminToken, json: { decision: 'approve' } });
    const anon = await t.req('GET', `/v1/datasets/${id}`);
    expect(anon.status).toBe(200);
    expect(anon.json.columns).toEqual(edited);
    const listed = await t.req('GET', '/v1/datasets?q=coded-columns');
    expect(listed.json.items.find((d: { id: string }) => d.id === id).columns).toEqual(edited);
  });

  it('describes the API in OpenAPI 3.1 and reports health', async () => {
    const doc = await t.req('GET', '/v1/openapi.json');
    expect(doc.json.openapi).toBe('3.1.0');
    expect(Object.keys(doc.json.paths)).toEqual(
      expect.arrayContaining([
        '/v1/datasets',
        '/v1/datasets/{id}',
        '/v1/datasets/{id}/data',
        '/v1/catalog.jsonld',
      ]),
    );
    expect(doc.json.paths['/v1/datasets'].post.requestBody.content['application/json'].schema).toBeTruthy();
    // The column schema carries its code list and hints, in requests and in the Dataset shown.
    const column = doc.json.components.schemas.Column;
    expect(column.properties.codes).toMatchObject({
      type: 'array',
      minItems: 1,
      maxItems: 10_000,
      description: expect.stringContaining('code list'),
    });
    expect(column.properties.hints.$ref).toBe('#/components/schemas/ColumnHints');
    const hints = doc.json.components.schemas.ColumnHints;
    expect(Object.keys(hints.properties).sort()).toEqual([
      'distribution',
      'mean',
      'nullShare',
      'sd',
      'weights',
    ]);
    expect(hints.properties.distribution.enum).toEqual(['uniform', 'normal', 'lognormal']);
    expect(doc.json.components.schemas.Dataset.properties.columns.items.$ref).toBe(
      '#/components/schemas/Column',
    );
    expect((await t.req('GET', '/v1/health')).json).toEqual({ status: 'ok', database: 'ok' });
  });
});
