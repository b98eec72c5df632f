import { expect, test } from '@playwright/test';
import { expectAccessible, shot } from './helpers.ts';

test.describe('anyone: catalogue, dataset page, query, feedback, demands', () => {
  test('searches the catalogue with facets, in Chinese and then English, remembered', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: '公共数据目录' })).toBeVisible();
    await expect(page.locator('#result-count')).toContainText('共');
    await expectAccessible(page, 'catalogue (zh)');
    await shot(page, 'catalogue-zh');

    await page.getByLabel('搜索目录').fill('空气');
    await page.getByRole('button', { name: '搜索' }).click();
    await expect(page).toHaveURL(/q=%E7%A9%BA%E6%B0%94/);
    await expect(page.getByRole('link', { name: '城市空气质量日报' })).toBeVisible();
    await expect(page.getByRole('link', { name: '公交线路日客运量' })).toHaveCount(0);

    // A facet narrows, and counts under the other filters.
    await page.goto('/');
    await page
      .getByRole('group', { name: '开放属性' })
      .getByRole('button', { name: /无条件开放/ })
      .click();
    await expect(page).toHaveURL(/openness=open/);
    const cards = page.locator('.cards > li');
    await expect(cards.first()).toBeVisible();
    for (const badge of await cards.locator('.badge.open').allTextContents())
      expect(badge).toBe('无条件开放');
    await expect(page.getByRole('link', { name: '社会保障卡持卡人基础信息' })).toHaveCount(0);

    await page.getByRole('button', { name: 'Switch to English / 切换语言' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Public data catalogue' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'Public data catalogue' })).toBeVisible();
    await expect(
      page.getByRole('link', { name: 'Daily air quality of cities' }).or(page.locator('.cards h2 a').first()),
    ).toBeVisible();
    await expectAccessible(page, 'catalogue (en)');
    await page.goto('/');
    await shot(page, 'catalogue-en');
    await page.getByRole('button', { name: '切换到中文 / Switch language' }).click();
    await expect(page.getByRole('heading', { level: 1, name: '公共数据目录' })).toBeVisible();
  });

  test('reads an open dataset: schema, preview, versions, quality; builds a query with a chart', async ({
    page,
  }) => {
    await page.goto('/datasets/city-air-quality-daily');
    await expect(page.getByRole('heading', { level: 1, name: '城市空气质量日报' })).toBeVisible();
    await expect(page.getByRole('link', { name: '下载 CSV' })).toHaveAttribute(
      'href',
      /\/v1\/open\/.+\/download\?format=csv/,
    );
    await expectAccessible(page, 'dataset overview');
    await shot(page, 'dataset-zh');

    await page.getByRole('tab', { name: '数据结构' }).click();
    await expect(page.getByRole('tabpanel').getByRole('table')).toContainText('aqi');
    await page.getByRole('tab', { name: '预览' }).click();
    await expect(page.getByRole('tabpanel').locator('tbody tr').first()).toBeVisible();
    await expect(page.getByRole('tabpanel').locator('tbody tr')).toHaveCount(20);
    await page.getByRole('tab', { name: '版本' }).click();
    await expect(page.getByRole('tabpanel').locator('tbody tr').first()).toContainText('1');
    await page.getByRole('tab', { name: '质量报告' }).click();
    await expect(page.getByText('质量得分')).toBeVisible();

    await page.getByRole('tab', { name: '查询' }).click();
    await page.getByRole('checkbox', { name: 'province_name' }).check();
    await page.getByRole('button', { name: '添加统计' }).click();
    const fns = page.getByLabel('函数');
    await fns.nth(1).selectOption('avg');
    await page.getByLabel('字段').last().selectOption('aqi');
    const started = Date.now();
    await page.getByRole('button', { name: '查询', exact: true }).click();
    const result = page.getByTestId('query-result');
    await expect(result.getByRole('table')).toBeVisible();
    await expect(result.locator('thead')).toContainText('avg_aqi');
    await expect(result.locator('.chart svg')).toBeVisible();
    console.log(`figure: query result with chart shown ${Date.now() - started} ms after the click`);
    await expectAccessible(page, 'query builder with a result');
    await shot(page, 'query-zh');

    // A bad filter is explained in the reader's language, with the field named.
    await page.getByRole('button', { name: '添加条件' }).click();
    await page.getByLabel('字段').first().selectOption('aqi');
    await page.getByLabel('值').fill('不是数字');
    await page.getByRole('button', { name: '查询', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('填写的内容有误');
    await expect(page.getByRole('alert')).not.toContainText('{');
  });

  test('a conditional dataset says how it can be used and offers no preview or download', async ({
    page,
  }) => {
    await page.goto('/datasets/social-insurance-contributions');
    await expect(page.getByText('有条件开放：授权运营方申请许可后')).toBeVisible();
    await expect(page.getByRole('tab', { name: '预览' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: '下载 CSV' })).toHaveCount(0);
  });

  test('gives feedback on a dataset and files a data demand anonymously', async ({ page }) => {
    await page.goto('/datasets/bus-ridership-daily');
    await page.getByRole('tab', { name: '反馈' }).click();
    await page.getByLabel('内容', { exact: true }).fill('2024-03-01 的客运量明显偏低，请核实。');
    await page.getByRole('button', { name: '提交' }).click();
    await expect(page.getByRole('status')).toContainText('反馈已提交');
    // Unanswered feedback is the provider's to read: the public list shows answered items only.
    await expect(page.getByText('2024-03-01 的客运量明显偏低')).toHaveCount(0);
    await expectAccessible(page, 'feedback');

    await page.goto('/demands');
    await page.getByLabel('需要什么数据').fill('全市共享单车停放点位');
    await page.getByLabel('用途').fill('研究共享单车与公交接驳。');
    await page.getByLabel('联系方式').fill('not-a-contact');
    await page.getByRole('button', { name: '提交需求' }).click();
    await expect(page.getByRole('alert')).toContainText('填写的内容有误');
    await expect(page.getByRole('alert')).toContainText('contact');
    await page.getByLabel('联系方式').fill('researcher@example.org');
    await page.getByRole('button', { name: '提交需求' }).click();
    await expect(page.getByRole('status')).toContainText('需求已提交');
    await expect(page.getByRole('heading', { name: '全市共享单车停放点位' })).toBeVisible();
    await expectAccessible(page, 'demands');
    await shot(page, 'demands-zh');
  });
});

