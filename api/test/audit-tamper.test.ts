import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backfillAuditTree } from '../src/audit/audit-tree.ts';
import { generateSignerKey, parseSignerKey, verifierKeyOf } from '../src/audit/checkpoint.ts';
import { verifyAuditLog } from '../src/commands/audit-verify.ts';
import { rowsOf } from '../src/db/client.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

const BASE = 'http://enclave.test';

/**
 * Each test: a log of real actions, a checkpoint the regulator verified and kept, then a change
 * made directly in the database, behind the platform's back, as a database administrator could.
 */
let t: TestApp;
let regulator: string;
let keptFile: string;
let keptSize: number;

const verify = (opts: { key?: string; checkpointFile?: string | null } = {}) =>
  verifyAuditLog({
    url: BASE,
    token: regulator,
    ...(opts.checkpointFile === null ? {} : { checkpointFile: opts.checkpointFile ?? keptFile }),
    ...(opts.key ? { key: opts.key } : {}),
    fetch: async (url, init) => t.app.request(url, init),
  });

const exec = (query: string) => t.deps.db.execute(sql.raw(query));

async function act(n: number, label: string) {
  for (let i = 0; i < n; i++) {
    const res = await t.req('POST', '/v1/orgs', { token: t.adminToken, json: { name: `${label}-${i}` } });
    expect(res.status).toBe(201);
  }
}

async function issue() {
  const res = await t.req('POST', '/v1/audit/checkpoints', { token: t.adminToken });
  expect([200, 201], res.text).toContain(res.status);
  return res;
}

/** What a database administrator who knows the algorithm does to make a change look whole. */
async function rebuildTreeAndForgetCheckpoints() {
  await exec('delete from audit_nodes');
  await exec('delete from audit_checkpoints');
  await backfillAuditTree(t.deps.db);
}

const failure = (r: { ok: boolean; lines: string[] }) => {
  expect(r.ok, r.lines.join('\n')).toBe(false);
  return r.lines.join('\n');
};

beforeEach(async () => {
  t = await createTestApp();
  regulator = (await t.user('regulator')).token;
  await act(12, 'before');
  await issue();
  keptFile = join(mkdtempSync(join(tmpdir(), 'enclave-audit-')), 'checkpoint.txt');
  const first = await verify();
  expect(first.ok, first.lines.join('\n')).toBe(true);
  keptSize = Number(readFileSync(keptFile, 'utf8').split('\n')[1]);
  expect(keptSize).toBeGreaterThan(15);
});
afterEach(() => t.close());

describe('enclave audit verify on an honest log', () => {
  it('accepts a log that only grew, and keeps the new checkpoint for next time', async () => {
    await act(5, 'after');
    await issue();
    const r = await verify();
    expect(r.ok, r.lines.join('\n')).toBe(true);
    expect(r.lines.join('\n')).toContain(`extends the kept one (size ${keptSize} → ${keptSize + 5})`);
    expect(readFileSync(keptFile, 'utf8').split('\n')[1]).toBe(String(keptSize + 5));
    expect((await verify()).ok).toBe(true);
  });

  it('pins the published key: a checkpoint under another key is refused', async () => {
    const other = verifierKeyOf(parseSignerKey(generateSignerKey('enclave.localhost/audit')));
    expect(failure(await verify({ key: other }))).toMatch(/does not verify/);
    const published = (await t.req('GET', '/v1/audit/key')).text.trim();
    expect((await verify({ key: published })).ok).toBe(true);
  });
});

