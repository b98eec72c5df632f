import { expect, test } from '@playwright/test';
import { adminApi, callApi, demoToken, expectAccessible, passwordFor, shot, signIn } from './helpers.ts';
import { BASE_URL } from './playwright.config.ts';

/*
 * A department that holds data (市人力资源和社会保障局, the demo's hrss provider 李明, signed in
 * through the sign-in page): registers a dataset through the schema editor, uploads data, submits
 * it, answers feedback, decides a sharing request and reviews a held sandbox output.
 */

const HRSS = '市人力资源和社会保障局';
const SLUG = `e2e-insured-${Date.now().toString(36)}`;

const csv = (rows: string[]) => Buffer.from(`district,amount\n${rows.join('\n')}\n`, 'utf8');

test.describe.configure({ mode: 'serial' });

test.describe('provider: register, upload, submit, answer, decide, review', () => {
  let datasetId = '';
  let password = '';

  test.beforeAll(async () => {
    password = await passwordFor('liming');
  });

  test.beforeEach(async ({ page }) => {
    await signIn(page, 'liming', password);
  });

  test('registers a dataset with a code list and a quality rule, fixing a bad column name', async ({
    page,
  }) => {
    await page.goto('/provider');
    await expect(page.getByRole('heading', { level: 1, name: '我的数据集' })).toBeVisible();
    await expect(page.getByRole('link', { name: '社会保险缴费' }).first()).toBeVisible();
    await expectAccessible(page, 'my datasets');
    await shot(page, 'provider-datasets-zh');

    await page.getByRole('link', { name: '登记数据集' }).click();
    await expect(page.getByRole('heading', { level: 1, name: '登记数据集' })).toBeVisible();
    await page.getByLabel('标识（英文）').fill(SLUG);
    await page.getByLabel('名称（中文）').fill('各区参保缴费汇总（测试）');
    await page.getByLabel('描述（中文）').fill('按区县汇总的参保缴费金额，用于端到端测试。');
    await page.getByLabel('主题').selectOption('social-security');
    await page.getByLabel('标签').fill('社保, 缴费');

    const first = page.getByRole('group', { name: /字段 1/ });
    await first.getByLabel('字段名').fill('District Name');
    await first.getByLabel('说明').fill('区县');
    await first.getByLabel('代码表（可选）').fill('西湖区\n上城区\n拱墅区');
    await first.getByRole('button', { name: /添加规则/ }).click();
    await first.getByLabel('规则', { exact: true }).selectOption('required');

    await page.getByRole('button', { name: '添加字段' }).click();
    const second = page.getByRole('group', { name: /字段 2/ });
    await second.getByLabel('字段名').fill('amount');
    await second.getByLabel('类型').selectOption('integer');
    await second.getByLabel('单位（可选）').fill('元');
    await second.getByRole('button', { name: /添加规则/ }).click();
    await second.getByLabel('规则', { exact: true }).selectOption('range');
    await second.getByLabel('下限').fill('0');
    await second.getByLabel('级别').selectOption('warning');

    await page.getByRole('button', { name: '保存为草稿' }).click();
    await expect(page.getByRole('alert')).toContainText('填写的内容有误');
    const nameInput = first.getByLabel('字段名');
    await expect(nameInput).toHaveAttribute('aria-invalid', 'true');
    await expect(first.locator('[data-path="columns.0.name"]')).toContainText('lower-case');
    await expectAccessible(page, 'schema editor with a field error');
    await shot(page, 'provider-editor-zh', true);

    await nameInput.fill('district');
    await page.getByRole('button', { name: '保存为草稿' }).click();
    await expect(page.getByRole('heading', { level: 1, name: '各区参保缴费汇总（测试）' })).toBeVisible();
    await expect(page.getByRole('status')).toContainText('已登记为草稿');
    datasetId = /\/provider\/datasets\/([^?/]+)/.exec(page.url())![1]!;
  });

  test('uploads a file with a bad line and sees it, then a good file with progress, and submits', async ({
    page,
  }) => {
    await page.goto(`/provider/datasets/${datasetId}`);
    await page.getByRole('tab', { name: '上传数据' }).click();
    await page.getByLabel('CSV 或 NDJSON 文件').setInputFiles({
      name: 'bad.csv',
      mimeType: 'text/csv',
      buffer: csv(['西湖区,120', '余杭区,80', '上城区,60']),
    });
    await page.getByRole('button', { name: '上传', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('文件未通过检查');
    const bad = page.getByRole('table', { name: /未通过检查的行/ });
    await expect(bad.locator('tbody tr').first()).toContainText('3');
    await expect(bad.locator('tbody tr').first()).toContainText('district');
    await expectAccessible(page, 'upload refused');
    await shot(page, 'provider-upload-error-zh');

    const districts = ['西湖区', '上城区', '拱墅区'];
    const rows = Array.from({ length: 60_000 }, (_, i) => `${districts[i % 3]},${(i * 37) % 5000}`);
    await page.getByLabel('CSV 或 NDJSON 文件').setInputFiles({
      name: 'good.csv',
      mimeType: 'text/csv',
      buffer: csv(rows),
    });
    await page.getByRole('button', { name: '上传', exact: true }).click();
    const progress = page.getByTestId('upload-progress');
    await expect(progress).toBeVisible();
    await expect(page.getByRole('status')).toContainText('已生成版本 1');
    await expect(progress).toHaveAttribute('value', '100');
    await expect(page.getByText('完成', { exact: false }).first()).toBeVisible();
    await expect(page.getByRole('status')).toContainText('60,000');
    await expectAccessible(page, 'upload done');
    await shot(page, 'provider-upload-zh');

    await page.getByRole('button', { name: '提交审核' }).click();
    await expect(page.getByText('已提交，等待数据主管部门审核')).toBeVisible();

    // The data authority approves it (its own workspace is not this test's subject).
    await adminApi('POST', `/v1/datasets/${datasetId}/review`, { decision: 'approve' });
    await page.goto('/provider');
    const row = page.getByRole('row', { name: /各区参保缴费汇总（测试）/ });
    await expect(row).toContainText('已发布');
  });

  test('answers feedback filed by the public', async ({ page }) => {
    const res = await fetch(`${BASE_URL}/v1/datasets/${datasetId}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'error',
        body: '拱墅区的金额似乎少了一半，请核实。',
        contact: 'a@example.org',
      }),
    });
    expect(res.status).toBe(201);
    await page.goto('/provider/feedback');
    await expect(page.getByRole('heading', { level: 1, name: '数据集反馈' })).toBeVisible();
    const item = page.getByTestId('feedback-item').filter({ hasText: '拱墅区的金额似乎少了一半' });
    await expect(item).toContainText('a@example.org');
    await expectAccessible(page, 'feedback inbox');
    await shot(page, 'provider-feedback-zh');
    await item.getByLabel('答复').fill('已核实并更正，下一版本将替换。');
    await item.getByRole('button', { name: '提交答复' }).click();
    await expect(page.getByText('拱墅区的金额似乎少了一半')).toHaveCount(0);
    await page.getByLabel('只看待答复').uncheck();
    await expect(page.getByTestId('feedback-item').filter({ hasText: '拱墅区的金额' })).toContainText(
      '已核实并更正',
    );
  });

  test('grants a sharing request from another department, narrowing the columns, then revokes it', async ({
    page,
  }) => {
    const now = Date.now();
    const asked = await callApi<{ id: string }>(
      demoToken('provider', '市生态环境局'),
      'POST',
      '/v1/sharing/requests',
      {
        dataset: 'social-insurance-contributions',
        columns: ['year', 'gender', 'district_code'],
        duty: '《环境保护法》第十条：环境保护主管部门对本行政区域环境保护工作实施统一监督管理',
        purpose: '评估重点区域人口与社保参保分布',
        systems: ['环境监管平台'],
        term: {
          notBefore: new Date(now).toISOString(),
          notAfter: new Date(now + 90 * 86_400_000).toISOString(),
        },
      },
    );
    await page.goto('/provider/decisions');
    await expect(page.getByRole('heading', { level: 1, name: '许可与共享审批' })).toBeVisible();
    const card = page.getByTestId('sharing-request').filter({ hasText: '评估重点区域人口与社保参保分布' });
    await expect(card).toContainText('待审批');
    await expectAccessible(page, 'decisions');
    await shot(page, 'provider-decisions-zh');
    await card.getByRole('checkbox', { name: 'gender' }).uncheck();
    await card.getByLabel('每日调用上限（可选）').fill('500');
    await card.getByRole('button', { name: '批准' }).click();
    await expect(card).toContainText('已批准');
    await expect(card).toContainText('year, district_code');
    const granted = await callApi<{ status: string; grantedColumns: string[]; dailyCalls: number }>(
      demoToken('provider', '市生态环境局'),
      'GET',
      `/v1/sharing/requests/${asked.id}`,
    );
    expect(granted).toMatchObject({
      status: 'granted',
      grantedColumns: ['year', 'district_code'],
      dailyCalls: 500,
    });

    await card.getByLabel('撤销理由').fill('履职事项已调整');
    await card.getByRole('button', { name: '撤销授权' }).click();
    await expect(card).toContainText('已撤销');
  });

  test('reviews a held row run of the demo operator: script, tables read, findings; approves it', async ({
    page,
  }) => {
    test.setTimeout(180_000);
    const op = demoToken('operator');
    const contracts = await callApi<{
      items: { id: string; state: string; contract: { operations?: string[] } }[];
    }>(op, 'GET', '/v1/contracts');
    // The seeded sandbox contract: other tests may have made contracts for other operations.
    const contract = contracts.items.find(
      (c) => c.state === 'active' && c.contract.operations?.includes('sandbox'),
    );
    expect(contract, 'the demo seed’s active sandbox contract').toBeTruthy();
    const session = await callApi<{ id: string }>(op, 'POST', '/v1/sandbox/sessions', {
      contractId: contract!.id,
    });
    // A mark of this run in its script: other tests hold runs of the same operator for review.
    const mark = `review-${Date.now()}`;
    const script =
      `// ${mark}\n` +
      'const t = enclave.table("social-insurance-contributions");\n' +
      "return { n: t.rowCount, byDistrict: t.groupBy('district_code').count() };";
    const run = await callApi<{ id: string }>(op, 'POST', `/v1/sandbox/sessions/${session.id}/runs`, {
      script,
      target: 'real',
      kind: 'rows',
      cpuMs: 5000,
    });
    const provider = demoToken('provider', HRSS);
    await expect
      .poll(
        async () =>
          // A poll that fails (the server busy with the run) is only a poll that saw nothing yet.
          callApi<{ items: { run: { id: string } }[] }>(provider, 'GET', '/v1/reviews').then(
            (r) => r.items.some((i) => i.run.id === run.id),
            () => false,
          ),
        { timeout: 150_000, intervals: [1000] },
      )
      .toBe(true);

    await page.goto('/provider/reviews');
    await expect(page.getByRole('heading', { level: 1, name: '输出审核' })).toBeVisible();
    const card = page.getByTestId('review').filter({ hasText: mark });
    await expect(card).toContainText('social-insurance-contributions');
    await expect(card.getByRole('heading', { name: '自动检查发现' })).toBeVisible();
    await expect(card.getByRole('table').first()).toBeVisible();
    await expectAccessible(page, 'output review');
    await shot(page, 'provider-reviews-zh');
    await card.getByLabel('理由').fill('只含区县汇总计数');
    await card.getByRole('button', { name: '批准发布' }).click();
    await expect(card.getByRole('status')).toContainText('已批准');
  });

  test('the workspace in English', async ({ page }) => {
    await page.goto('/provider');
    await page.getByRole('button', { name: 'Switch to English / 切换语言' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'My datasets' })).toBeVisible();
    await expectAccessible(page, 'my datasets (en)');
    await shot(page, 'provider-datasets-en');
    await page.goto('/provider/new');
    await expect(page.getByRole('heading', { level: 1, name: 'Register a dataset' })).toBeVisible();
    await expectAccessible(page, 'schema editor (en)');
    await shot(page, 'provider-editor-en');
    await page.getByRole('link', { name: 'Licences and sharing' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Licences and sharing' })).toBeVisible();
    await shot(page, 'provider-decisions-en');
    await page.getByRole('button', { name: '切换到中文 / Switch language' }).click();
  });
});
