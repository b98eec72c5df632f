import { expect, type Page, test } from '@playwright/test';
import { adminApi, callApi, demoToken, expectAccessible, shot, signIn } from './helpers.ts';
import { BASE_URL } from './playwright.config.ts';

type TDataset = { id: string; slug: string; status: string };

const suffix = () => Math.random().toString(36).slice(2, 8);
const TRANSPORT = '市交通运输局';

/**
 * Signs the bootstrap admin in through the page. Its password is set here through a one-time link
 * (as `passwordFor` does) with a password that does not contain the login, which the policy refuses.
 */
async function signInAsAdmin(page: Page) {
  const users = await adminApi<{ items: { id: string; login?: string | null }[] }>('GET', '/v1/users');
  const admin = users.items.find((u) => u.login === 'admin')!;
  const link = await adminApi<{ token: string }>('POST', `/v1/users/${admin.id}/password-links`, {});
  const password = `Pw-${suffix()}-${suffix()}-${suffix()}`;
  const res = await fetch(`${BASE_URL}/v1/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: link.token, password }),
  });
  expect(res.status).toBe(200);
  await signIn(page, 'admin', password);
}

const ENTRIES = {
  name: 'entries',
  type: 'integer',
  description: '进站人次',
  nullable: false,
  sensitivity: 'public',
  min: 0,
};

/** A draft registered and submitted by the demo transport department, as it would through its workspace. */
async function submitDataset(title: string, over: Record<string, unknown> = {}): Promise<TDataset> {
  const token = demoToken('provider', TRANSPORT);
  const draft = await callApi<TDataset>(token, 'POST', '/v1/datasets', {
    slug: `e2e-review-${suffix()}`,
    title,
    titleEn: `${title} (EN)`,
    description: '各站点每小时的进出站客流，用于审核流程测试。',
    theme: 'transport',
    updateFrequency: 'daily',
    license: 'CC-BY-4.0',
    classification: 2,
    openness: 'conditional',
    sharing: 'conditional',
    sharingBasis: '《公共数据管理办法》第十二条',
    columns: [
      { name: 'station_id', type: 'string', description: '站点编号', nullable: false, sensitivity: 'public' },
      { name: 'hour', type: 'timestamp', description: '小时', nullable: false, sensitivity: 'public' },
      { name: 'card_no', type: 'string', description: '卡号', nullable: false, sensitivity: 'identifier' },
      ENTRIES,
    ],
    ...over,
  });
  return callApi<TDataset>(token, 'POST', `/v1/datasets/${draft.id}/submit`);
}

async function toEnglish(page: Page) {
  await page.getByRole('button', { name: 'Switch to English / 切换语言' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
}
async function toChinese(page: Page) {
  await page.getByRole('button', { name: '切换到中文 / Switch language' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
}

test.describe('the data authority: accounts, review, escalations, statistics', () => {
  test('creates an org and a provider user, whose one-time link sets a password to sign in with', async ({
    page,
    context,
  }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
    await signInAsAdmin(page);
    await page.getByRole('link', { name: '管理工作台' }).click();
    await page.getByRole('link', { name: '机构与用户' }).click();
    await expect(page.getByRole('heading', { level: 1, name: '机构与用户' })).toBeVisible();
    await expectAccessible(page, 'accounts');

    const org = `市数据测试局${suffix()}`;
    await page.getByLabel('机构名称（中文）').fill(org);
    await page.getByLabel('机构名称（英文，可选）').fill('Municipal Test Bureau');
    await page.getByRole('button', { name: '新建机构' }).click();
    await expect(page.getByRole('status').filter({ hasText: `已新建机构“${org}”` })).toBeVisible();
    await expect(page.getByRole('table', { name: /全部机构/ })).toContainText(org);

    const login = `e2e.${suffix()}`;
    await page.getByLabel('姓名').fill('测试员 (Tester)');
    await page.getByLabel('登录名', { exact: true }).fill(login);
    await page.getByLabel('所属机构').selectOption({ label: org });
    await page.getByLabel('角色', { exact: true }).selectOption('provider');
    await page.getByRole('button', { name: '新建用户' }).click();
    await expect(page.getByRole('status').filter({ hasText: '已新建用户' })).toBeVisible();

    // The list filtered by the new org holds just the new user, with the login.
    await page.getByLabel('按机构筛选').selectOption({ label: org });
    const users = page.getByRole('table', { name: /用户（1 个）/ });
    await expect(users).toContainText(login);
    await expect(users).toContainText('数据提供部门');

    await users.getByRole('button', { name: '为 测试员 (Tester) 发放设置密码链接' }).click();
    await expect(page.getByLabel('登录名（该用户尚无登录名时必填）')).toHaveValue(login);
    await page.getByRole('button', { name: '生成链接' }).click();
    await expect(page.getByRole('heading', { name: '设置密码链接（只显示这一次）' })).toBeFocused();
    const url = await page.getByLabel('设置密码链接', { exact: true }).inputValue();
    expect(url).toMatch(/\/password\?token=/);
    await expect(page.getByText(/链接只能使用一次，.+前有效/)).toBeVisible();
    await page.getByRole('button', { name: '复制链接' }).click();
    await expect(page.getByRole('status').filter({ hasText: '已复制到剪贴板' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
    await expectAccessible(page, 'accounts with a password link');

    // The new user opens the link, sets a password and signs in.
    await page.getByRole('button', { name: '退出' }).click();
    const link = new URL(url);
    await page.goto(link.pathname + link.search);
    const password = `Pw-${suffix()}-${suffix()}-e2e`;
    await page.getByLabel('新密码').fill(password);
    await page.getByLabel('确认密码').fill(password);
    await page.getByRole('button', { name: '设置密码' }).click();
    await expect(page.getByRole('status')).toContainText('密码已设置');
    await expectAccessible(page, 'password set');
    await signIn(page, login, password);
    await expect(page.getByRole('link', { name: '提供方工作台' })).toBeVisible();
  });

  test('reviews submitted entries: approves one, rejects another with a reason', async ({ page }) => {
    const approveMe = await submitDataset(`地铁站点小时客流${suffix()}`);
    const rejectMe = await submitDataset(`公交刷卡统计${suffix()}`, {
      titleEn: undefined,
      openness: 'open',
      classification: 1,
      sharing: 'unconditional',
      sharingBasis: null,
      columns: [{ name: 'station_id', type: 'string', nullable: false, sensitivity: 'public' }, ENTRIES],
    });
    await signInAsAdmin(page);
    await page.goto('/admin');
    await expect(page.getByRole('heading', { level: 1, name: '目录审核' })).toBeVisible();
    const queue = page.getByRole('table', { name: /待审核条目/ });
    await expect(queue.getByRole('link', { name: /地铁站点小时客流/ })).toBeVisible();
    await expect(queue.getByRole('link', { name: /公交刷卡统计/ })).toBeVisible();
    await expectAccessible(page, 'review queue');
    await shot(page, 'admin-review-zh');
    await toEnglish(page);
    await expect(page.getByRole('heading', { level: 1, name: 'Catalogue review' })).toBeVisible();
    await expect(page.getByRole('table', { name: /Waiting for review/ })).toContainText('(EN)');
    await expectAccessible(page, 'review queue (en)');
    await shot(page, 'admin-review-en');
    await toChinese(page);

    await queue.getByRole('link', { name: /地铁站点小时客流/ }).click();
    await expect(page.getByRole('table', { name: '数据结构（4 个字段）' })).toContainText('card_no');
    await expect(page.getByText('《公共数据管理办法》第十二条')).toBeVisible();
    await expect(
      page.getByText('含受保护字段，请核实分级与开放属性是否相称：card_no (标识符)。'),
    ).toBeVisible();
    await expectAccessible(page, 'review of an entry');
    await page.getByLabel('理由').fill('结构完整，分级与共享依据清楚。');
    await page.getByRole('button', { name: '通过并发布' }).click();
    await expect(page.getByRole('status')).toContainText('已通过，条目已发布');
    expect(
      (await callApi<TDataset>(demoToken('provider', TRANSPORT), 'GET', `/v1/datasets/${approveMe.id}`))
        .status,
    ).toBe('published');

    await page.getByRole('status').getByRole('link', { name: '返回待审核列表' }).click();
    await expect(queue.getByRole('link', { name: /地铁站点小时客流/ })).toHaveCount(0);
    await queue.getByRole('link', { name: /公交刷卡统计/ }).click();
    // What the rules let through but a reviewer should see: a column without a description, no English.
    await expect(page.getByText('以下字段没有说明：station_id。')).toBeVisible();
    await expect(page.getByText('未填写英文标题或英文描述。')).toBeVisible();
    await page.getByRole('button', { name: '驳回' }).click();
    await expect(page.getByRole('alert')).toContainText('驳回必须填写理由');
    await page.getByLabel('理由').fill('请补充 station_id 的说明和英文标题后重新提交。');
    await page.getByRole('button', { name: '驳回' }).click();
    await expect(page.getByRole('status')).toContainText('已驳回');
    const back = await callApi<TDataset & { reviewNote: string }>(
      demoToken('provider', TRANSPORT),
      'GET',
      `/v1/datasets/${rejectMe.id}`,
    );
    expect(back.status).toBe('draft');
    expect(back.reviewNote).toContain('station_id');
  });

  test('routes an open demand to a department', async ({ page }) => {
    const title = `共享单车停放点位${suffix()}`;
    const res = await fetch(`${BASE_URL}/v1/demands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title, purpose: '研究单车与公交接驳。', contact: 'someone@example.org' }),
    });
    expect(res.status).toBe(201);
    await signInAsAdmin(page);
    await page.goto('/admin/escalations');
    await expect(page.getByRole('heading', { level: 1, name: '督办与协调' })).toBeVisible();
    await expect(page.getByText('没有逾期的共享申请。')).toBeVisible();
    const demand = page.getByRole('article', { name: title });
    await expect(demand).toBeVisible();
    await expectAccessible(page, 'escalations');
    await demand.getByLabel('转交给').selectOption({ label: '市交通运输局' });
    await demand.getByRole('button', { name: '转交' }).click();
    await expect(page.getByRole('status')).toContainText(`已转交“${title}”给 市交通运输局`);
    await expect(page.getByRole('article', { name: title })).toHaveCount(0);
    const board = await (await fetch(`${BASE_URL}/v1/demands?status=routed`)).json();
    const routed = board.items.find((d: { title: string }) => d.title === title);
    expect(routed.assignedOrg.name).toBe('市交通运输局');
  });

  test('reads the month’s statistics: totals, ranking, charts and the district map', async ({ page }) => {
    await signInAsAdmin(page);
    await page.goto('/admin');
    await page.getByRole('link', { name: '统计分析' }).click();
    await expect(page.getByRole('heading', { level: 1, name: '统计分析' })).toBeVisible();
    const ranking = page.getByRole('table', { name: /部门排名/ });
    await expect(ranking).toContainText('市交通运输局');
    await expect(ranking.locator('tbody tr').first().locator('td').first()).toHaveText('1');
    await expect(
      page.getByRole('region', { name: '各部门目录条目（按开放属性）' }).locator('.chart svg'),
    ).toBeVisible();
    const map = page.getByTestId('district-map');
    await expect(map.locator('svg')).toBeVisible();
    await expect(map.locator('svg text', { hasText: '上城' })).toBeVisible();
    const mapTable = page.getByRole('table', { name: '公交乘车人次（2023 年合计），按区县' });
    await expect(mapTable.getByRole('row', { name: /上城区 330102 [\d,]+/ })).toBeVisible();
    await expect(page.getByRole('link', { name: '月度通报（中文）' })).toHaveAttribute(
      'href',
      /\/v1\/statistics\/monthly\/report\?month=\d{4}-\d{2}&lang=zh/,
    );
    await expectAccessible(page, 'statistics');
    await shot(page, 'admin-statistics-zh', true);

    // Another measure on the map, and the report the link opens.
    await page.getByLabel('指标').selectOption({ label: '公共服务设施数' });
    await expect(page.getByRole('table', { name: '公共服务设施数，按区县' })).toBeVisible();
    const report = await page.request.get(
      (await page.getByRole('link', { name: '月度通报（中文）' }).getAttribute('href'))!,
    );
    expect(report.status()).toBe(200);
    expect(await report.text()).toContain('市交通运输局');

    await toEnglish(page);
    await expect(page.getByRole('heading', { level: 1, name: 'Statistics' })).toBeVisible();
    await expect(page.getByRole('table', { name: /Department ranking/ })).toContainText(
      'Municipal Transport Bureau',
    );
    await expect(
      page.getByTestId('district-map').locator('svg text', { hasText: 'Shangcheng' }),
    ).toBeVisible();
    await expectAccessible(page, 'statistics (en)');
    await shot(page, 'admin-statistics-en', true);
    await toChinese(page);
  });
});
