import { and, asc, count, desc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOrg as createOrgService } from '../src/accounts/create-org.ts';
import { createApp } from '../src/app.ts';
import { appendAuditEntry } from '../src/audit/append-audit-entry.ts';
import { inclusionProofFor } from '../src/audit/audit-proofs.ts';
import { auditLogSize, auditRootAt, backfillAuditTree } from '../src/audit/audit-tree.ts';
import {
  openCheckpoint,
  parseVerifierKey,
  type TCheckpoint,
  verifierKeyOf,
} from '../src/audit/checkpoint.ts';
import { startCheckpointSchedule } from '../src/audit/checkpoint-schedule.ts';
import { auditRecordOf, encodeAuditRecord, leafHash } from '../src/audit/entry-encoding.ts';
import { getCheckpoint } from '../src/audit/get-checkpoint.ts';
import { issueCheckpoint } from '../src/audit/issue-checkpoint.ts';
import { rootOf, verifyConsistency, verifyInclusion } from '../src/audit/merkle.ts';
import { parseConfig } from '../src/config.ts';
import { auditCheckpoints, auditEntries, auditNodes } from '../src/db/schema/index.ts';
import { createMemoryAuditKeyStore } from '../src/keys/audit-key-store.ts';
import { createLogger } from '../src/lib/logger.ts';
import { createDeps } from '../src/server.ts';
import { createTestApp, createTestDatabase, type TestApp } from './helpers/test-app.ts';

const ORIGIN = 'enclave.localhost/audit';
const codeOf = async (fn: () => unknown): Promise<string> => {
  try {
    await fn();
    return 'none';
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
};
const b64 = (hashes: string[]) => hashes.map((h) => Buffer.from(h, 'base64'));

/** Leaf hashes recomputed from the rows, by the committed encoding alone. */
async function leavesInDb(t: TestApp): Promise<Buffer[]> {
  const rows = await t.deps.db.select().from(auditEntries).orderBy(asc(auditEntries.seq));
  expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i));
  return rows.map((r) => leafHash(encodeAuditRecord(auditRecordOf(r))));
}

async function publishedVerifier(t: TestApp) {
  const res = await t.req('GET', '/v1/audit/key');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  return parseVerifierKey(res.text.trim());
}

async function issue(t: TestApp, token = t.adminToken) {
  const res = await t.req('POST', '/v1/audit/checkpoints', { token });
  expect([200, 201], res.text).toContain(res.status);
  return res;
}

const createOrg = (t: TestApp, name: string) =>
  t.req('POST', '/v1/orgs', { token: t.adminToken, json: { name } });

async function verifyAllAgainst(t: TestApp, checkpoint: TCheckpoint, leaves: Buffer[]) {
  for (let index = 0; index < checkpoint.size; index++) {
    const res = await t.req('GET', `/v1/audit/proofs/inclusion?index=${index}&size=${checkpoint.size}`);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ index, size: checkpoint.size });
    await verifyInclusion(index, checkpoint.size, leaves[index]!, b64(res.json.hashes), checkpoint.rootHash);
  }
}

/**
 * Checkpoints at every size 1..N, one real action (an org, one entry) apart, on an app without the
 * bootstrap admin (whose two entries would skip size 1), and every proof between them.
 */
