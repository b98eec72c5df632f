import { gzipSync } from 'node:zlib';
import { expect, type Page, test } from '@playwright/test';
import { callApi, demoToken, expectAccessible, shot, signIn } from './helpers.ts';
import { BASE_URL } from './playwright.config.ts';

type TMe = { id: string; orgId: string; name: string; role: string };

const operatorToken = () => demoToken('operator');

test.describe
  .serial('operator: licences, contracts signed in the browser, sandbox scripts', () => {
    let page: Page;
    let newContractId = '';
    test.beforeAll(async ({ browser }) => {
      // One context for the whole walk: the key made in the browser must still be there to countersign.
      const context = await browser.newContext({
        baseURL: BASE_URL,
        locale: 'zh-CN',
        timezoneId: 'Asia/Shanghai',
      });
      page = await context.newPage();
      await signIn(page, 'liuyang');
    });
    test.afterAll(async () => page.context().close());

    test('makes a countersigning key in the browser that cannot be exported, and registers it', async () => {
      await page.goto('/operator');
      await expect(page.getByRole('heading', { level: 1, name: '我的合同' })).toBeVisible();
      await page
        .getByRole('navigation', { name: '授权运营工作台' })
        .getByRole('link', { name: '签名密钥' })
        .click();
      await expect(page.getByText('本浏览器中还没有会签密钥。')).toBeVisible();
      await page.getByRole('button', { name: '生成并登记密钥' }).click();
      const key = page.getByTestId('browser-key');
      await expect(key).toContainText('已登记');
      const kid = (await key.locator('code').textContent())!;
      expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/);

      // The platform holds the public half under the same kid; the private half stays non-extractable.
      const me = await callApi<TMe>(operatorToken(), 'GET', '/v1/me');
      const keys = await callApi<{ items: { kid: string; publicJwk: Record<string, string> }[] }>(
        operatorToken(),
        'GET',
        `/v1/orgs/${me.orgId}/keys`,
      );
      const registered = keys.items.find((k) => k.kid === kid);
      expect(registered?.publicJwk).not.toHaveProperty('d');
      const stored = await page.evaluate(
        (k) =>
          new Promise<{ extractable: boolean; type: string; exported: string }>((resolve, reject) => {
            const req = indexedDB.open('enclave-operator');
            req.onsuccess = () => {
              const get = req.result.transaction('keys').objectStore('keys').get(k);
              get.onsuccess = async () => {
                const priv: CryptoKey = get.result.pair.privateKey;
                const exported = await crypto.subtle.exportKey('jwk', priv).then(
                  () => 'exported',
                  (e: Error) => e.name,
                );
                resolve({ extractable: priv.extractable, type: priv.type, exported });
              };
              get.onerror = () => reject(get.error);
            };
          }),
        kid,
      );
      expect(stored).toEqual({ extractable: false, type: 'private', exported: 'InvalidAccessError' });
      await expect(page.getByRole('table', { name: '贵单位登记的公钥' })).toContainText('本浏览器');
      await expectAccessible(page, 'operator keys');
      await shot(page, 'operator-keys-zh');
    });

    test('applies for a licence on a conditional dataset, naming the browser key', async () => {
      await page.getByRole('link', { name: '许可申请' }).click();
      await expect(page.getByRole('heading', { level: 1, name: '许可申请' })).toBeVisible();
      await page.getByRole('checkbox', { name: /社会保险缴费明细/ }).check();
      const columns = page.getByRole('group', { name: /社会保险缴费明细.*字段/ });
      await expect(columns.getByRole('checkbox', { name: /person_id/ })).not.toBeChecked();
      await expect(columns.getByRole('checkbox', { name: /contribution_base/ })).toBeChecked();
      await columns.getByRole('checkbox', { name: /birth_year/ }).uncheck();
      await page.getByLabel('用途', { exact: true }).fill('研究各区县社保缴费基数的差异（运营方申请测试）');
      await page.getByLabel('应用场景', { exact: true }).fill('按区县汇总，只发布统计结果');
      await expect(page.getByLabel('会签密钥')).toContainText('本浏览器');
      await page.getByRole('button', { name: '提交申请' }).click();
      await expect(page.getByRole('status')).toContainText('申请已提交');
      const mine = page.getByTestId('application').filter({ hasText: '运营方申请测试' });
      await expect(mine).toContainText('待审核');
      await expect(mine).not.toContainText('birth_year');
      await expectAccessible(page, 'operator applications');
      await shot(page, 'operator-apply-zh');

      // A bad term is refused with the field named, in the reader's language.
      await page.getByRole('checkbox', { name: /社会保险缴费明细/ }).check();
      await page.getByLabel('用途', { exact: true }).fill('x');
      await page.getByLabel('应用场景', { exact: true }).fill('x');
      await page.getByLabel('截止日期').fill('2001-01-01');
      await page.getByRole('button', { name: '提交申请' }).click();
      await expect(page.getByRole('alert')).toContainText('填写的内容有误');
      await expect(page.getByRole('alert')).toContainText('term.notAfter');
    });

    test('countersigns the contract issued on approval, with the key in the browser', async () => {
      // The provider's decision is not this role's flow: it goes through the API.
      const apps = await callApi<{
        items: { id: string; purpose: string; parts: { datasetId: string }[] }[];
      }>(operatorToken(), 'GET', '/v1/applications?status=pending');
      const app = apps.items.find((a) => a.purpose.includes('运营方申请测试'))!;
      const decided = await callApi<{ contractId: string }>(
        demoToken('provider', '市人力资源和社会保障局'),
        'POST',
        `/v1/applications/${app.id}/decisions`,
        { datasetId: app.parts[0]!.datasetId, decision: 'approve' },
      );
      newContractId = decided.contractId;
      await page.reload();
      const mine = page.getByTestId('application').filter({ hasText: '运营方申请测试' });
      await expect(mine).toContainText('已同意');
      await mine.getByRole('link', { name: '查看合同' }).click();
      await expect(page.getByRole('heading', { level: 1, name: '授权运营合同' })).toBeVisible();
      await expect(page.getByText('待会签').first()).toBeVisible();
      await expect(page.getByTestId('sig-platform')).toContainText('已验证');
      await expect(page.getByTestId('sig-operator')).toContainText('尚未签署');
      const sign = page.getByRole('button', { name: '会签合同' });
      await expect(sign).toBeDisabled();
      await page.getByRole('checkbox', { name: /我已阅读上述条款/ }).check();
      await sign.click();
      await expect(page.getByTestId('sig-operator')).toContainText('已验证');
      await expect(page.getByText('生效中').first()).toBeVisible();
      const doc = await callApi<{ state: string; jws: { signatures: unknown[] } }>(
        operatorToken(),
        'GET',
        `/v1/contracts/${newContractId}`,
      );
      expect(doc.state).toBe('active');
      expect(doc.jws.signatures).toHaveLength(2);
    });

    test('reads the demo contract and sees both signatures verified in the browser', async () => {
      await page.getByRole('link', { name: '合同', exact: true }).click();
      const rows = page.getByRole('table', { name: '我的合同' }).locator('tbody tr');
      // The demo's contract among others (this file's and other tests' contracts).
      const demo = rows.filter({ hasText: '企业登记与纳税' });
      await expect(demo).toHaveCount(1);
      await expect(demo).toContainText('生效中');
      await expectAccessible(page, 'operator contracts');
      await shot(page, 'operator-contracts-zh');
      await demo.getByRole('link').first().click();
      await expect(page.getByText('分析本市各区县、各行业的参保结构')).toBeVisible();
      await expect(page.getByText('少于 10 条记录的单元格不予发布')).toBeVisible();
      await expect(page.getByTestId('sig-platform')).toContainText('已验证');
      await expect(page.getByTestId('sig-platform')).toContainText('合同内容与平台签署时完全一致');
      await expect(page.getByTestId('sig-operator')).toContainText('已验证');
      await expect(page.getByTestId('budget')).toContainText('剩余 ε 10 / 10');
      await expectAccessible(page, 'operator contract');
      await shot(page, 'operator-contract-zh', true);
      await page.getByRole('button', { name: 'Switch to English / 切换语言' }).click();
      await expect(page.getByRole('heading', { level: 1, name: 'Licence contract' })).toBeVisible();
      await expect(page.getByTestId('sig-operator')).toContainText('Verified');
      await expectAccessible(page, 'operator contract (en)');
      await shot(page, 'operator-contract-en', true);
      await page.getByRole('button', { name: '切换到中文 / Switch language' }).click();
    });

    test('writes a script with SDK completions, runs it on dummy then real data', async () => {
      await page.getByRole('link', { name: '沙箱脚本' }).click();
      const demoId = (
        await callApi<{ items: { id: string; contract: { datasets: unknown[] } }[] }>(
          operatorToken(),
          'GET',
          '/v1/contracts',
        )
      ).items.find((c) => c.contract.datasets.length === 2)!.id;
      await page.getByLabel('合同', { exact: true }).selectOption(demoId);
      const editor = page.locator('.cm-content');
      await expect(editor).toBeVisible();
      await expect(editor).toHaveAttribute('aria-label', '脚本编辑器（JavaScript）');
      await editor.click();
      await page.keyboard.press('ControlOrMeta+a');
      await page.keyboard.press('Delete');

      const completions = page.locator('.cm-tooltip-autocomplete');
      await page.keyboard.type('const t = enclave.');
      await expect(completions.getByRole('option', { name: /table/ }).first()).toBeVisible();
      await page.keyboard.type("table('soc");
      await expect(completions.getByRole('option', { name: /social-insurance-contributions/ })).toBeVisible();
      await page.keyboard.press('Enter');
      await page.keyboard.press('End');
      await page.keyboard.type(';');
      await page.keyboard.press('Enter');
      await page.keyboard.type("return { byDistrict: t.groupBy('dis");
      await expect(completions.getByRole('option', { name: /district_code/ })).toBeVisible();
      await page.keyboard.press('Escape');
      await page.keyboard.type(
        "trict_code').agg({ n: 'count', base: ['mean', 'contribution_base', { min: 4000, max: 40000 }] }) };",
      );
      await page.keyboard.press('Escape');
      await expect(editor).toContainText("const t = enclave.table('social-insurance-contributions');");
      await expect(editor).toContainText("t.groupBy('district_code').agg(");
      await expectAccessible(page, 'operator script editor');

      await page.getByRole('button', { name: '在模拟数据上运行' }).click();
      const dummy = page.getByTestId('run').filter({ hasText: '模拟数据' });
      await expect(dummy).toContainText('已完成', { timeout: 60_000 });
      await expect(dummy.getByTestId('run-result').getByRole('table')).toContainText('district_code');
      await expect(dummy.getByTestId('disclosure')).toContainText('披露控制报告');
      await expect(page.getByTestId('budget')).toContainText('剩余 ε 10 / 10');

      await page.getByRole('button', { name: '在真实数据上运行' }).click();
      const real = page.getByTestId('run').filter({ hasText: '真实数据' });
      await expect(real).toContainText('已完成', { timeout: 60_000 });
      const table = real.getByTestId('run-result').getByRole('table');
      await expect(table.locator('thead')).toContainText('base');
      expect(await table.locator('tbody tr').count()).toBeGreaterThan(5);
      await expect(real.locator('.chart svg')).toBeVisible();
      await expect(real.getByTestId('disclosure')).toContainText('个计数已取整');
      await expect(real.getByTestId('disclosure')).toContainText('差分隐私噪声');
      await expect(real).toContainText('扣减预算 ε 1');
      await expect(page.getByTestId('budget')).toContainText('剩余 ε 9 / 10');
      await expectAccessible(page, 'operator runs');
      await shot(page, 'operator-scripts-zh', true);

      // A row run reads real records: it is held for the providers' review.
      await page.getByLabel('运行方式').selectOption('rows');
      await page.getByLabel('CPU 时间上限（毫秒，可选）').fill('1000');
      await page.getByRole('button', { name: '在真实数据上运行' }).click();
      const held = page.getByTestId('run').filter({ hasText: '明细运行' });
      await expect(held).toContainText('等待审核', { timeout: 60_000 });
      await expect(held.getByRole('status')).toContainText('审核后才可见');
      await expect(held.getByTestId('run-result')).toHaveCount(0);
    });

    test('figure: JavaScript the operator workspace loads, gzipped', async () => {
      const bodies = new Map<string, Promise<Buffer>>();
      const onResponse = (res: import('@playwright/test').Response) => {
        const url = new URL(res.url());
        if (url.pathname.endsWith('.js') && !bodies.has(url.pathname)) bodies.set(url.pathname, res.body());
      };
      page.on('response', onResponse);
      await page.goto('/operator');
      await expect(page.getByRole('heading', { level: 1, name: '我的合同' })).toBeVisible();
      await page.getByRole('link', { name: '沙箱脚本' }).click();
      await expect(page.locator('.cm-content')).toBeVisible();
      page.off('response', onResponse);
      let total = 0;
      let area = 0;
      for (const [path, body] of bodies) {
        const size = gzipSync(await body, { level: 9 }).length;
        total += size;
        if (!/\/index-[\w-]+\.js$/.test(path)) area += size;
      }
      const kb = (n: number) => (n / 1024).toFixed(1);
      console.log(
        `figure: /operator then the script editor load ${bodies.size} JS files, ${kb(total)} KB gzipped in all; ` +
          `${kb(area)} KB of it is the operator workspace, CodeMirror and what they import (the rest is the first chunk)`,
      );
      expect(total).toBeGreaterThan(area);
    });

    test('the script page in English', async () => {
      await page.getByRole('button', { name: 'Switch to English / 切换语言' }).click();
      await expect(page.getByRole('heading', { level: 1, name: 'Sandbox scripts' })).toBeVisible();
      await expectAccessible(page, 'operator scripts (en)');
      await shot(page, 'operator-scripts-en');
      await page.getByRole('button', { name: '切换到中文 / Switch language' }).click();
    });
  });
