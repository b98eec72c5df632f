import { and, eq, gte, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.ts';
import { auditEntries, datasetVersions, orgs, sandboxRuns } from '../src/db/schema/index.ts';
import { auditWitness } from './faults/audit-witness.ts';
import { csvRows, gatedCsv } from './faults/gated-upload.ts';
import { expectUnavailable, retrying, within } from './faults/retrying.ts';
import { publishDataset } from './helpers/datasets.ts';
import { type PgInstance, pgBinDir, startPgInstance } from './helpers/pg-instance.ts';
import { runScript, sandboxSession } from './helpers/sandbox.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

/**
 * The PostgreSQL server restarts under the API: in the middle of an upload, of a sandbox run and
 * of a burst of audited actions. The server is this file's own (pg_ctl in a temporary folder),
 * whatever DATABASE_URL says; the API runs in this process, as `npm start` would run it on it.
 */
const BASE = 'http://enclave.test';

let pg: PgInstance;
let t: TestApp;
let provider: { token: string };
let witness: ReturnType<typeof auditWitness>;

const request = async (path: string, init: RequestInit & { token?: string } = {}): Promise<Response> => {
  const { token, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return t.app.request(path, { ...rest, headers });
};

const upload = (id: string, body: BodyInit) =>
  request(`/v1/datasets/${id}/data`, {
    method: 'POST',
    token: provider.token,
    headers: { 'content-type': 'text/csv' },
    body,
    duplex: 'half',
  } as RequestInit & { token: string });

/** What readers see of a dataset: its entry and a count of its rows through the open-data API. */
async function visible(id: string) {
  const entry = await (await request(`/v1/datasets/${id}`, { token: provider.token })).json();
  const counted = await request(`/v1/open/${id}/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ aggregates: [{ fn: 'count', as: 'n' }] }),
  });
  return {
    version: entry.currentVersion,
    rowCount: entry.rowCount,
    counted: (await counted.json()).rows[0][0],
  };
}

/** Rows physically in a generation table, by the version that wrote them. */
async function rowsByVersion(tableName: string) {
  return rowsOf<{ v: number; n: string }>(
    await t.deps.db.execute(
      sql`select _v as v, count(*) as n from ${sql.identifier('enclave_data')}.${sql.identifier(tableName)} group by _v order by _v`,
    ),
  ).map((r) => [r.v, Number(r.n)]);
}

/** Stops the server, checks what callers get meanwhile, starts it again and waits until the API answers. */
async function outage(during: () => Promise<void> = async () => {}) {
  await pg.stop('fast');
  try {
    await expectUnavailable(await request('/v1/datasets'));
    await expectUnavailable(await request('/v1/me', { token: provider.token }));
    await during();
  } finally {
    await pg.start();
  }
  const health = await retrying(() => request('/v1/health'), 30_000);
  expect(health.status).toBe(200);
}

async function expectAuditVerifies() {
  const r = await witness.verify();
  expect(r.ok, r.lines.join('\n')).toBe(true);
  expect(r.lines.join('\n')).toContain('extends the kept one');
}

describe.skipIf(!pgBinDir())('the database server restarts under the API', () => {
  beforeAll(async () => {
    pg = await startPgInstance();
    // createTestApp makes the test's database on the server DATABASE_URL names: here, our own.
    const shared = process.env.DATABASE_URL;
    process.env.DATABASE_URL = pg.url();
    try {
      t = await createTestApp({ sandbox: 1 });
    } finally {
      if (shared === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = shared;
    }
    provider = await t.user('provider');
    const regulator = await t.user('regulator');
    witness = auditWitness({
      url: BASE,
      fetch: async (url, init) => t.app.request(url, init),
      regulatorToken: regulator.token,
      adminToken: t.adminToken,
    });
  });
  afterAll(async () => {
    await t?.close();
    await pg?.destroy();
  });

  it('in the middle of an upload: 503 at once, nothing of it visible, and the same upload then succeeds', async () => {
    const id = await publishDataset(t, provider.token);
    expect((await upload(id, csvRows(1_000))).status).toBe(201);
    await witness.keep();

    const body = gatedCsv(300_000, 200_000);
    const answer = upload(id, body.body);
    await body.atGate;
    const [pending] = await t.deps.db
      .select()
      .from(datasetVersions)
      .where(and(eq(datasetVersions.datasetId, id), eq(datasetVersions.status, 'pending')));
    expect(pending?.version).toBe(2);

    await outage(async () => {
      // The client still has rows to send; the upload is refused without waiting for them.
      await expectUnavailable(await within(answer, 20_000, 'the upload cut off by the restart'));
    });
    body.open();

    expect(await visible(id)).toEqual({ version: 1, rowCount: 1_000, counted: 1_000 });
    const retried = await retrying(() => upload(id, csvRows(300_000)));
    expect(retried.status, await retried.clone().text()).toBe(201);
    expect(await retried.json()).toMatchObject({ version: 2, rowCount: 301_000, addedRows: 300_000 });
    expect(await visible(id)).toEqual({ version: 2, rowCount: 301_000, counted: 301_000 });
    expect(await rowsByVersion(`${id}_v1`)).toEqual([
      [1, 1_000],
      [2, 300_000],
    ]);
    const versions = await t.deps.db
      .select({ version: datasetVersions.version, status: datasetVersions.status })
      .from(datasetVersions)
      .where(eq(datasetVersions.datasetId, id))
      .orderBy(datasetVersions.version);
    expect(versions).toEqual([
      { version: 1, status: 'committed' },
      { version: 2, status: 'committed' },
    ]);
    await expectAuditVerifies();
  });

  it('in the middle of a sandbox run: the run ends failed with DATABASE_UNAVAILABLE, and the worker takes runs again', async () => {
    const s = await sandboxSession(t);
    await witness.keep();
    // The fault lands while an executor runs the script: its outcome is to be recorded after.
    const pool = t.sandbox!.pool;
    const run = pool.run;
    const handed = signal();
    const down = signal();
    const executed = signal();
    pool.run = async (job) => {
      handed.fire();
      const out = await run(job);
      await down.fired;
      executed.fire();
      return out;
    };
    try {
      const submitted = await request(`/v1/sandbox/sessions/${s.sessionId}/runs`, {
        method: 'POST',
        token: s.op.token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          target: 'dummy',
          script: 'let x = 0; for (let i = 0; i < 1e7; i++) x += i; return 1;',
        }),
      });
      expect(submitted.status).toBe(202);
      const runId = (await submitted.json()).id as string;
      await handed.fired;
      expect((await runRow(runId)).status).toBe('running');
      await outage(async () => {
        down.fire();
        await within(executed.fired, 30_000, 'the run in the executor');
        await expectUnavailable(await request(`/v1/sandbox/runs/${runId}`, { token: s.op.token }));
      });
      await expect
        .poll(async () => (await runRow(runId)).status, { timeout: 30_000, interval: 200 })
        .toBe('failed');
      const seen = await (await request(`/v1/sandbox/runs/${runId}`, { token: s.op.token })).json();
      expect(seen).toMatchObject({ status: 'failed', errorCode: 'DATABASE_UNAVAILABLE' });
      const logged = await t.deps.db
        .select({ outcome: auditEntries.outcome, details: auditEntries.details })
        .from(auditEntries)
        .where(and(eq(auditEntries.objectId, runId), eq(auditEntries.action, 'sandbox.run_finish')));
      expect(logged).toEqual([
        { outcome: 'failed', details: expect.objectContaining({ errorCode: 'DATABASE_UNAVAILABLE' }) },
      ]);
    } finally {
      pool.run = run;
    }
    const after = await runScript(t, s, 'return 41 + 1;', { target: 'dummy' });
    expect(after.run).toMatchObject({ status: 'succeeded', result: 42 });
    await expectAuditVerifies();
  });

  it('in the middle of a burst of audited actions: each action is logged exactly when it happened', async () => {
    const keptSize = await witness.keep();
    const orgIds = async () => (await t.deps.db.select({ id: orgs.id }).from(orgs)).map((o) => o.id);
    const before = new Set(await orgIds());
    const answers: { status: number; id?: string; res: Response }[] = [];
    let isBursting = true;
    const created = () => answers.filter((a) => a.status === 201).length;
    const refused = () => answers.filter((a) => a.status === 503).length;
    const burst = async (lane: number) => {
      for (let i = 0; isBursting; i++) {
        const res = await request('/v1/orgs', {
          method: 'POST',
          token: t.adminToken,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: `burst-${lane}-${i}` }),
        });
        const body = res.status === 201 ? await res.clone().json() : undefined;
        answers.push({ status: res.status, id: body?.id, res });
        if (res.status === 503) await new Promise((r) => setTimeout(r, 50));
      }
    };
    const lanes = [0, 1, 2, 3].map(burst);
    await expect.poll(created, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(20);
    const createdBefore = created();
    await outage(async () => {
      await expect.poll(refused, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(8);
    });
    await expect.poll(created, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(createdBefore + 20);
    isBursting = false;
    await Promise.all(lanes);

    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([201, 503]));
    for (const a of answers.filter((x) => x.status === 503)) await expectUnavailable(a.res);
    // Every org made in the burst was logged once, every one logged is there, and every one
    // acknowledged to its caller is there.
    const made = (await orgIds()).filter((id) => !before.has(id));
    const logged = (
      await t.deps.db
        .select({ id: auditEntries.objectId })
        .from(auditEntries)
        .where(and(eq(auditEntries.action, 'org.create'), gte(auditEntries.seq, keptSize)))
    ).map((e) => e.id);
    expect(logged.length).toBe(new Set(logged).size);
    expect(new Set(logged)).toEqual(new Set(made));
    const acknowledged = answers.flatMap((a) => (a.id ? [a.id] : []));
    expect(made).toEqual(expect.arrayContaining(acknowledged));
    await expectAuditVerifies();
  });
});

function signal() {
  let fire: () => void = () => {};
  const fired = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { fire, fired };
}

async function runRow(id: string) {
  const [row] = await t.deps.db.select().from(sandboxRuns).where(eq(sandboxRuns.id, id));
  if (!row) throw new Error(`no run ${id}`);
  return row;
}