async function checkEverySize() {
  const { database, drop } = await createTestDatabase();
  try {
    const config = parseConfig({
      LOG_LEVEL: 'silent',
      RATE_LIMIT_ANONYMOUS: '100000',
      ENCLAVE_NOISE_SECRET: '0'.repeat(64),
    });
    const deps = createDeps(config, database, {
      logger: createLogger('silent'),
      auditKey: createMemoryAuditKeyStore(null, ORIGIN),
    });
    const app = createApp(deps);
    const get = async (path: string) => {
      const res = await app.request(path);
      expect(res.status, path).toBe(200);
      return res;
    };
    const verifier = await parseVerifierKey((await (await get('/v1/audit/key')).text()).trim());
    const checkpoints: TCheckpoint[] = [];
    for (let i = 0; i < 13; i++) {
      await createOrgService(deps, null, { name: `every-size-${i}` });
      const { checkpoint, isNew } = await issueCheckpoint(deps);
      expect(isNew).toBe(true);
      checkpoints.push(await openCheckpoint(checkpoint.note, verifier, ORIGIN));
    }
    const rows = await deps.db.select().from(auditEntries).orderBy(asc(auditEntries.seq));
    const leaves = rows.map((r) => leafHash(encodeAuditRecord(auditRecordOf(r))));
    expect(checkpoints.map((c) => c.size)).toEqual(rows.map((r) => r.seq + 1));

    for (const checkpoint of checkpoints) {
      const served = await get(`/v1/audit/checkpoint?size=${checkpoint.size}`);
      const opened = await await openCheckpoint(await served.text(), verifier);
      expect(Buffer.from(opened.rootHash).equals(checkpoint.rootHash)).toBe(true);
      expect(Buffer.from(checkpoint.rootHash).equals(rootOf(leaves.slice(0, checkpoint.size)))).toBe(true);
      for (let index = 0; index < checkpoint.size; index++) {
        const proof = await (
          await get(`/v1/audit/proofs/inclusion?index=${index}&size=${checkpoint.size}`)
        ).json();
        expect(proof).toMatchObject({ index, size: checkpoint.size });
        await verifyInclusion(index, checkpoint.size, leaves[index]!, b64(proof.hashes), checkpoint.rootHash);
      }
    }
    for (const older of checkpoints) {
      for (const newer of checkpoints.filter((c) => c.size >= older.size)) {
        const proof = await (
          await get(`/v1/audit/proofs/consistency?from=${older.size}&to=${newer.size}`)
        ).json();
        expect(proof).toMatchObject({ from: older.size, to: newer.size });
        await verifyConsistency(older.size, newer.size, older.rootHash, newer.rootHash, b64(proof.hashes));
      }
    }
  } finally {
    await drop();
  }
}

