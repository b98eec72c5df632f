/** The portal's one way to call the API: same-origin, the session cookie, the CSRF header. */

export type TFieldError = { path: string; message: string };

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly requestId: string | null;
  readonly errors: TFieldError[];
  readonly retryAfter: number | null;
  constructor(
    status: number,
    code: string,
    detail: string,
    requestId: string | null,
    errors: TFieldError[] = [],
    retryAfter: number | null = null,
  ) {
    super(detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.requestId = requestId;
    this.errors = errors;
    this.retryAfter = retryAfter;
  }
}

let csrfToken: string | null = null;
export const setCsrfToken = (token: string | null) => {
  csrfToken = token;
};
/** The session's CSRF token, for requests not made through `apiFetch` (an upload with progress). */
export const getCsrfToken = () => csrfToken;

const SAFE = new Set(['GET', 'HEAD']);

export async function apiFetch(
  method: string,
  path: string,
  init: { json?: unknown; body?: BodyInit; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  if (!SAFE.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  let body = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body ?? null,
      credentials: 'same-origin',
      signal: init.signal ?? null,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', String(e), null);
  }
  if (!res.ok) throw await problemOf(res);
  return res;
}

export async function problemOf(res: Response): Promise<ApiError> {
  let p: Record<string, unknown> = {};
  try {
    p = await res.json();
  } catch {
    // not a problem document (a proxy's page): the status alone says what happened
  }
  const retry = Number(res.headers.get('retry-after'));
  return new ApiError(
    res.status,
    typeof p.code === 'string' ? p.code : `HTTP_${res.status}`,
    typeof p.detail === 'string' ? p.detail : res.statusText,
    typeof p.requestId === 'string' ? p.requestId : res.headers.get('x-request-id'),
    Array.isArray(p.errors) ? (p.errors as TFieldError[]) : [],
    Number.isFinite(retry) && retry > 0 ? retry : null,
  );
}

export async function api<T>(
  method: string,
  path: string,
  json?: unknown,
  init: { signal?: AbortSignal } = {},
): Promise<T> {
  const res = await apiFetch(method, path, { json, ...init });
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A query string from the defined values only; arrays repeat their key. */
export function qs(params: Record<string, string | number | boolean | undefined | null | string[]>) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) u.append(k, x);
    else u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}
