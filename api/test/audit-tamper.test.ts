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

const verify = (
  opts: {
    key?: string;
    checkpointFile?: string | null;
    token?: string;
    fetch?: (url: string, init?: RequestInit) => Promise<Response>;
  } = {},
) =>
  verifyAuditLog({
    url: BASE,
    token: opts.token ?? regulator,
    ...(opts.checkpointFile === null ? {} : { checkpointFile: opts.checkpointFile ?? keptFile }),
    ...(opts.key ? { key: opts.key } : {}),
    fetch: opts.fetch ?? (async (url, init) => t.app.request(url, init)),
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

/** Inserts a copy of entry 2, changed, at `index`, the entries from there on moved up one. */
async function insertCopyAt(index: number) {
  await shift(index, 1);
  await exec(
    `insert into audit_entries (seq, occurred_at, actor_user_id, actor_org_id, actor_role, action, object_type, object_id, contract_id, dataset_id, outcome, details, request_id)
     select ${index}, occurred_at, actor_user_id, actor_org_id, actor_role, action, object_type, 'inserted', contract_id, dataset_id, outcome, details, request_id
     from audit_entries where seq = 2`,
  );
}

/** What a database administrator who knows the algorithm does to make a change look whole. */
async function rebuildTreeAndForgetCheckpoints() {
  await exec('delete from audit_nodes');
  await exec('delete from audit_checkpoints');
  await backfillAuditTree(t.deps.db);
}

/** The output of a failed run, which must end with NOT VERIFIED and one sentence saying what to do. */
const failure = (r: { ok: boolean; lines: string[] }) => {
  const out = r.lines.join('\n');
  expect(r.ok, out).toBe(false);
  expect(r.lines.at(-2), out).toBe('NOT VERIFIED');
  expect(r.lines.at(-1), out).toMatch(/^[A-Z][^\n]*\.$/);
  expect(out).not.toMatch(/^FAIL (GET|HTTP)/m);
  return out;
};
const action = (r: { lines: string[] }) => r.lines.at(-1)!;
const distrustAfter = (index: number) =>
  `Do not trust this log after entry ${index}; keep the checkpoint file ${keptFile} as evidence and report to the platform operator.`;

/** Moves entries `from` and later by `by` (negative: back), as an administrator renumbering around a change. */
async function shift(from: number, by: number) {
  await exec(`update audit_entries set seq = seq + 1000000 where seq >= ${from}`);
  await exec(`update audit_entries set seq = seq - 1000000 + ${by} where seq >= 1000000`);
  await exec(`update audit_log_state set size = size + ${by}`);
}

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

  it('keeps, beside the signed note, the hash of each entry it verified', async () => {
    const kept = readFileSync(keptFile, 'utf8').split('\n');
    const header = kept.findIndex((l) => l.startsWith('# leaf hashes'));
    expect(header).toBeGreaterThan(3);
    expect(kept.slice(header + 1).filter(Boolean)).toHaveLength(keptSize);
  });

  it('pins the published key: a checkpoint under another key is refused', async () => {
    const other = verifierKeyOf(parseSignerKey(generateSignerKey('enclave.localhost/audit')));
    const r = await verify({ key: other });
    expect(failure(r)).toMatch(/does not verify/);
    expect(action(r)).toMatch(/^Check that --key is the key the platform publishes/);
    const published = (await t.req('GET', '/v1/audit/key')).text.trim();
    expect((await verify({ key: published })).ok).toBe(true);
  });
});

