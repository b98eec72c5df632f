import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf } from '../src/db/client.ts';
import type { TDemoToken } from '../src/demo/demo-tokens.ts';
import { auditWitness } from './faults/audit-witness.ts';
import { csvRows, gatedCsv } from './faults/gated-upload.ts';
import { retrying } from './faults/retrying.ts';
import { type ApiProcess, startApi } from './helpers/api-process.ts';
import { datasetBody } from './helpers/datasets.ts';
import { createTestDatabase } from './helpers/test-app.ts';

/**
 * The API process is killed (SIGKILL: no clean-up of any kind) in the middle of an upload and of
 * a sandbox run, then started again on the same data: the embedded database in DATA_DIR, or a
 * fresh database on the server DATABASE_URL names when it is set.
 */
const ADMIN = `enc_${'k'.repeat(43)}`;
let env: Record<string, string>;
let api: ApiProcess;
let dropDb: () => Promise<void> = async () => {};
let tokens: TDemoToken[];
let witness: ReturnType<typeof auditWitness>;

const tokenOf = (role: string) => tokens.find((x) => x.role === role)!.token;

const call = (path: string, init: RequestInit & { token?: string; json?: unknown } = {}) => {
  const { token, json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  if (json !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${api.url}${path}`, {
    ...rest,
    headers,
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
};

const upload = (id: string, body: BodyInit) =>
  call(`/v1/datasets/${id}/data`, {
    method: 'POST',
    token: tokenOf('provider'),
    headers: { 'content-type': 'text/csv' },
    body,
    duplex: 'half',
  } as RequestInit & { token: string });

/** The same deployment again: same DATA_DIR, same database. */
async function restart() {
  api = await startApi(env);
}

/** Rows physically in a dataset's generation table by the version that wrote them, read directly. */
async function rowsByVersion(tableName: string) {
  await api.stop();
  const database = await openDatabase(
    env.DATABASE_URL ? { url: env.DATABASE_URL } : { dataDir: env.DATA_DIR! },
  );
  try {
    return rowsOf<{ v: number; n: string }>(
      await database.db.execute(
        sql`select _v as v, count(*) as n from ${sql.identifier('enclave_data')}.${sql.identifier(tableName)} group by _v order by _v`,
      ),
    ).map((r) => [r.v, Number(r.n)]);
  } finally {
    await database.close();
    await restart();
  }
}

async function expectAuditVerifies() {
  const r = await witness.verify();
  expect(r.ok, r.lines.join('\n')).toBe(true);
  expect(r.lines.join('\n')).toContain('extends the kept one');
}

beforeAll(async () => {
  env = {
    DATA_DIR: mkdtempSync(join(tmpdir(), 'enclave-kill-')),
    PORT: '0',
    LOG_LEVEL: 'warn',
    ENCLAVE_BOOTSTRAP_TOKEN: ADMIN,
    SANDBOX_EXECUTORS: '1',
  };
  if (process.env.DATABASE_URL) {
    const server = await createTestDatabase();
    env.DATABASE_URL = server.url!;
    dropDb = server.drop;
  }
  await restart();
  tokens = JSON.parse(readFileSync(join(env.DATA_DIR!, 'demo-tokens.json'), 'utf8'));
  witness = auditWitness({
    // The port changes with each start.
    url: 'http://enclave.api',
    fetch: (u, init) => fetch(u.replace('http://enclave.api', api.url), init),
    regulatorToken: ADMIN,
    adminToken: ADMIN,
  });
});
afterAll(async () => {
  await api?.stop();
  await dropDb();
});

describe(`the API process is killed (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded PGlite'})`, () => {
  it('in the middle of an upload: nothing of it visible after the restart, and the upload then succeeds', async () => {
    const created = await call('/v1/datasets', {
      method: 'POST',
      token: tokenOf('provider'),
      json: datasetBody(),
    });
    expect(created.status).toBe(201);
    const id = (await created.json()).id as string;
    expect((await upload(id, csvRows(1_000))).status).toBe(201);
    await witness.keep();

    const body = gatedCsv(300_000, 200_000);
    const answer = upload(id, body.body).catch((err: unknown) => err);
    await body.atGate;
    await api.kill();
    expect(await answer).toBeInstanceOf(Error);
    body.open();
    await restart();

    const seen = await (await call(`/v1/datasets/${id}`, { token: tokenOf('provider') })).json();
    expect(seen).toMatchObject({ currentVersion: 1, rowCount: 1_000 });
    const retried = await retrying(() => upload(id, csvRows(300_000)));
    expect(retried.status, await retried.clone().text()).toBe(201);
    expect(await retried.json()).toMatchObject({ version: 2, rowCount: 301_000, addedRows: 300_000 });
    // No row of the killed upload is left beside the retried one's.
    expect(await rowsByVersion(`${id}_v1`)).toEqual([
      [1, 1_000],
      [2, 300_000],
    ]);
    await expectAuditVerifies();
  });

  it('in the middle of a sandbox run: after the restart the run has failed with SANDBOX_CRASHED, and runs run again', async () => {
    const operator = tokenOf('operator');
    const contracts = (await (await call('/v1/contracts', { token: operator })).json()).items as {
      id: string;
      state: string;
    }[];
    const contract = contracts.find((c) => c.state === 'active')!;
    const session = await call('/v1/sandbox/sessions', {
      method: 'POST',
      token: operator,
      json: { contractId: contract.id },
    });
    expect(session.status).toBe(201);
    const sessionId = (await session.json()).id as string;
    await witness.keep();
    const submit = (script: string) =>
      call(`/v1/sandbox/sessions/${sessionId}/runs`, {
        method: 'POST',
        token: operator,
        json: { target: 'dummy', script },
      });
    const getRun = async (runId: string) =>
      (await call(`/v1/sandbox/runs/${runId}`, { token: operator })).json();
    const settled = async (runId: string, status: string) => {
      await expect
        .poll(async () => (await getRun(runId)).status, { timeout: 30_000, interval: 100 })
        .toBe(status);
      return getRun(runId);
    };

    const submitted = await submit('let x = 0; for (;;) x++;');
    expect(submitted.status).toBe(202);
    const runId = (await submitted.json()).id as string;
    await settled(runId, 'running');
    await api.kill();
    await restart();

    expect(await settled(runId, 'failed')).toMatchObject({ errorCode: 'SANDBOX_CRASHED' });
    const again = await submit('return 6 * 7;');
    expect(again.status).toBe(202);
    expect(await settled((await again.json()).id, 'succeeded')).toMatchObject({ result: 42 });
    await expectAuditVerifies();
  });
});
