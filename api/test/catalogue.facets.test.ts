import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishDataset } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

describe('catalogue facets and provider names', () => {
  let t: TestApp;
  let env: { token: string; orgId: string };
  let transport: { token: string; orgId: string };
  beforeAll(async () => {
    t = await createTestApp();
    env = await t.user('provider', { orgName: '市生态环境局' });
    transport = await t.user('provider', { orgName: '市交通运输局' });
    await publishDataset(t, env.token, { theme: 'environment', openness: 'open' });
    await publishDataset(t, env.token, { theme: 'environment', openness: 'open' });
    await publishDataset(t, transport.token, { theme: 'transport', openness: 'open' });
    // A draft is counted nowhere.
    await t.req('POST', '/v1/datasets', {
      token: transport.token,
      json: (await import('./helpers/datasets.ts')).datasetBody({ theme: 'transport' }),
    });
  });
  afterAll(() => t.close());

  it('counts each facet under every filter but its own, with providers named', async () => {
    const all = await t.req('GET', '/v1/datasets');
    expect(all.status).toBe(200);
    expect(all.json.facets.theme).toEqual([
      { value: 'environment', count: 2 },
      { value: 'transport', count: 1 },
    ]);
    expect(all.json.facets.provider).toEqual([
      { value: env.orgId, count: 2, name: '市生态环境局', nameEn: null },
      { value: transport.orgId, count: 1, name: '市交通运输局', nameEn: null },
    ]);
    expect(all.json.items.map((d: { providerName: string }) => d.providerName).sort()).toEqual([
      '市交通运输局',
      '市生态环境局',
      '市生态环境局',
    ]);

    const narrowed = await t.req('GET', '/v1/datasets?theme=transport');
    expect(narrowed.json.page.total).toBe(1);
    // The theme facet still offers the other theme; the provider facet follows the theme.
    expect(narrowed.json.facets.theme.map((f: { value: string }) => f.value)).toEqual([
      'environment',
      'transport',
    ]);
    expect(narrowed.json.facets.provider).toEqual([
      { value: transport.orgId, count: 1, name: '市交通运输局', nameEn: null },
    ]);
  });

  it('lists a draft’s versions to its provider only: anyone else gets 404', async () => {
    const draft = await t.req('POST', '/v1/datasets', {
      token: transport.token,
      json: (await import('./helpers/datasets.ts')).datasetBody({ theme: 'transport' }),
    });
    const path = `/v1/datasets/${draft.json.id}/versions`;
    expect((await t.req('GET', path, { token: transport.token })).json).toEqual({ items: [] });
    expect((await t.req('GET', path)).status).toBe(404);
    expect((await t.req('GET', path, { token: env.token })).status).toBe(404);
  });
});
