import { expect, type Page, type Route, test } from '@playwright/test';
import { adminApi, callApi, expectAccessible, shot, signIn } from './helpers.ts';
import { ADMIN_TOKEN, BASE_URL } from './playwright.config.ts';

/**
 * The regulator (监管方, demo login `sunwei`): the audit log filtered and read, one entry verified
 * in the browser, the kept checkpoint checked for consistency on the next visit, attacks on the
 * proofs shown as failures, alerts followed to their entries, an export downloaded.
 */

/** Signs in as the demo regulator (孙伟) through the sign-in page. */
const signInAsRegulator = (page: Page) => signIn(page, 'sunwei');

/**
 * Opens a workspace page and waits for its heading: the workspace's chunk and the verification
 * module load on the first visit of each test's fresh browser context.
 */
async function open(page: Page, path: string, heading: string) {
  await page.goto(path);
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible({ timeout: 60_000 });
}

/** Something a person does that the log records: the authority creates an org. */
const appendToLog = (name: string) => adminApi('POST', '/v1/orgs', { name: `${name}-${Date.now()}` });
/** The authority asks for a checkpoint at the log's size now (the server also issues one a minute). */
async function issueCheckpoint() {
  const res = await fetch(`${BASE_URL}/v1/audit/checkpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect([200, 201]).toContain(res.status);
}

/** Answers a proof request with the real proof, one bit of its first hash flipped. */
async function flipFirstHash(route: Route) {
  const res = await route.fetch();
  const body = await res.json();
  const bytes = Buffer.from(body.hashes[0], 'base64');
  bytes[5]! ^= 0x01;
  body.hashes[0] = bytes.toString('base64');
  await route.fulfill({ response: res, json: body });
}

const steps = (page: Page) => page.getByTestId('verification').locator('ol.steps > li');

test.describe('regulator: the audit log, verified in the browser', () => {
  test('filters the log by an action, opens an entry and verifies it step by step', async ({ page }) => {
    await signInAsRegulator(page);
    await open(page, '/regulator', '审计日志');
    // A checkpoint that covers every entry so far, asked for from the page.
    await page.getByRole('button', { name: '请求新检查点' }).click();
    await expect(page.getByTestId('integrity').getByRole('status').last()).toContainText(/检查点/);
    await expect(page.getByTestId('integrity')).toContainText('检查点签名有效');

    await page.getByLabel('操作', { exact: true }).selectOption('dataset.create');
    await page.getByRole('button', { name: '筛选', exact: true }).click();
    await expect(page).toHaveURL(/action=dataset\.create/);
    const rows = page.getByRole('region', { name: '审计日志条目' }).locator('tbody tr');
    await expect(rows.first()).toContainText('登记数据集');
    await expect(rows.filter({ hasNotText: '登记数据集' })).toHaveCount(0);
    expect(await rows.count()).toBeGreaterThan(1);
    await expectAccessible(page, 'regulator log, filtered');
    await shot(page, 'regulator-log-zh');

    const first = rows.first().getByRole('link').first();
    const index = (await first.textContent())!.trim();
    await first.click();
    await expect(page.getByRole('heading', { level: 1, name: `日志条目 ${index}` })).toBeVisible();
    await expect(page.locator('dl.fields')).toContainText('dataset.create');
    await expect(page.locator('dl.fields')).toContainText('登记数据集');
    await page.getByRole('button', { name: '在浏览器中验证' }).click();
    await expect(steps(page)).toHaveCount(4);
    for (const name of ['key', 'signature', 'leaf', 'inclusion']) {
      const step = page.locator(`li[data-step="${name}"]`);
      await expect(step, name).toHaveAttribute('data-status', 'ok');
      await expect(step.locator('.status')).toHaveText('通过');
    }
    await expect(page.locator('li[data-step="signature"]')).toContainText(/enclave.*大小 \d+/);
    await expect(page.locator('li[data-step="leaf"]')).toContainText('SHA-256(0x00 ‖ JCS(条目)) =');
    await expect(page.getByText('验证通过：本条目在经签名的日志中')).toBeVisible();
    await expectAccessible(page, 'regulator entry, verified');
    await shot(page, 'regulator-entry-zh', true);

    // The same entry against a tampered inclusion proof and a tampered checkpoint: refused.
    await page.route('**/v1/audit/proofs/inclusion?*', flipFirstHash);
    await page.getByRole('button', { name: '再次验证' }).click();
    await expect(page.locator('li[data-step="inclusion"]')).toHaveAttribute('data-status', 'failed');
    await expect(page.locator('li[data-step="inclusion"]')).toContainText(
      '证明得出的根哈希与检查点的根哈希不同',
    );
    await expect(page.getByRole('alert')).toContainText('验证未通过');
    await page.unroute('**/v1/audit/proofs/inclusion?*');

    await page.route('**/v1/audit/checkpoint', async (route) => {
      const res = await route.fetch();
      const note = await res.text();
      const [origin, size, ...rest] = note.split('\n');
      await route.fulfill({ response: res, body: [origin, Number(size) + 1, ...rest].join('\n') });
    });
    await page.getByRole('button', { name: '再次验证' }).click();
    await expect(page.locator('li[data-step="signature"]')).toHaveAttribute('data-status', 'failed');
    await expect(page.locator('li[data-step="signature"]')).toContainText('签名与日志公钥不符');
    await expect(page.locator('li[data-step="inclusion"]')).toHaveAttribute('data-status', 'pending');
  });

  test('keeps the checkpoint it verified and checks the next one for consistency; a rewritten log is shown loudly', async ({
    page,
  }) => {
    await signInAsRegulator(page);
    // Signing in lands on the workspace, which already kept a checkpoint: start from none.
    await page.evaluate(() => localStorage.removeItem('enclave.regulator.checkpoints'));
    await issueCheckpoint();
    await open(page, '/regulator', '审计日志');
    const panel = page.getByTestId('integrity');
    await expect(panel).toContainText('首次验证：已在本浏览器保存大小为');
    const kept = Number(
      (await panel.textContent())!.match(/保存大小为 ([\d,]+) 的检查点/)![1]!.replace(/,/g, ''),
    );

    await appendToLog('regulator-e2e-a');
    await appendToLog('regulator-e2e-b');
    await issueCheckpoint();
    await page.reload();
    await expect(panel).toContainText(`与上次保存的检查点一致：大小 ${kept} →`);
    await expect(panel.getByRole('alert')).toHaveCount(0);
    await expectAccessible(page, 'regulator log, consistent');

    // A platform that answers with a proof that does not hold: the log was rewritten.
    await appendToLog('regulator-e2e-c');
    await issueCheckpoint();
    await page.route('**/v1/audit/proofs/consistency?*', flipFirstHash);
    await page.reload();
    const alarm = page.getByTestId('log-rewritten');
    await expect(alarm).toBeVisible();
    await expect(alarm).toHaveAttribute('role', 'alert');
    await expect(alarm).toContainText('日志已被改写！');
    await expect(alarm).toContainText('保存的检查点未被替换');
    await expectAccessible(page, 'regulator log, rewritten');
    await shot(page, 'regulator-rewritten-zh');

    // The kept checkpoint stayed: with honest proofs the same two checkpoints agree.
    await page.unroute('**/v1/audit/proofs/consistency?*');
    await page.reload();
    await expect(panel).toContainText('与上次保存的检查点一致');
    await expect(page.getByTestId('log-rewritten')).toHaveCount(0);
  });

  test('sees an alert and follows it to its entries', async ({ page }) => {
    // A revoked token used once: the platform refuses it and the log records it.
    const users = await adminApi<{ items: { id: string; role: string }[] }>('GET', '/v1/users');
    const operator = users.items.find((u) => u.role === 'operator')!;
    const issued = await adminApi<{ id: string; token: string }>('POST', `/v1/users/${operator.id}/tokens`, {
      label: 'regulator e2e',
    });
    await adminApi('POST', `/v1/tokens/${issued.id}/revoke`);
    await expect(callApi(issued.token, 'GET', '/v1/applications')).rejects.toThrow(/401/);

    await signInAsRegulator(page);
    await open(page, '/regulator/alerts', '告警');
    // Other tests may have used revoked tokens too: this test's alert names its token.
    const card = page
      .locator('.alert-list > li')
      .filter({ hasText: '已撤销或过期的令牌被使用' })
      .filter({ hasText: issued.id.slice(0, 8) });
    await expect(card).toBeVisible();
    await expect(card).toContainText(issued.id.slice(0, 8));
    await expectAccessible(page, 'regulator alerts');
    await shot(page, 'regulator-alerts-zh');

    await card.getByRole('link', { name: '查看相关条目' }).click();
    await expect(page).toHaveURL(/action=auth\.token_refused/);
    await expect(page.getByLabel('对象编号')).toHaveValue(issued.id);
    const rows = page.getByRole('region', { name: '审计日志条目' }).locator('tbody tr');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('已撤销或过期令牌被拒');
    await expect(rows.first()).toContainText('被拒绝');
  });

  test('downloads the filtered view as CSV and NDJSON, and reads the workspace in English', async ({
    page,
  }) => {
    await signInAsRegulator(page);
    await open(page, '/regulator?action=dataset.', '审计日志');
    /**
     * The link starts a download. This headless Chromium cancels every download before saving
     * it, whatever the file, so what the link serves is read through the same browser context
     * (same credentials).
     */
    const fetched = async (name: string, pattern: RegExp) => {
      const link = page.getByRole('link', { name });
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      expect(download.suggestedFilename()).toMatch(pattern);
      const res = await page.request.get((await link.getAttribute('href'))!);
      expect(res.status()).toBe(200);
      return res.text();
    };
    await expect(page.getByRole('link', { name: '下载 CSV' })).toHaveAttribute(
      'href',
      '/v1/audit/export?action=dataset.&format=csv',
    );
    const csv = await fetched('下载 CSV', /\.csv$/);
    const lines = csv.trim().split(/\r\n/);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines[0]).toContain('action');
    for (const line of lines.slice(1)) expect(line).toMatch(/,dataset\./);
    const ndjson = await fetched('下载 NDJSON', /\.ndjson$/);
    const entries = ndjson
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(entries.length).toBe(lines.length - 1);
    for (const e of entries) expect(e.action).toMatch(/^dataset\./);

    await page.getByRole('button', { name: 'Switch to English / 切换语言' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
    await expect(page.getByTestId('integrity')).toContainText('Checkpoint signature valid');
    await expectAccessible(page, 'regulator log (en)');
    await shot(page, 'regulator-log-en');
    await page.getByRole('region', { name: 'Audit log entries' }).locator('tbody tr a').first().click();
    await page.getByRole('button', { name: 'Verify in the browser' }).click();
    await expect(page.locator('li[data-step="inclusion"] .status')).toHaveText('OK');
    await expectAccessible(page, 'regulator entry (en)');
    await shot(page, 'regulator-entry-en', true);
    await page
      .getByRole('navigation', { name: 'Oversight workspace' })
      .getByRole('link', { name: 'Alerts' })
      .click();
    await expect(page.getByRole('heading', { level: 1, name: 'Alerts' })).toBeVisible();
    await shot(page, 'regulator-alerts-en');
    await page.getByRole('button', { name: '切换到中文 / Switch language' }).click();
  });
});