describe('audit log: checkpoints and proofs over real actions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('signs a checkpoint whose root is the tree of every entry in the database', async () => {
    await t.user('provider');
    const issued = await issue(t);
    expect(issued.status).toBe(201);
    expect(issued.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const checkpoint = await openCheckpoint(issued.text, await publishedVerifier(t), ORIGIN);
    const leaves = await leavesInDb(t);
    expect(checkpoint.size).toBe(leaves.length);
    expect(Buffer.from(checkpoint.rootHash).equals(rootOf(leaves))).toBe(true);

    const latest = await t.req('GET', '/v1/audit/checkpoint');
    expect(latest.status).toBe(200);
    expect(latest.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(latest.text).toBe(issued.text);
  });

  it('adds no entry when issuing, and issues nothing new while the log has not grown', async () => {
    const first = await issue(t);
    const before = (await leavesInDb(t)).length;
    const again = await issue(t);
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect((await leavesInDb(t)).length).toBe(before);
  });

  it('serves proofs that verify against a signed checkpoint of every size 1..N, and consistency between all', async () => {
    await checkEverySize();
  });

  it('refuses a note checked with another key of the same name, and a checkpoint altered after signing', async () => {
    const note = (await issue(t)).text;
    const ours = await publishedVerifier(t);
    const theirs = await parseVerifierKey(verifierKeyOf(createMemoryAuditKeyStore(null, ORIGIN).signer()));
    expect(await codeOf(() => openCheckpoint(note, theirs))).toBe('NOTE_UNVERIFIED');
    const { size } = await openCheckpoint(note, ours);
    const altered = note.replace(`\n${size}\n`, `\n${size + 1}\n`);
    expect(await codeOf(() => openCheckpoint(altered, ours))).toBe('NOTE_SIGNATURE_INVALID');
    expect(await codeOf(() => openCheckpoint(note, ours, 'another.log/audit'))).toBe('CHECKPOINT_MALFORMED');
  });

  it('serves a past checkpoint exactly as signed, 404 for a size never issued, and 400 for a bad size', async () => {
    const first = await t.deps.db
      .select()
      .from(auditCheckpoints)
      .orderBy(asc(auditCheckpoints.size))
      .limit(1);
    const past = await t.req('GET', `/v1/audit/checkpoint?size=${first[0]!.size}`);
    expect(past.status).toBe(200);
    expect(past.text).toBe(first[0]!.note);
    const never = await t.req('GET', '/v1/audit/checkpoint?size=2');
    expect(never.status).toBe(404);
    expect(never.json.code).toBe('NOT_FOUND');
    for (const bad of ['size=abc', 'size=-1', 'size=1.5', 'size=01', 'size=', 'sise=3']) {
      const res = await t.req('GET', `/v1/audit/checkpoint?${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.json.code, bad).toBe('VALIDATION_FAILED');
    }
  });

  it('lets only the admin and regulators issue checkpoints; anyone may read them and the proofs', async () => {
    const anonymous = await t.req('POST', '/v1/audit/checkpoints');
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.code).toBe('UNAUTHENTICATED');
    const operator = await t.user('operator');
    const forbidden = await t.req('POST', '/v1/audit/checkpoints', { token: operator.token });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.code).toBe('FORBIDDEN');
    const regulator = await t.user('regulator');
    const issued = await issue(t, regulator.token);
    expect(issued.status).toBe(201);
    expect((await t.req('GET', '/v1/audit/checkpoint')).status).toBe(200);
    expect((await t.req('GET', '/v1/audit/proofs/inclusion?index=0&size=1')).status).toBe(200);
    expect((await t.req('GET', '/v1/audit/proofs/consistency?from=1&to=2')).status).toBe(200);
  });

  it('refuses impossible proof queries with a code that says why', async () => {
    const size = (await leavesInDb(t)).length;
    const cases: [string, string][] = [
      [`inclusion?index=${size - 1}&size=${size - 1}`, 'AUDIT_BAD_RANGE'],
      [`inclusion?index=5&size=3`, 'AUDIT_BAD_RANGE'],
      ['inclusion?index=0&size=0', 'AUDIT_BAD_RANGE'],
      [`inclusion?index=0&size=${size + 1}`, 'AUDIT_SIZE_BEYOND_LOG'],
      // Every node of this proof exists; only the leaf itself does not.
      [`inclusion?index=${size}&size=${size + 1}`, 'AUDIT_SIZE_BEYOND_LOG'],
      ['consistency?from=3&to=2', 'AUDIT_BAD_RANGE'],
      ['consistency?from=0&to=2', 'AUDIT_BAD_RANGE'],
      [`consistency?from=1&to=${size + 1}`, 'AUDIT_SIZE_BEYOND_LOG'],
      [`consistency?from=${size + 1}&to=${size + 1}`, 'AUDIT_SIZE_BEYOND_LOG'],
      ['inclusion?index=1.5&size=3', 'VALIDATION_FAILED'],
      ['inclusion?index=-1&size=3', 'VALIDATION_FAILED'],
      ['inclusion?index=1e1&size=30', 'VALIDATION_FAILED'],
      ['inclusion?index=0x1&size=3', 'VALIDATION_FAILED'],
      ['inclusion?index=01&size=3', 'VALIDATION_FAILED'],
      ['inclusion?index=&size=3', 'VALIDATION_FAILED'],
      ['inclusion?size=3', 'VALIDATION_FAILED'],
      ['inclusion?index=0&size=99999999999999999', 'VALIDATION_FAILED'],
      ['inclusion?index=0&size=3&extra=1', 'VALIDATION_FAILED'],
      ['consistency?from=one&to=2', 'VALIDATION_FAILED'],
      ['consistency?from=1', 'VALIDATION_FAILED'],
    ];
    for (const [query, code] of cases) {
      const res = await t.req('GET', `/v1/audit/proofs/${query}`);
      expect(res.status, query).toBe(400);
      expect(res.json.code, query).toBe(code);
    }
    const beyond = await t.req('GET', `/v1/audit/proofs/inclusion?index=0&size=${size + 5}`);
    expect(beyond.json.logSize).toBe(size);
    const named = await t.req('GET', '/v1/audit/proofs/inclusion?index=x&size=3');
    expect(named.json.errors.map((e: { path: string }) => e.path)).toEqual(['query.index']);
    await expect(inclusionProofFor(t.deps.db, 0.5, 3)).rejects.toMatchObject({ code: 'AUDIT_BAD_RANGE' });
  });

  it('keeps the tree whole when an action is refused or its transaction rolls back', async () => {
    expect((await createOrg(t, 'taken-name')).status).toBe(201);
    const before = (await leavesInDb(t)).length;
    expect((await createOrg(t, 'taken-name')).status).toBe(409);
    await expect(
      t.deps.db.transaction(async (tx) => {
        await appendAuditEntry(tx, {
          actor: null,
          action: 'test.rollback',
          objectType: 't',
          objectId: 'x',
          at: new Date(),
        });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await leavesInDb(t)).length).toBe(before);
    const seq = await t.deps.db.transaction((tx) =>
      appendAuditEntry(tx, {
        actor: null,
        action: 'test.details',
        objectType: 't',
        objectId: 'y',
        // What jsonb cannot hold as given: the leaf must hash what is stored.
        details: {
          dropped: undefined,
          at: new Date('2026-01-02T03:04:05.678Z'),
          n: 1.0,
          nested: { b: 2, a: [1, 'ü'] },
        },
        at: new Date(),
      }),
    );
    expect(seq).toBe(before);
    const leaves = await leavesInDb(t);
    expect((await auditRootAt(t.deps.db, leaves.length)).equals(rootOf(leaves))).toBe(true);
  });
});

describe('audit log: concurrency, backfill and tampering', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const perfectSubtreeCount = (n: number) => {
    let total = 0;
    for (let width = 1; width <= n; width *= 2) total += Math.floor(n / width);
    return total;
  };

  it('gives concurrent actions a gap-free order and a consistent tree', async () => {
    const before = (await leavesInDb(t)).length;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => createOrg(t, `parallel-${i}`)));
    for (const r of results) expect(r.status, r.text).toBe(201);
    const leaves = await leavesInDb(t);
    expect(leaves.length).toBe(before + 20);
    const [nodes] = await t.deps.db.select({ n: count() }).from(auditNodes);
    expect(nodes!.n).toBe(perfectSubtreeCount(leaves.length));
    const checkpoint = await openCheckpoint((await issue(t)).text, await publishedVerifier(t), ORIGIN);
    expect(Buffer.from(checkpoint.rootHash).equals(rootOf(leaves))).toBe(true);
    await verifyAllAgainst(t, checkpoint, leaves);
  });

  it('backfills the tree of entries written before it existed, and only once', async () => {
    await createOrg(t, 'before-backfill');
    const leaves = await leavesInDb(t);
    const root = rootOf(leaves);
    await t.deps.db.delete(auditNodes);
    expect(await backfillAuditTree(t.deps.db)).toBe(leaves.length);
    expect(await backfillAuditTree(t.deps.db)).toBe(0);
    expect((await auditRootAt(t.deps.db, leaves.length)).equals(root)).toBe(true);

    // A tree cut short (say, restored from an older backup): only the missing part is rebuilt.
    const keep = 5;
    await t.deps.db
      .delete(auditNodes)
      .where(sql`(${auditNodes.idx} + 1) * power(2, ${auditNodes.level}) > ${keep}`);
    expect(await backfillAuditTree(t.deps.db)).toBe(leaves.length - keep);
    const [nodes] = await t.deps.db.select({ n: count() }).from(auditNodes);
    expect(nodes!.n).toBe(perfectSubtreeCount(leaves.length));
    expect((await auditRootAt(t.deps.db, leaves.length)).equals(root)).toBe(true);
    expect((await createOrg(t, 'after-backfill')).status).toBe(201);
    const after = await leavesInDb(t);
    expect((await auditRootAt(t.deps.db, after.length)).equals(rootOf(after))).toBe(true);
  });

  it('issues checkpoints on its schedule while the log grows, and none when switched off', async () => {
    const every = (ms: number) => ({
      ...t.deps,
      settings: { ...t.deps.settings, audit: { ...t.deps.settings.audit, checkpointIntervalMs: ms } },
    });
    const latestSize = async () => (await getCheckpoint(t.deps.db))?.size ?? 0;
    await createOrg(t, 'scheduled-1');
    const size = await auditLogSize(t.deps.db);
    await startCheckpointSchedule(every(0)).stop();
    expect(await latestSize()).toBeLessThan(size);
    const schedule = startCheckpointSchedule(every(20));
    try {
      await vi.waitFor(async () => expect(await latestSize()).toBe(size));
      await createOrg(t, 'scheduled-2');
      await vi.waitFor(async () => expect(await latestSize()).toBe(size + 1));
    } finally {
      await schedule.stop();
    }
    expect(await auditLogSize(t.deps.db)).toBe(size + 1);
  });

  it('refuses to sign a checkpoint once the stored tree contradicts the last one', async () => {
    await issue(t);
    await createOrg(t, 'after-last-checkpoint');
    // The top perfect subtree is part of every root from its size on, the last checkpoint's too.
    const [top] = await t.deps.db.select().from(auditNodes).orderBy(desc(auditNodes.level)).limit(1);
    const forged = Buffer.from(top!.hash);
    forged[0]! ^= 1;
    const where = and(eq(auditNodes.level, top!.level), eq(auditNodes.idx, top!.idx));
    await t.deps.db.update(auditNodes).set({ hash: forged }).where(where);
    const before = await t.req('GET', '/v1/audit/checkpoint');
    const refused = await t.req('POST', '/v1/audit/checkpoints', { token: t.adminToken });
    expect(refused.status).toBe(500);
    expect(refused.json.code).toBe('AUDIT_LOG_INCONSISTENT');
    expect((await t.req('GET', '/v1/audit/checkpoint')).text).toBe(before.text);
    await t.deps.db.update(auditNodes).set({ hash: top!.hash }).where(where);
    expect((await issue(t)).status).toBe(201);
  });
});