test.describe('without script, as a crawler reads it', () => {
  test.use({ javaScriptEnabled: false });

  test('the catalogue and a dataset page are complete HTML with schema.org Dataset markup', async ({
    page,
  }) => {
    const res = await page.goto('/?q=%E5%85%AC%E4%BA%A4');
    expect(res!.headers()['content-security-policy']).toContain("script-src 'self'");
    const scriptSrc = /script-src ([^;]*)/.exec(res!.headers()['content-security-policy']!)![1]!;
    expect(scriptSrc).not.toContain('unsafe-inline');
    expect(scriptSrc).not.toContain("'unsafe-eval'");
    await expect(page.getByRole('heading', { level: 1, name: '公共数据目录' })).toBeVisible();
    await expect(page.getByRole('link', { name: '公交线路日客运量' })).toBeVisible();
    await expect(page.getByRole('link', { name: '城市空气质量日报' })).toHaveCount(0);

    await page.getByRole('link', { name: '公交线路日客运量' }).click();
    await expect(page.getByRole('heading', { level: 1, name: '公交线路日客运量' })).toBeVisible();
    const ld = JSON.parse((await page.locator('script[type="application/ld+json"]').textContent())!);
    expect(ld['@type']).toBe('Dataset');
    expect(ld.name).toBe('公交线路日客运量');
    expect(ld.distribution[0].encodingFormat).toBe('text/csv');
    expect(ld.variableMeasured.length).toBeGreaterThan(1);
    await expect(page.locator('link[rel=canonical]')).toHaveAttribute(
      'href',
      /\/datasets\/bus-ridership-daily$/,
    );

    const missing = await page.goto('/datasets/no-such-dataset');
    expect(missing!.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1, name: '页面不存在' })).toBeVisible();

    const en = await page.goto('/datasets/bus-ridership-daily?lang=en');
    expect(en!.status()).toBe(200);
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  });
});
