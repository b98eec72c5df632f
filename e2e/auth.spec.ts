import { expect, test } from '@playwright/test';
import { adminApi, expectAccessible, passwordFor, shot, signIn } from './helpers.ts';
import { BASE_URL } from './playwright.config.ts';

const unique = () => Math.random().toString(36).slice(2, 8);

/** A user made by the authority through the API, with a login and no password yet. */
async function newUser(role: string) {
  const org = await adminApi<{ id: string }>('POST', '/v1/orgs', { name: `测试单位 ${unique()}` });
  const login = `u${unique()}`;
  await adminApi('POST', '/v1/users', { orgId: org.id, name: `测试 ${login}`, role, login });
  return login;
}

test.describe('signing in', () => {
  test('a researcher registers, manages an API token that a program can use, and signs out', async ({
    page,
    context,
  }) => {
    const login = `r${unique()}`;
    await page.goto('/register');
    await expectAccessible(page, 'registration');
    await page.getByLabel('用户名').fill(login);
    await page.getByLabel('姓名').fill('张研究');
    await page.getByLabel('所在机构').fill('某大学');
    await page.getByLabel('密码', { exact: true }).fill('short');
    await page.getByLabel('确认密码').fill('short');
    await page.getByRole('button', { name: '注册' }).click();
    await expect(page.getByRole('alert')).toContainText('填写的内容有误');
    await expect(page.getByRole('alert')).toContainText('password');

    const password = 'a long enough passphrase 42';
    await page.getByLabel('密码', { exact: true }).fill(password);
    await page.getByLabel('确认密码').fill(password);
    await page.getByRole('button', { name: '注册' }).click();
    await expect(page.getByRole('status')).toContainText('注册成功');
    await expect(page.getByText('研究者', { exact: true })).toBeVisible();

    // The session cookie is out of the page's reach and not sent cross-site.
    const cookie = (await context.cookies()).find((c) => c.name === 'enclave_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Strict');
    expect(await page.evaluate(() => document.cookie)).not.toContain('enclave_session');

    await page.getByLabel('名称').fill('分析脚本');
    await page.getByRole('button', { name: '创建令牌' }).click();
    const token = (await page.getByTestId('new-token').textContent())!.trim();
    await expect(page.getByRole('cell', { name: '分析脚本', exact: true })).toBeVisible();
    await expectAccessible(page, 'account with a token');
    await shot(page, 'account-zh');
    const asProgram = () => fetch(`${BASE_URL}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await asProgram()).status).toBe(200);

    await page.getByRole('button', { name: '吊销令牌 分析脚本' }).click();
    await expect(page.getByText('已吊销')).toBeVisible();
    expect((await asProgram()).status).toBe(401);

    await page.getByRole('button', { name: '退出' }).click();
    await expect(page.getByRole('link', { name: '登录' })).toBeVisible();
    await page.goto('/account');
    await expect(page.getByText('请先登录')).toBeVisible();
  });

  test('a wrong password is refused in the reader’s language, and repeated failures lock the account', async ({
    page,
  }) => {
    const login = await newUser('provider');
    const password = await passwordFor(login);
    await page.goto('/signin');
    await expectAccessible(page, 'sign-in');
    await shot(page, 'signin-zh');
    const attempt = async (pw: string) => {
      await page.getByLabel('用户名').fill(login);
      await page.getByLabel('密码', { exact: true }).fill(pw);
      await page.getByRole('button', { name: '登录' }).last().click();
    };
    for (let i = 0; i < 4; i++) {
      await attempt(`wrong password ${i}`);
      await expect(page.getByRole('alert')).toContainText('用户名或密码不正确');
    }
    // The fifth failure locks the login; then even the right password is refused.
    await attempt('wrong password 4');
    await expect(page.getByRole('alert')).toContainText('账号已暂时锁定');
    await attempt(password);
    await page.getByRole('button', { name: '登录' }).last().click();
    await expect(page.getByRole('alert')).toContainText('账号已暂时锁定');
    await expect(page.getByRole('alert')).toContainText('秒后重试');
  });

  test('a one-time link sets a password once; the person then signs in to their workspace', async ({
    page,
  }) => {
    await page.goto('/password?token=not-a-real-token');
    await page.getByLabel('新密码').fill('a long enough passphrase 42');
    await page.getByLabel('确认密码').fill('a long enough passphrase 42');
    await page.getByRole('button', { name: '设置密码' }).click();
    await expect(page.getByRole('alert')).toContainText('链接无效');

    const login = await newUser('regulator');
    const users = await adminApi<{ items: { id: string; login?: string }[] }>('GET', '/v1/users');
    const id = users.items.find((u) => u.login === login)!.id;
    const link = await adminApi<{ url: string }>('POST', `/v1/users/${id}/password-links`, {});
    await page.goto(new URL(link.url).pathname + new URL(link.url).search);
    await page.getByLabel('新密码').fill('regulator passphrase 2026');
    await page.getByLabel('确认密码').fill('regulator passphrase 2026');
    await page.getByRole('button', { name: '设置密码' }).click();
    await expect(page.getByRole('status')).toContainText('密码已设置');
    // Used once: the same link does nothing the second time.
    await page.goto(new URL(link.url).pathname + new URL(link.url).search);
    await page.getByLabel('新密码').fill('another passphrase 2026');
    await page.getByLabel('确认密码').fill('another passphrase 2026');
    await page.getByRole('button', { name: '设置密码' }).click();
    await expect(page.getByRole('alert')).toContainText('链接无效');

    // A workspace asks for sign-in and comes back to it.
    await page.goto('/regulator');
    await page.getByRole('link', { name: '登录' }).last().click();
    await expect(page).toHaveURL(/\/signin\?next=%2Fregulator/);
    await signIn(page, login, 'regulator passphrase 2026');
    await expect(page).toHaveURL(/\/regulator$/);
  });

  test('a session cannot be ridden from another site: no CSRF token, no change', async ({ page }) => {
    const login = await newUser('researcher');
    await signIn(page, login);
    const status = await page.evaluate(async () => {
      const r = await fetch('/v1/me/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ label: 'forged' }),
      });
      return r.status;
    });
    expect(status).toBe(403);
    await page.goto('/account');
    await expect(page.getByRole('cell', { name: 'forged' })).toHaveCount(0);
  });
});
