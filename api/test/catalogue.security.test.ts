import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetBody, publishDataset } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('catalogue roles and org boundaries', () => {
  it('answers 404 for another org’s dataset on every provider route', async () => {
    const owner = await t.user('provider');
    const other = await t.user('provider');
    const created = await t.req('POST', '/v1/datasets', { token: owner.token, json: datasetBody() });
    const id = created.json.id;
    expect(
      (await t.req('PATCH', `/v1/datasets/${id}`, { token: other.token, json: { title: 'x' } })).status,
    ).toBe(404);
    expect((await t.req('POST', `/v1/datasets/${id}/submit`, { token: other.token })).status).toBe(404);
    const upload = await t.req('POST', `/v1/datasets/${id}/data`, {
      token: other.token,
      body: 'city_code,day,aqi,pm25\n110100,2024-01-01,50,10\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(upload.status).toBe(404);
    const published = await publishDataset(t, owner.token);
    expect(
      (await t.req('POST', `/v1/datasets/${published}/retire`, { token: other.token, json: {} })).status,
    ).toBe(404);
    const unchanged = await t.req('GET', `/v1/datasets/${id}`, { token: owner.token });
    expect(unchanged.json.title).toBe(created.json.title);
  });

  it('answers 403 when a role calls another role’s route, 401 without a token', async () => {
    const researcher = await t.user('researcher');
    const provider = await t.user('provider');
    const created = await t.req('POST', '/v1/datasets', { token: provider.token, json: datasetBody() });
    const id = created.json.id;
    const calls: [string, string, unknown][] = [
      ['POST', '/v1/datasets', datasetBody()],
      ['PATCH', `/v1/datasets/${id}`, { title: 'x' }],
      ['POST', `/v1/datasets/${id}/submit`, undefined],
    ];
    for (const [method, path, json] of calls) {
      const res = await t.req(method, path, { token: researcher.token, ...(json ? { json } : {}) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json.code).toBe('FORBIDDEN');
      expect((await t.req(method, path, json ? { json } : {})).status).toBe(401);
    }
    const selfReview = await t.req('POST', `/v1/datasets/${id}/review`, {
      token: provider.token,
      json: { decision: 'approve' },
    });
    expect(selfReview.status).toBe(403);
    const upload = await t.req('POST', `/v1/datasets/${id}/data`, {
      token: researcher.token,
      body: 'a\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(upload.status).toBe(403);
  });

  it('rejects a malformed Authorization header rather than treating the caller as anonymous', async () => {
    for (const header of ['Basic abc', 'Bearer', 'Bearer a b', `Bearer ${'x'.repeat(300)}`]) {
      const res = await t.req('GET', '/v1/datasets', { headers: { authorization: header } });
      expect(res.status, header).toBe(401);
    }
  });

  it('never leaks a stack, SQL or a path in an error', async () => {
    const res = await t.req('GET', '/v1/datasets/ds_doesnotexist');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.text).not.toMatch(/at .*\.ts|select |\/work\//i);
    const route = await t.req('GET', '/v1/nope');
    expect(route.status).toBe(404);
    expect(route.json.code).toBe('NOT_FOUND');
  });

  it('limits anonymous callers more than token holders, with RateLimit headers and Retry-After, but not health', async () => {
    const limited = await (await import('./helpers/test-app.ts')).createTestApp({
      rateLimits: { anonymous: 2, token: 5 },
    });
    try {
      const u = await limited.user('researcher');
      for (let i = 0; i < 2; i++) {
        const res = await limited.req('GET', '/v1/datasets');
        expect(res.status).toBe(200);
        expect(res.headers.get('ratelimit-limit')).toBe('2');
        expect(res.headers.get('ratelimit-remaining')).toBe(String(1 - i));
        expect(Number(res.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
      }
      const over = await limited.req('GET', '/v1/datasets');
      expect(over.status).toBe(429);
      expect(over.json.code).toBe('RATE_LIMITED');
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(over.headers.get('ratelimit-remaining')).toBe('0');
      const withToken = await limited.req('GET', '/v1/datasets', { token: u.token });
      expect(withToken.status).toBe(200);
      expect(withToken.headers.get('ratelimit-limit')).toBe('5');
      // A load balancer polling health is never limited.
      for (let i = 0; i < 5; i++) expect((await limited.req('GET', '/v1/health')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
