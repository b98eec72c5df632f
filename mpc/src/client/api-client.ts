import type { TParamSet } from '../params.ts';

/** How the SDK reaches the API: base URL, the operator's token, and `fetch` (global by default). */
export type TMpcApi = { baseUrl: string; token?: string; fetch?: typeof fetch };

/** An API error as the SDK reports it: the problem's code and detail. */
export class MpcApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, detail: string) {
    super(`${status} ${code}: ${detail}`);
    this.name = 'MpcApiError';
    this.status = status;
    this.code = code;
  }
}

/** Calls the API: JSON or bytes in, JSON or bytes out; a problem document becomes an MpcApiError. */
export async function call<T>(
  api: TMpcApi,
  method: string,
  path: string,
  body?: unknown,
  as: 'json' | 'bytes' = 'json',
): Promise<T> {
  const isBytes = body instanceof Uint8Array;
  // Relative to the base, so a base with a path (a reverse proxy's prefix) keeps it.
  const base = api.baseUrl.endsWith('/') ? api.baseUrl : `${api.baseUrl}/`;
  const res = await (api.fetch ?? fetch)(new URL(path.replace(/^\//, ''), base), {
    method,
    headers: {
      ...(api.token ? { authorization: `Bearer ${api.token}` } : {}),
      ...(body === undefined
        ? {}
        : { 'content-type': isBytes ? 'application/octet-stream' : 'application/json' }),
    },
    ...(body === undefined
      ? {}
      : { body: isBytes ? (body as Uint8Array<ArrayBuffer>) : JSON.stringify(body) }),
  });
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
    throw new MpcApiError(res.status, problem.code ?? 'HTTP_ERROR', problem.detail ?? res.statusText);
  }
  return (as === 'bytes' ? new Uint8Array(await res.arrayBuffer()) : await res.json()) as T;
}

/** The parameter sets the platform supports. */
export const fetchParams = async (api: TMpcApi) =>
  (await call<{ items: TParamSet[] }>(api, 'GET', '/v1/mpc/params')).items;
