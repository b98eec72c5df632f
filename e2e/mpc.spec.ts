import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countersignContract, type TSigningKey } from '@enclave/contracts';
import { expect, type Page, test } from '@playwright/test';
import { socialInsuranceRows } from '../api/src/demo/datasets/social-insurance.ts';
import { deriveSeed } from '../api/src/demo/prng.ts';
import { DEMO_SEED } from '../api/src/demo/seed-demo.ts';
import { callApi, demoToken, expectAccessible, shot, signIn } from './helpers.ts';
import { DATA_DIR } from './playwright.config.ts';

/*
 * The operator's joint computation in the browser: SEAL (WebAssembly) and the X25519 blinding run
 * in the page, the secret key stays in its IndexedDB. The demo contract licenses the sandbox only,
 * so the demo operator first gets one that licenses `he` and `psi` on the social insurance data,
 * through the API as the parties would (apply, the holding department approves, the operator
 * countersigns with its demo key).
 */

const SLUG = 'social-insurance-contributions';
const OPERATOR_LOGIN = 'liuyang';
const ROWS = [...socialInsuranceRows(deriveSeed(DEMO_SEED, SLUG))];

let contractId = '';

async function jointContract(): Promise<string> {
  const op = demoToken('operator');
  const hrss = demoToken('provider', '市人力资源和社会保障局');
  const ds = await callApi<{ id: string }>(op, 'GET', `/v1/datasets/${SLUG}`);
  const key: TSigningKey = JSON.parse(readFileSync(join(DATA_DIR, 'demo-operator-key.json'), 'utf8'));
  const now = Date.now();
  const app = await callApi<{ id: string }>(op, 'POST', '/v1/applications', {
    datasets: [
      { datasetId: ds.id, columns: ['person_id', 'district_code', 'birth_year', 'contribution_base'] },
    ],
    purpose: '按区县评估参保人群的缴费能力模型，并与本公司客户名单做隐私求交统计（端到端测试）',
    scenario: '同态加密模型评分与隐私集合求交，只取得受保护的分组统计',
    operations: ['he', 'psi'],
    term: {
      notBefore: new Date(now - 86_400_000).toISOString(),
      notAfter: new Date(now + 30 * 86_400_000).toISOString(),
    },
    keyId: key.kid,
  });
  const decided = await callApi<{ contractId: string }>(
    hrss,
    'POST',
    `/v1/applications/${app.id}/decisions`,
    {
      datasetId: ds.id,
      decision: 'approve',
    },
  );
  const doc = await callApi<{ jws: Parameters<typeof countersignContract>[0] }>(
    op,
    'GET',
    `/v1/contracts/${decided.contractId}`,
  );
  await callApi(op, 'POST', `/v1/contracts/${decided.contractId}/countersign`, {
    ...(await countersignContract(doc.jws, key)),
  });
  return decided.contractId;
}

/** Bytes of JavaScript and WebAssembly the page loads from the server, by file (uncompressed). */
function countBytes(page: Page) {
  const files = new Map<string, number>();
  page.on('response', async (res) => {
    const name = new URL(res.url()).pathname.split('/').pop()!;
    if (!/\.(js|wasm)$/.test(name)) return;
    const body = await res.body().catch(() => null);
    if (body) files.set(name, body.length);
  });
  const sum = (re: RegExp) => [...files].filter(([n]) => re.test(n)).reduce((s, [, b]) => s + b, 0);
  return () =>
    `figure: the joint-computation page loaded ${sum(/\.(js|wasm)$/)} bytes of JS and wasm in all: ` +
    `SEAL wasm ${sum(/\.wasm$/)}, the computation engine (SEAL's JS, the SDK, curves) ${sum(/^engine-/)}, ` +
    `the page ${sum(/^mpc-/)}, ECharts for its chart ${sum(/^echarts-/)}, the app shell ${sum(/^index-/)}`;
}

test.describe.configure({ mode: 'serial' });

