import { execFileSync } from 'node:child_process';
import { chromium, type Page } from '@playwright/test';
import { percentile, startApi } from './lib.ts';

const ROUNDS = 10;
const BUDGET_KB = 100;
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** JavaScript bytes as sent (gzipped) while a page loads, from the responses' content-length. */
function countScripts(page: Page) {
  let bytes = 0;
  page.on('response', async (r) => {
    if (r.url().endsWith('.js')) bytes += Number((await r.allHeaders())['content-length'] ?? 0);
  });
  return () => bytes;
}

const fcpOf = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const seen = performance.getEntriesByName('first-contentful-paint')[0];
        if (seen) return resolve(seen.startTime);
        new PerformanceObserver((list) => resolve(list.getEntries()[0]!.startTime)).observe({
          type: 'paint',
          buffered: true,
        });
      }),
  );

/**
 * The portal on loopback in Chromium, on the demo: JavaScript sent for the catalogue page (against
 * its 100 kB budget), first contentful paint of the catalogue with the app against the same page's
 * server-rendered HTML alone (script off), and the time from clicking "run" in the query builder
 * to the table and chart shown, against the same query sent by fetch from the page (the API alone).
 */
export async function benchPortal() {
  execFileSync('npx', ['vite', 'build'], { cwd: 'portal', stdio: 'ignore' });
  const api = await startApi({ RATE_LIMIT_ANONYMOUS: '100000', HOST: '127.0.0.1' }, { demo: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  try {
    const fcpApp: number[] = [];
    const fcpHtml: number[] = [];
    const appReady: number[] = [];
    let catalogueJs = 0;
    for (let i = 0; i < ROUNDS; i++) {
      for (const js of [true, false]) {
        const ctx = await browser.newContext();
        const page = await ctx.newPage();
        // The baseline is the same HTML without the app: its scripts are not delivered.
        if (!js) await page.route('**/assets/*.js', (r) => r.abort());
        const bytes = countScripts(page);
        const start = Date.now();
        await page.goto(`${api.url}/`);
        (js ? fcpApp : fcpHtml).push(await fcpOf(page));
        if (js) {
          await page.locator('#result-count').waitFor();
          appReady.push(Date.now() - start);
          await page.waitForLoadState('networkidle');
          catalogueJs = bytes();
        }
        await ctx.close();
      }
    }
    const ds = (await (await fetch(`${api.url}/v1/datasets/city-air-quality-daily`)).json()) as {
      id: string;
    };
    const body = {
      groupBy: ['province_name'],
      select: ['province_name'],
      aggregates: [{ fn: 'avg', column: 'aqi', as: 'avg_aqi' }],
    };
    const ui: number[] = [];
    const raw: number[] = [];
    // Each round a fresh page (the browser cache warm, as for a second visit): the query set up
    // in the builder, then the click timed to the table and the chart drawn.
    const ctx = await browser.newContext();
    for (let i = 0; i < ROUNDS; i++) {
      const page = await ctx.newPage();
      await page.goto(`${api.url}/datasets/city-air-quality-daily`);
      await page.getByRole('tab', { name: '查询' }).click();
      await page.getByRole('checkbox', { name: 'province_name' }).check();
      await page.getByLabel('函数').selectOption('avg');
      await page.getByLabel('字段').last().selectOption('aqi');
      raw.push(
        await page.evaluate(
          async ([id, b]) => {
            const s = performance.now();
            const r = await fetch(`/v1/open/${id}/query`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(b),
            });
            await r.json();
            return performance.now() - s;
          },
          [ds.id, body] as const,
        ),
      );
      const s = Date.now();
      await page.getByRole('button', { name: '查询', exact: true }).click();
      await page.locator('[data-testid=query-result] .chart svg').waitFor();
      ui.push(Date.now() - s);
      await page.close();
    }
    await ctx.close();
    const p50 = (xs: number[]) =>
      Math.round(
        percentile(
          [...xs].sort((a, b) => a - b),
          50,
        ),
      );
    const result = {
      catalogueJsKb: Math.round(catalogueJs / 102.4) / 10,
      budgetKb: BUDGET_KB,
      fcpAppMs: p50(fcpApp),
      fcpHtmlOnlyMs: p50(fcpHtml),
      catalogueReadyMs: p50(appReady),
      queryUiMs: p50(ui),
      queryApiMs: p50(raw),
    };
    console.log(
      `portal: catalogue JS ${result.catalogueJsKb} kB gzipped of a ${BUDGET_KB} kB budget (${(result.catalogueJsKb / BUDGET_KB).toFixed(2)})`,
    );
    console.log(
      `portal: first contentful paint p50 ${result.fcpAppMs} ms with the app vs ${result.fcpHtmlOnlyMs} ms for the server-rendered HTML alone (×${(result.fcpAppMs / result.fcpHtmlOnlyMs).toFixed(2)}); results shown by the app at ${result.catalogueReadyMs} ms`,
    );
    console.log(
      `portal: query click to table and chart p50 ${result.queryUiMs} ms vs the API call alone ${result.queryApiMs} ms (×${(result.queryUiMs / result.queryApiMs).toFixed(2)})`,
    );
    return result;
  } finally {
    await browser.close();
    await api.stop();
  }
}