describe('enclave audit verify names what was changed in the database', () => {
  it('one byte of one entry changed', async () => {
    await exec(`update audit_entries set object_id = 'X' || substr(object_id, 2) where seq = 5`);
    const r = await verify();
    expect(failure(r)).toMatch(
      /^FAIL the log is no longer what you verified: entry 5's content differs from what was signed$/m,
    );
    expect(action(r)).toBe(distrustAfter(4));
    // With no kept checkpoint, only the latest root: a range, its start confirmed by the platform's
    // own proofs (which cannot make a changed entry agree with the signed root).
    const alone = await verify({ checkpointFile: null });
    expect(failure(alone)).toMatch(new RegExp(`the first break lies in entries 5–${keptSize - 1}`));
    expect(failure(alone)).toMatch(/entries 0–4 are confirmed/);
    expect(action(alone)).toMatch(/^Do not trust this log after entry 4; keep this output as evidence/);
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
    const r = await verify();
    const out = failure(r);
    expect(out).toMatch(/entry 7's content differs from what was signed/);
    expect(out).toMatch(/signs the altered log: its Merkle tree was rebuilt/);
    expect(action(r)).toBe(distrustAfter(6));
  });

  it('an entry deleted', async () => {
    await exec('delete from audit_entries where seq = 4');
    const r = await verify();
    expect(failure(r)).toMatch(/entry 4 was deleted: the entries jump from 3 to 5/);
    expect(action(r)).toBe(distrustAfter(3));
    expect(failure(await verify({ checkpointFile: null }))).toMatch(
      /entry 4 was deleted: the entries jump from 3 to 5/,
    );
  });

  it('an entry deleted, the rest renumbered and the tree rebuilt', async () => {
    await exec('delete from audit_entries where seq = 4');
    await shift(5, -1);
    await rebuildTreeAndForgetCheckpoints();
    await act(3, 'regrown');
    await issue();
    const r = await verify();
    const out = failure(r);
    expect(out).toMatch(
      /entry 4 was deleted, and the entries after it renumbered to hide the gap \(what was entry 5 is now entry 4\)/,
    );
    expect(out).toMatch(/signs the altered log/);
    expect(action(r)).toBe(distrustAfter(3));
  });

  it('two entries deleted in the middle, renumbered, the tree rebuilt', async () => {
    await exec('delete from audit_entries where seq in (8, 9)');
    await shift(10, -2);
    await rebuildTreeAndForgetCheckpoints();
    await issue();
    const r = await verify();
    expect(failure(r)).toMatch(/entries 8–9 were deleted, .*what was entry 10 is now entry 8/);
    expect(action(r)).toBe(distrustAfter(7));
  });

  it('two entries swapped', async () => {
    await exec('update audit_entries set seq = -1 where seq = 3');
    await exec('update audit_entries set seq = 3 where seq = 9');
    await exec('update audit_entries set seq = 9 where seq = -1');
    const r = await verify();
    expect(failure(r)).toMatch(/: entries 3 and 9 appear swapped$/m);
    expect(action(r)).toBe(distrustAfter(2));
  });

  it('two adjacent entries swapped and the tree rebuilt', async () => {
    await exec('update audit_entries set seq = -1 where seq = 6');
    await exec('update audit_entries set seq = 6 where seq = 7');
    await exec('update audit_entries set seq = 7 where seq = -1');
    await rebuildTreeAndForgetCheckpoints();
    await issue();
    const r = await verify();
    expect(failure(r)).toMatch(/entries 6 and 7 appear swapped/);
    expect(action(r)).toBe(distrustAfter(5));
  });

  it('an entry inserted in the middle', async () => {
    await insertCopyAt(6);
    const r = await verify();
    expect(failure(r)).toMatch(/an entry was inserted at index 6, .*what was entry 6 is now entry 7/);
    expect(action(r)).toBe(distrustAfter(5));
  });

  it('an entry inserted in the middle and the tree rebuilt', async () => {
    await insertCopyAt(11);
    await rebuildTreeAndForgetCheckpoints();
    await issue();
    const r = await verify();
    const out = failure(r);
    expect(out).toMatch(/an entry was inserted at index 11, .*what was entry 11 is now entry 12/);
    expect(out).toMatch(/signs the altered log/);
    expect(action(r)).toBe(distrustAfter(10));
  });

  it('the log truncated', async () => {
    await exec('delete from audit_entries where seq >= 10');
    await exec('update audit_log_state set size = 10');
    const truncated = new RegExp(
      `the log now has 10 entries but the checkpoint you kept covers ${keptSize}: ${keptSize - 10} entries were removed from the end \\(truncation\\)`,
    );
    const r = await verify();
    expect(failure(r)).toMatch(truncated);
    expect(action(r)).toBe(distrustAfter(9));
    // Truncated everywhere, checkpoints included: the platform signs the shorter log.
    await exec('delete from audit_nodes where idx >= 0');
    await exec('delete from audit_checkpoints');
    await backfillAuditTree(t.deps.db);
    await issue();
    const again = await verify();
    expect(failure(again)).toMatch(truncated);
    expect(failure(again)).toMatch(/latest checkpoint covers only 10 entries/);
    expect(action(again)).toBe(distrustAfter(9));
  });

  it('the log truncated below a signed size and its tree cut: a diagnosis, not an HTTP 400', async () => {
    await act(3, 'after');
    await issue();
    await exec('delete from audit_entries where seq >= 10');
    await exec('update audit_log_state set size = 10');
    await exec('delete from audit_nodes');
    await backfillAuditTree(t.deps.db);
    const r = await verify();
    const out = failure(r);
    expect(out).toMatch(/10 entries but the checkpoint you kept covers .*\(truncation\)/);
    expect(out).not.toMatch(/HTTP 400|AUDIT_SIZE_BEYOND_LOG/);
    expect(action(r)).toBe(distrustAfter(9));
    const alone = await verify({ checkpointFile: null });
    expect(failure(alone)).toMatch(
      new RegExp(`the log now has 10 entries but the latest checkpoint covers ${keptSize + 3}: entries 10–`),
    );
    expect(failure(alone)).not.toMatch(/HTTP 400|AUDIT_SIZE_BEYOND_LOG/);
  });

  it('the log rolled back to an older state and regrown differently (a fork)', async () => {
    await exec('delete from audit_entries where seq >= 10');
    await exec('update audit_log_state set size = 10');
    await rebuildTreeAndForgetCheckpoints();
    await act(keptSize, 'fork');
    await issue();
    const r = await verify();
    expect(failure(r)).toMatch(
      new RegExp(`the log was rewritten from entry 10 on: none of entries 10–${keptSize - 1} .*\\(a fork`),
    );
    expect(action(r)).toBe(distrustAfter(9));
  });

  it('every checkpoint deleted: the platform no longer serves the size it signed', async () => {
    await exec('delete from audit_checkpoints');
    const r = await verify();
    expect(failure(r)).toMatch(
      new RegExp(`serves no signed checkpoint, though it signed the one of size ${keptSize}`),
    );
    expect(action(r)).toMatch(/^Do not trust any entry of this log; keep the checkpoint file/);
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
    const r = await verify();
    expect(failure(r)).toMatch(/kept checkpoint .* does not verify/);
    expect(action(r)).toMatch(/restore the checkpoint file from a copy you trust/);
  });

  it('kept entry hashes that were edited are not trusted: the change is placed in a range', async () => {
    const kept = readFileSync(keptFile, 'utf8').split('\n');
    const header = kept.findIndex((l) => l.startsWith('# leaf hashes'));
    kept[header + 3] = Buffer.alloc(32, 1).toString('base64');
    writeFileSync(keptFile, kept.join('\n'));
    await exec(`update audit_entries set object_id = 'X' || substr(object_id, 2) where seq = 5`);
    const out = failure(await verify());
    expect(out).toMatch(/entry hashes in .* do not re-derive its signed root; they are not used/);
    expect(out).toMatch(new RegExp(`the first break lies in entries 5–${keptSize - 1}`));
  });
});

describe('enclave audit verify explains a platform that does not answer', () => {
  it('a refused token', async () => {
    const r = await verify({ token: `enc_${'x'.repeat(43)}` });
    expect(failure(r)).toMatch(/the platform refused the token \(GET \/v1\/audit\/export.*HTTP 401/);
    expect(action(r)).toMatch(/--token/);
  });

  it('a platform that fails or cannot be reached', async () => {
    const failing = await verify({
      fetch: async (url, init) =>
        url.includes('/export') ? new Response('boom', { status: 502 }) : t.app.request(url, init),
    });
    expect(failure(failing)).toMatch(/the platform failed to answer/);
    expect(action(failing)).toMatch(/^Run again later/);
    const unreachable = await verify({
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    expect(failure(unreachable)).toMatch(/could not reach the platform/);
    expect(action(unreachable)).toBe('Check the URL and the network, then run again.');
  });
});
