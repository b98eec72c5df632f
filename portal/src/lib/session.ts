import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, setCsrfToken } from './api.ts';

export type TRole = 'admin' | 'provider' | 'operator' | 'researcher' | 'regulator';
export type TUser = { id: string; orgId: string; orgName: string; name: string; login: string; role: TRole };
type TSession = { user: TUser; csrfToken: string };

let current: TUser | null = null;
let loaded = false;
const listeners = new Set<() => void>();
const emit = () => {
  for (const l of listeners) l();
};

function adopt(s: TSession | null) {
  current = s?.user ?? null;
  setCsrfToken(s?.csrfToken ?? null);
  loaded = true;
  emit();
}

/** Asks the server who is signed in (the cookie is HttpOnly: only the server can tell). */
export async function loadSession() {
  try {
    adopt(await api<TSession>('GET', '/v1/session'));
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 404)) adopt(null);
    else {
      loaded = true;
      emit();
    }
  }
}

export async function signIn(login: string, password: string) {
  adopt(await api<TSession>('POST', '/v1/session', { login, password }));
  return current!;
}

export async function register(body: {
  login: string;
  name: string;
  password: string;
  institution: string;
  email?: string;
}) {
  adopt(await api<TSession>('POST', '/v1/registrations', body));
  return current!;
}

export async function signOut() {
  try {
    await api('DELETE', '/v1/session');
  } finally {
    adopt(null);
  }
}

/** The signed-in person (null: nobody) and whether the server has answered yet. */
export function useSession(): { user: TUser | null; loaded: boolean } {
  const [, force] = useState(0);
  const seen = { user: current, loaded };
  useEffect(() => {
    const l = () => force((n) => n + 1);
    listeners.add(l);
    // The answer may have come between this render and the subscription: render again if so.
    if (current !== seen.user || loaded !== seen.loaded) l();
    return () => listeners.delete(l);
  }, []);
  return seen;
}

/** Where a role's work starts. */
export const HOME_OF: Record<TRole, string> = {
  researcher: '/',
  provider: '/provider',
  admin: '/admin',
  operator: '/operator',
  regulator: '/regulator',
};
