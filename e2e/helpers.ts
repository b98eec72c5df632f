import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { ADMIN_TOKEN, BASE_URL, DATA_DIR } from './playwright.config.ts';

/** No serious or critical accessibility violation on the page as it is now. */
export async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    `axe on ${what}`,
  ).toEqual([]);
}

/** A call to the API as the bootstrap admin (setting up what a test needs, as the authority would). */
export async function adminApi<T>(method: string, path: string, json?: unknown): Promise<T> {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(json ? { 'content-type': 'application/json' } : {}),
    },
    body: json ? JSON.stringify(json) : null,
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export const SHOTS = new URL('../portal/docs/', import.meta.url).pathname;

/** A screenshot for portal/README.md (refreshed by every run). */
export async function shot(page: Page, name: string, fullPage = false) {
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage });
}

type TUserRow = { id: string; orgId: string; name: string; role: string; login?: string | null };

/**
 * Gives a user (found by login, e.g. a demo user) a password through a one-time link, as the
 * authority would, and returns it. The link is used by the API here; `e2e/auth.spec.ts` walks the
 * same step through the page.
 */
export async function passwordFor(login: string): Promise<string> {
  const users = await adminApi<{ items: TUserRow[] }>('GET', '/v1/users');
  const user = users.items.find((u) => u.login === login);
  if (!user) throw new Error(`no user ${login}`);
  const link = await adminApi<{ token: string }>('POST', `/v1/users/${user.id}/password-links`, {});
  const password = `pw-${Math.random().toString(36).slice(2, 12)}-${Math.random().toString(36).slice(2, 8)}`;
  const res = await fetch(`${BASE_URL}/v1/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: link.token, password }),
  });
  if (!res.ok) throw new Error(`set password: ${res.status} ${await res.text()}`);
  return password;
}

/** Signs in through the sign-in page, as a person would. */
export async function signIn(page: Page, login: string, password?: string) {
  const pw = password ?? (await passwordFor(login));
  await page.goto('/signin');
  await page.getByLabel('用户名').fill(login);
  await page.getByLabel('密码', { exact: true }).fill(pw);
  await page.getByRole('button', { name: '登录' }).last().click();
  await expect(page.getByRole('button', { name: '退出' })).toBeVisible();
}

/**
 * A demo user's API token (the seed writes them into the server's data folder), for setting up
 * what a test needs through the API: by role, and by org name (e.g. 市交通运输局, api/src/demo/demo-accounts.ts).
 */
export function demoToken(role: string, org?: string): string {
  const tokens: { role: string; org: string; user: string; token: string }[] = JSON.parse(
    readFileSync(join(DATA_DIR, 'demo-tokens.json'), 'utf8'),
  );
  const found = tokens.find((x) => x.role === role && (org === undefined || x.org === org));
  if (!found) throw new Error(`no demo token for ${role} ${org ?? ''}`);
  return found.token;
}

/** A call to the API with a token (a demo user's, or one a test made). */
export async function callApi<T>(token: string, method: string, path: string, json?: unknown): Promise<T> {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
    body: json ? JSON.stringify(json) : null,
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}
