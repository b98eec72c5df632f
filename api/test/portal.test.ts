import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishDataset } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

/** A built portal as Vite leaves it: the shell with its markers, and hashed assets. */
function fakeBuild() {
  const dir = mkdtempSync(join(tmpdir(), 'portal-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html>
<html lang="zh-CN">
  <head>
    <title>Enclave 公共数据平台</title>
    <meta name="description" content="x" />
    <!--ssr-head-->
    <script type="module" src="/assets/index-abc123.js"></script>
  </head>
  <body><div id="app"><!--ssr-body--></div></body>
</html>`,
  );
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), `console.log(${JSON.stringify('x'.repeat(5000))});`);
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"></svg>');
  return dir;
}

describe('the portal served by the API', () => {
  let t: TestApp;
  let provider: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { PORTAL_DIR: fakeBuild() } });
    provider = (await t.user('provider', { orgName: '市生态环境局' })).token;
  });
  afterAll(() => t.close());

  it('serves hashed assets for a year, compressed, and the shell with a policy that forbids inline script', async () => {
    const asset = await t.app.request('/assets/index-abc123.js', { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect(asset.headers.get('content-type')).toContain('text/javascript');

    const page = await t.app.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const csp = page.headers.get('content-security-policy')!;
    const scriptSrc = /script-src ([^;]*)/.exec(csp)![1]!;
    expect(scriptSrc.split(' ')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(csp).toContain("frame-ancestors 'none'");
    const body = await page.text();
    // The only script elements: the built module and JSON-LD data (which never runs).
    const scripts = [...body.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!.trim());
    expect(
      scripts.every((a) => a.startsWith('type="module" src=') || a === 'type="application/ld+json"'),
    ).toBe(true);
  });

  it('falls back to the app for page addresses, never for the API or a missing asset', async () => {
    const spa = await t.app.request('/provider/datasets/new');
    expect(spa.status).toBe(200);
    expect(spa.headers.get('content-type')).toContain('text/html');

    const api = await t.app.request('/v1/no-such-route');
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
    const stale = await t.app.request('/assets/index-old999.js');
    expect(stale.status).toBe(404);
    expect(stale.headers.get('content-type')).toContain('application/problem+json');
    const unknownPage = await t.app.request('/no/such/page');
    expect(unknownPage.status).toBe(404);
    expect(await unknownPage.text()).toContain('页面不存在');
  });

  it('renders public pages on the server with schema.org markup, escaping what providers wrote', async () => {
    const evil = '</script><script>alert(1)</script><img src=x onerror=alert(2)>';
    const id = await publishDataset(t, provider, {
      title: `空气质量 ${evil}`,
      description: `每日空气质量监测数据，覆盖全市各站点。${evil}`,
    });
    const ds = (await t.req('GET', `/v1/datasets/${id}`)).json as { slug: string };
    const home = await (await t.app.request('/')).text();
    expect(home).toContain('"@type":"DataCatalog"');
    expect(home).toContain(`/datasets/${ds.slug}`);
    expect(home).not.toContain('<script>alert');
    expect(home).not.toContain('<img src=x');

    const res = await t.app.request(`/datasets/${ds.slug}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;img src=x onerror=alert(2)&gt;');
    const ld = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(page)![1]!);
    expect(ld['@type']).toBe('Dataset');
    expect(ld.name).toBe(`空气质量 ${evil}`);
    expect(ld.creator.name).toBe('市生态环境局');
    expect(ld.variableMeasured.map((v: { name: string }) => v.name)).toContain('aqi');
    expect(page).toMatch(/<title>空气质量 &lt;\/script&gt;/);

    const en = await (await t.app.request(`/datasets/${ds.slug}?lang=en`)).text();
    expect(en).toContain('<html lang="en">');
    const cookie = await (
      await t.app.request(`/datasets/${ds.slug}`, { headers: { cookie: 'enclave_lang=en' } })
    ).text();
    expect(cookie).toContain('<html lang="en">');
  });

  it('does not show drafts on public pages, whoever asks', async () => {
    const draft = await t.req('POST', '/v1/datasets', {
      token: provider,
      json: (await import('./helpers/datasets.ts')).datasetBody({ title: '草稿数据集' }),
    });
    expect(draft.status).toBe(201);
    const res = await t.app.request(`/datasets/${draft.json.slug}`, {
      headers: { authorization: `Bearer ${provider}` },
    });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('草稿数据集');
    expect(await (await t.app.request('/?q=草稿')).text()).not.toContain('草稿数据集');
  });

  it('limits the pages it renders like the API: a crawler cannot run searches without end', async () => {
    const limited = await createTestApp({
      env: { PORTAL_DIR: fakeBuild() },
      rateLimits: { anonymous: 2, token: 100 },
    });
    try {
      expect((await limited.app.request('/')).status).toBe(200);
      expect((await limited.app.request('/datasets/whatever')).status).toBe(404);
      const refused = await limited.app.request('/?q=x');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBeTruthy();
      // Assets cost no query and are not counted.
      expect((await limited.app.request('/assets/index-abc123.js')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('answers 503 with a way forward when the portal is not built', async () => {
    const bare = await createTestApp({ env: { PORTAL_DIR: join(tmpdir(), 'no-portal-here') } });
    try {
      const res = await bare.app.request('/');
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build -w portal');
      expect((await bare.app.request('/v1/health')).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});
