import type { TestApp } from './test-app.ts';

export const PASSWORD = 'correct horse battery';

let n = 0;
/** A user of `role` (a new org unless given) with a login and a password set through a link. */
export async function userWithPassword(
  t: TestApp,
  role: Parameters<TestApp['user']>[0],
  o: { orgId?: string; password?: string } = {},
) {
  const u = await t.user(role, o.orgId ? { orgId: o.orgId } : {});
  const login = `user.${++n}.${Math.random().toString(36).slice(2, 8)}`;
  const link = await t.req('POST', `/v1/users/${u.userId}/password-links`, {
    token: t.adminToken,
    json: { login },
  });
  if (link.status !== 201) throw new Error(`link: ${link.text}`);
  const password = o.password ?? PASSWORD;
  const set = await t.req('POST', '/v1/password', { json: { token: link.json.token, password } });
  if (set.status !== 200) throw new Error(`password: ${set.text}`);
  return { ...u, login, password };
}

/** The session cookie's value in a response's Set-Cookie, if any. */
export const cookieOf = (headers: Headers) =>
  /enclave_session=([^;]*)/.exec(headers.get('set-cookie') ?? '')?.[1];

/** Signs in and returns what a browser would keep: the cookie header and the CSRF token. */
export async function signIn(t: TestApp, login: string, password: string) {
  const res = await t.req('POST', '/v1/session', { json: { login, password } });
  if (res.status !== 200) throw new Error(`sign-in: ${res.text}`);
  const cookie = `enclave_session=${cookieOf(res.headers)}`;
  return { cookie, csrf: res.json.csrfToken as string, user: res.json.user };
}