test.describe('operator: joint computation in the browser', () => {
  test.beforeAll(async () => {
    contractId = await jointContract();
  });

  test('scores an encrypted model on protected district means: keys made and kept here, scores decrypted here', async ({
    page,
  }) => {
    const bytes = countBytes(page);
    await signIn(page, OPERATOR_LOGIN);
    await page.goto('/operator/mpc');
    await expect(page.getByRole('heading', { level: 1, name: '联合计算' })).toBeVisible();
    await page.getByLabel('合同', { exact: true }).selectOption(contractId);
    await expect(page.getByLabel('数据集', { exact: true })).toContainText('社会保险缴费明细');
    await page.getByRole('radio', { name: /同态加密模型评分/ }).check();
    await page.getByLabel('分组字段', { exact: true }).selectOption('district_code');
    await expectAccessible(page, 'joint computation, HE form');

    // The model, as the operator keeps it: a CSV of its own weights, read in the page.
    await page.getByLabel('从 CSV 文件载入模型（可选）', { exact: true }).setInputFiles({
      name: 'model.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('column,statistic,weight\ncontribution_base,mean,0.001\nbirth_year,mean,2\n'),
    });
    await expect(page.getByLabel('权重', { exact: true })).toHaveCount(2);
    await expect(page.getByLabel('权重', { exact: true }).first()).toHaveValue('0.001');
    await page.getByLabel('偏置', { exact: true }).fill('5');
    await shot(page, 'mpc-he-form-zh', true);

    const started = Date.now();
    await page.getByRole('button', { name: '加密并计算' }).click();
    const progress = page.getByTestId('mpc-progress');
    await expect(progress.locator('[data-stage="keys"]')).toHaveAttribute('data-state', 'done', {
      timeout: 60_000,
    });
    await expect(progress.locator('[data-stage="keys"]')).toContainText('已生成 ckks-8192 密钥');
    const result = page.getByTestId('mpc-result');
    await expect(result.getByRole('table').or(page.getByRole('alert'))).toBeVisible({ timeout: 90_000 });
    await expect(page.getByRole('alert')).toHaveCount(0);
    console.log(`figure: HE model scoring end to end in the browser ${Date.now() - started} ms`);
    for (const stage of ['keys', 'encrypt', 'upload', 'compute', 'decrypt'])
      await expect(progress.locator(`[data-stage="${stage}"]`)).toHaveAttribute('data-state', 'done');

    // Scores near 0.001·mean(base) + 2·mean(birth year) + 5 of each district's true rows.
    const rows = await result
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
    expect(rows.length).toBeGreaterThan(3);
    for (const [district, count, score] of rows) {
      const mine = ROWS.filter((r) => r[4] === district);
      const n = Number(count!.replace(/,/g, ''));
      expect(n % 5, `${district} count ${count}`).toBe(0);
      const value = Number(score!.replace(/,/g, ''));
      if (mine.length === 0) continue;
      const mean = (i: number) => mine.reduce((s, r) => s + (r[i] as number), 0) / mine.length;
      const plain = 0.001 * mean(7) + 2 * mean(3) + 5;
      expect(Math.abs(value - plain) / plain, `${district}: ${value} vs ${plain}`).toBeLessThan(0.01);
    }
    await expect(result.locator('.chart svg')).toBeVisible();
    await expect(result.getByText('差分隐私')).toBeVisible();
    await expect(page.getByTestId('mpc-charged')).toContainText('扣减的隐私预算 ε');
    await expect(page.getByTestId('mpc-charged')).toContainText('合同剩余预算');

    // The secret key stays in this browser's IndexedDB; it was never sent.
    const stored = await page.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const req = indexedDB.open('enclave-mpc');
          req.onsuccess = () => {
            const all = req.result.transaction('he-keys').objectStore('he-keys').getAll();
            all.onsuccess = () => resolve((all.result[0]?.secretKey as Uint8Array | undefined)?.length ?? 0);
            all.onerror = () => reject(all.error);
          };
        }),
    );
    expect(stored).toBeGreaterThan(100_000);
    await expectAccessible(page, 'joint computation, HE result');
    await shot(page, 'mpc-he-result-zh', true);
    console.log(bytes());

    // A second run reuses the keys kept here.
    await page.getByRole('button', { name: '重新设置' }).click();
    await page.getByLabel('偏置', { exact: true }).fill('6');
    await page.getByRole('button', { name: '加密并计算' }).click();
    await expect(progress.locator('[data-stage="keys"]')).toContainText(
      '沿用本浏览器已保存的 ckks-8192 密钥',
    );
    await expect(page.getByTestId('mpc-result').getByRole('table')).toBeVisible({ timeout: 90_000 });
  });

  test('joins privately on the operator identifiers: protected counts per district, no identifier shown', async ({
    page,
  }) => {
    // The platform hashes its 50 000 identifiers to the curve on the first join of a version.
    test.setTimeout(300_000);
    await signIn(page, OPERATOR_LOGIN);
    await page.goto('/operator/mpc');
    await page.getByLabel('合同', { exact: true }).selectOption(contractId);
    await page.getByRole('radio', { name: /隐私集合求交/ }).check();
    await page.getByLabel('数据集中的标识字段', { exact: true }).selectOption('person_id');
    await page.getByLabel('分组字段', { exact: true }).selectOption('district_code');
    await page.getByRole('button', { name: '添加统计项' }).click();
    await page.getByLabel('字段', { exact: true }).selectOption('contribution_base');

    // 600 of the dataset's people and 100 strangers, with blanks and repeats, typed into the box.
    const persons = [...new Set(ROWS.map((r) => r[1] as string))].slice(0, 600);
    const strangers = Array.from({ length: 100 }, (_, i) => `C-${String(i).padStart(6, '0')}`);
    await page
      .getByLabel('您的标识', { exact: true })
      .fill([...persons, '', ...strangers, persons[0]].join('\n'));
    await expectAccessible(page, 'joint computation, PSI form');
    await shot(page, 'mpc-psi-form-zh', true);

    const started = Date.now();
    await page.getByRole('button', { name: '盲化并求交' }).click();
    const result = page.getByTestId('mpc-result');
    await expect(result.getByRole('table').or(page.getByRole('alert'))).toBeVisible({ timeout: 240_000 });
    await expect(page.getByRole('alert')).toHaveCount(0);
    console.log(`figure: PSI join end to end in the browser ${Date.now() - started} ms`);
    await expect(result).toContainText(`读入 ${persons.length + strangers.length + 1} 个标识`);
    await expect(result).toContainText(`去重后 ${persons.length + strangers.length} 个`);

    // Each released count near the true number of rows of the chosen people in that district.
    const chosen = new Set(persons);
    const rows = await result
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
    expect(rows.length).toBeGreaterThan(1);
    for (const [district, count] of rows) {
      const n = Number(count!.replace(/,/g, ''));
      expect(n % 5).toBe(0);
      const truth = ROWS.filter((r) => r[4] === district && chosen.has(r[1] as string)).length;
      expect(Math.abs(n - truth), `${district}: ${n} vs ${truth}`).toBeLessThanOrEqual(
        Math.max(10, truth * 0.2),
      );
    }
    await expect(result.locator('thead')).toContainText('contribution_base 均值');
    await expect(page.locator('main')).not.toContainText(persons[0]!);
    await expectAccessible(page, 'joint computation, PSI result');
    await shot(page, 'mpc-psi-result-zh', true);

    // In English, the same page and result.
    await page.getByRole('button', { name: 'Switch to English / 切换语言' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Joint computation' })).toBeVisible();
    await expect(
      page.getByRole('heading', { name: 'Protected statistics over the intersection' }),
    ).toBeVisible();
    await expectAccessible(page, 'joint computation (en)');
    await shot(page, 'mpc-psi-result-en', true);
    await page.getByRole('button', { name: '切换到中文 / Switch language' }).click();
  });

  test('a join under the minimum cell count is refused with a translated reason', async ({ page }) => {
    await signIn(page, OPERATOR_LOGIN);
    await page.goto('/operator/mpc');
    await page.getByLabel('合同', { exact: true }).selectOption(contractId);
    await page.getByRole('radio', { name: /隐私集合求交/ }).check();
    await page.getByLabel('数据集中的标识字段', { exact: true }).selectOption('person_id');
    await page.getByLabel('您的标识', { exact: true }).fill(ROWS[0]![1] as string);
    await page.getByRole('button', { name: '盲化并求交' }).click();
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('结果未通过披露控制', { timeout: 90_000 });
    await expect(page.getByTestId('mpc-progress').locator('[data-state="failed"]')).toHaveCount(1);
    await expectAccessible(page, 'joint computation, refused');

    // Bad input is caught in the page before anything is sent.
    await page.getByRole('button', { name: '重新设置' }).click();
    await page.getByRole('radio', { name: /同态加密模型评分/ }).check();
    await page.getByLabel('权重', { exact: true }).first().fill('abc');
    await page.getByRole('button', { name: '加密并计算' }).click();
    await expect(page.getByRole('alert')).toContainText('特征 1 的权重不是数字');
  });
});