describe('enclave audit verify catches changes made in the database', () => {
  it('one byte of one entry changed', async () => {
    await exec(`update audit_entries set object_id = 'X' || substr(object_id, 2) where seq = 5`);
    expect(failure(await verify())).toMatch(/index 5 /);
    // Even with no kept checkpoint, the latest signed one catches it.
    expect(failure(await verify({ checkpointFile: null }))).toMatch(/index 5 /);
  });

  it('one byte changed and the tree rebuilt to match: the platform will not sign, the kept checkpoint disagrees', async () => {
    await exec(`update audit_entries set details = jsonb_set(details, '{name}', '"forged"') where seq = 7`);
    await exec('delete from audit_nodes');
    await backfillAuditTree(t.deps.db);
    await act(1, 'more');
    const refused = await t.req('POST', '/v1/audit/checkpoints', { token: t.adminToken });
    expect(refused.status).toBe(500);
    expect(refused.json.code).toBe('AUDIT_LOG_INCONSISTENT');
    // Past checkpoints deleted too: the platform signs the rewritten log, the regulator's copy does not match it.
    await exec('delete from audit_checkpoints');
    await issue();
    const out = failure(await verify());
    expect(out).toMatch(/does not extend the kept one|index 7 /);
  });

  it('an entry deleted', async () => {
    await exec('delete from audit_entries where seq = 4');
    expect(failure(await verify())).toMatch(/entry 4 is missing/);
  });

  it('an entry deleted, the rest renumbered and the tree rebuilt', async () => {
    await exec('delete from audit_entries where seq = 4');
    await exec('update audit_entries set seq = seq + 1000000 where seq > 4');
    await exec('update audit_entries set seq = seq - 1000001 where seq > 1000000');
    await exec('update audit_log_state set size = size - 1');
    await rebuildTreeAndForgetCheckpoints();
    await act(3, 'regrown');
    await issue();
    expect(failure(await verify())).toMatch(/does not extend the kept one/);
  });

  it('two entries swapped', async () => {
    await exec('update audit_entries set seq = -1 where seq = 3');
    await exec('update audit_entries set seq = 3 where seq = 9');
    await exec('update audit_entries set seq = 9 where seq = -1');
    expect(failure(await verify())).toMatch(/index 3 /);
  });

  it('an entry inserted in the middle', async () => {
    await exec('update audit_entries set seq = seq + 1000000 where seq >= 6');
    await exec('update audit_entries set seq = seq - 999999 where seq >= 1000000');
    await exec(
      `insert into audit_entries (seq, occurred_at, actor_user_id, actor_org_id, actor_role, action, object_type, object_id, contract_id, dataset_id, outcome, details, request_id)
       select 6, occurred_at, actor_user_id, actor_org_id, actor_role, action, object_type, 'inserted', contract_id, dataset_id, outcome, details, request_id
       from audit_entries where seq = 2`,
    );
    await exec('update audit_log_state set size = size + 1');
    expect(failure(await verify())).toMatch(/index 6 /);
  });

  it('the log truncated', async () => {
    await exec('delete from audit_entries where seq >= 10');
    await exec('update audit_log_state set size = 10');
    expect(failure(await verify())).toMatch(/holds 10 entries but the checkpoint covers/);
    // Truncated everywhere, checkpoints included: the log shrank below the kept checkpoint.
    await exec('delete from audit_nodes where idx >= 0');
    await exec('delete from audit_checkpoints');
    await backfillAuditTree(t.deps.db);
    await issue();
    expect(failure(await verify())).toMatch(/the log shrank/);
  });

  it('the log rolled back to an older state and regrown differently (a fork)', async () => {
    await exec('delete from audit_entries where seq >= 10');
    await exec('update audit_log_state set size = 10');
    await rebuildTreeAndForgetCheckpoints();
    await act(keptSize, 'fork');
    await issue();
    expect(failure(await verify())).toMatch(/does not extend the kept one \(a fork/);
  });

  it('a checkpoint forged without the key (bad signature)', async () => {
    const [latest] = rowsOf<{ note: string }>(
      await t.deps.db.execute(sql`select note from audit_checkpoints order by size desc limit 1`),
    );
    const lines = latest!.note.split('\n');
    lines[2] = Buffer.alloc(32, 7).toString('base64');
    await t.deps.db.execute(sql`update audit_checkpoints set note = ${lines.join('\n')}`);
    expect(failure(await verify())).toMatch(/latest checkpoint does not verify/);
  });

  it('a kept checkpoint file that was edited', async () => {
    const note = readFileSync(keptFile, 'utf8').split('\n');
    note[1] = String(keptSize - 1);
    writeFileSync(keptFile, note.join('\n'));
    expect(failure(await verify())).toMatch(/kept checkpoint .* does not verify/);
  });
});
