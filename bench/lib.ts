import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countersignContract, generateSigningKey } from '@enclave/contracts';
import postgres from 'postgres';

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** A fresh database on the server named by DATABASE_URL, dropped by `drop()`. */
export async function freshServerDatabase(url: string) {
  const name = `enclave_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const sql = postgres(u.toString(), { max: 2, onnotice: () => {} });
  return {
    url: u.toString(),
    sql,
    drop: async () => {
      await sql.end();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export type TApiProcess = { url: string; pid: number; child: ChildProcess; stop(): Promise<void> };

/** Starts `enclave start` in its own process, so its memory can be read apart from the bench's. */
export async function startApi(
  env: Record<string, string>,
  opts: { demo?: boolean } = {},
): Promise<TApiProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'enclave-bench-'));
  const child = spawn(process.execPath, ['api/src/cli.ts', 'start', ...(opts.demo ? [] : ['--no-demo'])], {
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`API exited with ${code}: ${out}`)));
  });
  return {
    url,
    pid: child.pid!,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Resident memory of a process in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** Samples a process's RSS every 50 ms until stopped; returns the peak. */
export function watchPeak(pid: number) {
  let peak = rssMiB(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(pid));
    } catch {}
  }, 50);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

/** A JSON call to a running API as the holder of `token`; throws with the answer on a non-2xx. */
export const apiCaller =
  (base: string) =>
  async (method: string, path: string, token: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

/**
 * A provider's published conditional dataset loaded with `csv` (streamed), and an operator with a
 * registered key who can get new active contracts on it (`contract()`; each has its own quota).
 */
export async function licensedDataset(
  url: string,
  adminToken: string,
  d: {
    slug: string;
    columns: Record<string, unknown>[];
    csv: Iterator<string>;
    licensed: string[];
    operations: string[];
    policy: Record<string, unknown>;
  },
) {
  const request = apiCaller(url);
  const call = (method: string, path: string, body?: unknown, token = adminToken) =>
    request(method, path, token, body);
  const userIn = async (role: string, name: string) => {
    const org = await call('POST', '/v1/orgs', { name });
    const user = await call('POST', '/v1/users', { orgId: org.id, name, role });
    const { token } = await call('POST', `/v1/users/${user.id}/tokens`, { label: 'bench' });
    return { orgId: org.id as string, token: token as string };
  };
  const provider = await userIn('provider', `${d.slug}-provider`);
  const operator = await userIn('operator', `${d.slug}-operator`);
  const ds = await call(
    'POST',
    '/v1/datasets',
    {
      slug: d.slug,
      title: '基准数据',
      description: 'bench',
      theme: 'social-security',
      updateFrequency: 'monthly',
      license: '授权运营',
      classification: 3,
      openness: 'conditional',
      sharing: 'conditional',
      sharingBasis: '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条',
      columns: d.columns,
    },
    provider.token,
  );
  const upload = await time(async () => {
    const up = await fetch(`${url}/v1/datasets/${ds.id}/data`, {
      method: 'POST',
      headers: { authorization: `Bearer ${provider.token}`, 'content-type': 'text/csv' },
      body: new ReadableStream({
        pull(c) {
          const n = d.csv.next();
          if (n.done) c.close();
          else c.enqueue(new TextEncoder().encode(n.value));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    if (up.status !== 201) throw new Error(`upload ${up.status} ${await up.text()}`);
  });
  await call('POST', `/v1/datasets/${ds.id}/submit`, undefined, provider.token);
  await call('POST', `/v1/datasets/${ds.id}/review`, { decision: 'approve' });
  const key = await generateSigningKey();
  await call('POST', `/v1/orgs/${operator.orgId}/keys`, { jwk: key.publicJwk }, operator.token);
  /** A new active contract on the dataset: its id. */
  const contract = async (): Promise<string> => {
    const now = Date.now();
    const application = await call(
      'POST',
      '/v1/applications',
      {
        datasets: [{ datasetId: ds.id, columns: d.licensed }],
        purpose: 'bench',
        scenario: 'bench',
        operations: d.operations,
        term: {
          notBefore: new Date(now - 86_400_000).toISOString(),
          notAfter: new Date(now + 86_400_000).toISOString(),
        },
      },
      operator.token,
    );
    const decided = await call(
      'POST',
      `/v1/applications/${application.id}/decisions`,
      { datasetId: ds.id, decision: 'approve', policy: d.policy },
      provider.token,
    );
    const doc = await call('GET', `/v1/contracts/${decided.contractId}`, undefined, operator.token);
    await call(
      'POST',
      `/v1/contracts/${decided.contractId}/countersign`,
      await countersignContract(doc.jws, key),
      operator.token,
    );
    return decided.contractId as string;
  };
  return { call, provider, operator, datasetId: ds.id as string, uploadMs: upload.ms, contract };
}
