import { createHash } from 'node:crypto';
import { canonicalize, canonicalizeParsed } from '@enclave/contracts';
import { sql } from 'drizzle-orm';
import { bigint, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { appendAuditEntry, type TAuditEntry } from '../api/src/audit/append-audit-entry.ts';
import { consistencyProofFor, inclusionProofFor } from '../api/src/audit/audit-proofs.ts';
import { auditLogSize, auditRootAt, backfillAuditTree, readNodes } from '../api/src/audit/audit-tree.ts';
import { auditLeafHash, leafHash, type TAuditRow } from '../api/src/audit/entry-encoding.ts';
import {
  createTreeBuilder,
  equalHashes,
  verifyConsistency,
  verifyInclusion,
} from '../api/src/audit/merkle.ts';
import { verifyAuditLog } from '../api/src/commands/audit-verify.ts';
import { type Database, type Db, openDatabase } from '../api/src/db/client.ts';
import { migrateDatabase } from '../api/src/db/migrate.ts';
import { freshServerDatabase, percentile, startApi, time } from './lib.ts';

const APPENDS = Number(process.env.BENCH_AUDIT_APPENDS ?? 2000);
const TREE_SIZE = Number(process.env.BENCH_AUDIT_ENTRIES ?? 1_000_000);
const PROOFS = Number(process.env.BENCH_AUDIT_PROOFS ?? 2000);
const TOKEN = `enc_${'t'.repeat(43)}`;

/** The columns of audit_entries again, in a table with no tree: the plain-insert baseline. */
const plainEntries = pgTable('bench_plain_entries', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
  actorUserId: text('actor_user_id'),
  actorOrgId: text('actor_org_id'),
  actorRole: text('actor_role'),
  action: text('action').notNull(),
  objectType: text('object_type').notNull(),
  objectId: text('object_id').notNull(),
  contractId: text('contract_id'),
  datasetId: text('dataset_id'),
  outcome: text('outcome').notNull(),
  details: jsonb('details').notNull(),
  requestId: text('request_id'),
});
/** The counter of the append before the tree existed (UPDATE … RETURNING, then INSERT). */
const plainState = pgTable('bench_plain_state', {
  id: integer('id').primaryKey(),
  size: bigint('size', { mode: 'number' }).notNull(),
});

const round = (x: number, digits = 0) => Number(x.toFixed(digits));

function entryAt(i: number): TAuditEntry {
  return {
    actor: {
      userId: `usr_bench${i % 97}`,
      orgId: `org_bench${i % 13}`,
      role: 'operator',
      tokenId: 'tok_bench',
    },
    action: 'sandbox.run_finish',
    objectType: 'sandbox_run',
    objectId: `run_bench${i}`,
    contractId: `ct_bench${i % 31}`,
    datasetId: `ds_bench${i % 7}`,
    details: {
      status: 'succeeded',
      cpuMs: 1200 + (i % 500),
      resultSha256: 'ab'.repeat(32),
      cells: 40 + (i % 9),
    },
    requestId: `req_${i}`,
    at: new Date(Date.UTC(2026, 0, 1) + i * 1000),
  };
}

const rowOf = (e: TAuditEntry, seq: number) => ({
  seq,
  occurredAt: e.at,
  actorUserId: e.actor?.userId ?? null,
  actorOrgId: e.actor?.orgId ?? null,
  actorRole: e.actor?.role ?? null,
  action: e.action,
  objectType: e.objectType,
  objectId: e.objectId,
  contractId: e.contractId ?? null,
  datasetId: e.datasetId ?? null,
  outcome: e.outcome ?? 'success',
  details: e.details ?? {},
  requestId: e.requestId ?? null,
});

/** Appends per second of three ways to write one entry, each in its own transaction, interleaved. */
async function appendThroughput(db: Db) {
  await db.execute(sql`create table bench_plain_entries (like audit_entries including all)`);
  await db.execute(sql`create table bench_plain_state (id integer primary key, size bigint not null)`);
  await db.execute(sql`insert into bench_plain_state values (1, 0)`);
  let n = 0;
  let plainSeq = 0;
  const ways = {
    tree: (e: TAuditEntry) => db.transaction((tx) => appendAuditEntry(tx, e)),
    plainInsert: (e: TAuditEntry) =>
      db.transaction(async (tx) => {
        await tx.insert(plainEntries).values(rowOf(e, 1_000_000_000 + plainSeq++));
      }),
    counterAndInsert: (e: TAuditEntry) =>
      db.transaction(async (tx) => {
        const [state] = await tx
          .update(plainState)
          .set({ size: sql`${plainState.size} + 1` })
          .where(sql`${plainState.id} = 1`)
          .returning({ size: plainState.size });
        await tx.insert(plainEntries).values(rowOf(e, state!.size - 1));
      }),
  };
  const ms = { tree: 0, plainInsert: 0, counterAndInsert: 0 };
  const rounds = 5;
  const perRound = Math.ceil(APPENDS / rounds);
  for (const way of Object.values(ways)) for (let i = 0; i < 100; i++) await way(entryAt(n++)); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const [name, way] of Object.entries(ways) as [
      keyof typeof ways,
      (e: TAuditEntry) => Promise<unknown>,
    ][]) {
      const start = performance.now();
      for (let i = 0; i < perRound; i++) await way(entryAt(n++));
      ms[name] += performance.now() - start;
    }
  }
  const perSec = (total: number) => round((rounds * perRound * 1000) / total);
  const concurrent = async (way: (e: TAuditEntry) => Promise<unknown>, inFlight: number, count: number) => {
    let left = count;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (left-- > 0) await way(entryAt(n++));
      }),
    );
    return round((count * 1000) / (performance.now() - start));
  };
  const figures = {
    appends: rounds * perRound,
    treeAppendsPerSec: perSec(ms.tree),
    plainInsertsPerSec: perSec(ms.plainInsert),
    counterAndInsertPerSec: perSec(ms.counterAndInsert),
    ratio: round(ms.plainInsert / ms.tree, 2),
    ratioToPreviousAppend: round(ms.counterAndInsert / ms.tree, 2),
    target: 0.5,
    // The row lock that makes seq gap-free serialises appends, with or without the tree.
    concurrent8: {
      treeAppendsPerSec: await concurrent(ways.tree, 8, APPENDS),
      plainInsertsPerSec: await concurrent(ways.plainInsert, 8, APPENDS),
      counterAndInsertPerSec: await concurrent(ways.counterAndInsert, 8, APPENDS),
    },
  };
  const size = await auditLogSize(db);
  if (size !== 100 + rounds * perRound + APPENDS) throw new Error(`the log has ${size} entries`);
  return figures;
}

/** Fills the log to TREE_SIZE entries in SQL, then builds their tree with the real backfill. */
async function fillLog(db: Db) {
  const from = await auditLogSize(db);
  const fill = await time(async () => {
    await db.execute(sql`
      insert into audit_entries (seq, occurred_at, actor_user_id, actor_org_id, actor_role, action, object_type,
        object_id, contract_id, dataset_id, outcome, details, request_id)
      select g, timestamptz '2026-01-01' + g * interval '1 second', 'usr_fill' || (g % 97), 'org_fill' || (g % 13),
        'operator', 'open_data.read', 'dataset', 'ds_fill' || (g % 101), null, 'ds_fill' || (g % 101),
        (array['success','refused','failed'])[1 + g % 3],
        jsonb_build_object('rows', g % 5000, 'format', 'csv', 'filter', 'region = ' || (g % 300)), 'req_fill' || g
      from generate_series(${from}::bigint, ${TREE_SIZE - 1}::bigint) g`);
    await db.execute(sql`update audit_log_state set size = ${TREE_SIZE} where id = 1`);
  });
  const backfill = await time(() => backfillAuditTree(db));
  if (backfill.value !== TREE_SIZE - from) throw new Error(`backfilled ${backfill.value} entries`);
  return {
    sqlInsertMs: Math.round(fill.ms),
    backfillMs: Math.round(backfill.ms),
    backfilledEntries: backfill.value,
  };
}

/** A regulator's check: stream every entry, recompute its leaf, build the root in O(log n) memory. */
async function verifyWholeLog(database: Database, size: number) {
  if (database.kind !== 'postgres') throw new Error('needs the server');
  const builder = createTreeBuilder();
  const { ms } = await time(async () => {
    const cursor = database.sql<Record<string, unknown>[]>`
      select *, (extract(epoch from occurred_at) * 1000)::float8 as at_ms
      from audit_entries where seq < ${size} order by seq`.cursor(5000);
    for await (const rows of cursor) {
      for (const r of rows) {
        if (Number(r.seq) !== builder.size) throw new Error(`entry ${builder.size} missing`);
        const row: TAuditRow = {
          occurredAt: new Date(r.at_ms as number),
          actorUserId: r.actor_user_id as string | null,
          actorOrgId: r.actor_org_id as string | null,
          actorRole: r.actor_role as string | null,
          action: r.action as string,
          objectType: r.object_type as string,
          objectId: r.object_id as string,
          contractId: r.contract_id as string | null,
          datasetId: r.dataset_id as string | null,
          outcome: r.outcome as TAuditRow['outcome'],
          details: r.details as Record<string, unknown>,
          requestId: r.request_id as string | null,
        };
        builder.append(auditLeafHash(row));
      }
    }
  });
  const root = await auditRootAt(database.db, size);
  if (!equalHashes(builder.root(), root)) throw new Error('the stored tree does not match the entries');
  return { entries: size, ms: Math.round(ms), entriesPerSec: Math.round((size * 1000) / ms) };
}

function randomQueries(size: number, count: number, seed = 1) {
  let s = seed;
  const next = (n: number) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return Math.floor((s / 0x80000000) * n);
  };
  return Array.from({ length: count }, () => {
    const to = size - next(1000);
    const from = 1 + next(to);
    return { to, from, index: next(to) };
  });
}

const latencyOf = (samples: number[]) => {
  samples.sort((a, b) => a - b);
  return { p50Ms: round(percentile(samples, 50), 3), p99Ms: round(percentile(samples, 99), 3) };
};

/** Proof latency at TREE_SIZE entries: direct calls, checked, then over HTTP. */
async function proofLatency(db: Db, apiUrl: string) {
  const size = await auditLogSize(db);
  const queries = randomQueries(size, PROOFS);
  for (const q of queries.slice(0, 20)) {
    const [leaf] = await readNodes(db, [{ level: 0, index: q.index }]);
    const inc = await inclusionProofFor(db, q.index, q.to);
    await verifyInclusion(
      q.index,
      q.to,
      leaf!,
      inc.hashes.map((h) => Buffer.from(h, 'base64')),
      await auditRootAt(db, q.to),
    );
    const con = await consistencyProofFor(db, q.from, q.to);
    const [r1, r2] = [await auditRootAt(db, q.from), await auditRootAt(db, q.to)];
    await verifyConsistency(
      q.from,
      q.to,
      r1,
      r2,
      con.hashes.map((h) => Buffer.from(h, 'base64')),
    );
  }
  const measure = async (fn: (q: (typeof queries)[number]) => Promise<unknown>) => {
    for (const q of queries.slice(0, 50)) await fn(q);
    const samples: number[] = [];
    for (const q of queries) samples.push((await time(() => fn(q))).ms);
    return latencyOf(samples);
  };
  const http = (path: string) =>
    fetch(`${apiUrl}${path}`).then(async (r) => {
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return r.json();
    });
  return {
    entries: size,
    requests: queries.length,
    direct: {
      inclusion: await measure((q) => inclusionProofFor(db, q.index, q.to)),
      consistency: await measure((q) => consistencyProofFor(db, q.from, q.to)),
      root: await measure((q) => auditRootAt(db, q.to)),
    },
    http: {
      inclusion: await measure((q) => http(`/v1/audit/proofs/inclusion?index=${q.index}&size=${q.to}`)),
      consistency: await measure((q) => http(`/v1/audit/proofs/consistency?from=${q.from}&to=${q.to}`)),
    },
  };
}

/**
 * What `enclave audit verify` does over HTTP for the whole log (signed checkpoint, every entry
 * exported, re-encoded and hashed into the root), next to bare SHA-256 over the same entry bytes.
 */
async function cliVerification(apiUrl: string, size: number) {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const issued = await fetch(`${apiUrl}/v1/audit/checkpoints`, { method: 'POST', headers: auth });
  if (!issued.ok) throw new Error(`checkpoint: ${issued.status} ${await issued.text()}`);
  const key = (await (await fetch(`${apiUrl}/v1/audit/key`)).text()).trim();
  const cli = await time(() => verifyAuditLog({ url: apiUrl, token: TOKEN, key }));
  if (!cli.value.ok) throw new Error(cli.value.lines.join('\n'));

  const res = await fetch(`${apiUrl}/v1/audit/export?format=ndjson&to_index=${size}`, { headers: auth });
  const lines = (await res.text()).split('\n').filter(Boolean);
  const bytes = lines.map((line) => {
    const { index: _, ...record } = JSON.parse(line) as Record<string, unknown>;
    return Buffer.from(canonicalize(record), 'utf8');
  });
  const totalBytes = bytes.reduce((n, b) => n + b.length, 0);
  // The verifier's own work on the downloaded lines: parse, canonicalize, hash, fold into the tree.
  const local = await time(async () => {
    const tree = createTreeBuilder();
    for (const line of lines) {
      const { index: _, ...record } = JSON.parse(line) as Record<string, unknown>;
      tree.append(leafHash(Buffer.from(canonicalizeParsed(record), 'utf8')));
    }
    return tree.root();
  });
  const zero = Buffer.of(0);
  const hashing = await time(async () => {
    for (const b of bytes) createHash('sha256').update(zero).update(b).digest();
  });
  const cliPerSec = Math.round((size * 1000) / cli.ms);
  const sha256PerSec = Math.round((size * 1000) / hashing.ms);
  return {
    entries: size,
    entryBytes: totalBytes,
    cliMs: Math.round(cli.ms),
    cliEntriesPerSec: cliPerSec,
    sha256Ms: Math.round(hashing.ms),
    sha256EntriesPerSec: sha256PerSec,
    verifierWorkEntriesPerSec: Math.round((size * 1000) / local.ms),
    ratio: round(cliPerSec / sha256PerSec, 3),
  };
}

/**
 * The audit tree: append throughput against plain inserts of the same rows, then a log of
 * TREE_SIZE entries (backfilled, verified by a streaming pass) and the latency of its proofs.
 */
export async function benchAudit() {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const fresh = await freshServerDatabase(url);
  const database = await openDatabase({ url: fresh.url, maxConnections: 8 });
  try {
    await migrateDatabase(database);
    const append = await appendThroughput(database.db);
    console.log(
      `audit append: tree ${append.treeAppendsPerSec}/s vs plain insert ${append.plainInsertsPerSec}/s → ratio ${append.ratio} (target ≥ 0.5); counter+insert (before the tree) ${append.counterAndInsertPerSec}/s`,
    );
    console.log(
      `audit append, 8 in flight: tree ${append.concurrent8.treeAppendsPerSec}/s vs plain insert ${append.concurrent8.plainInsertsPerSec}/s; counter+insert ${append.concurrent8.counterAndInsertPerSec}/s`,
    );
    const fill = await fillLog(database.db);
    console.log(
      `audit fill: ${TREE_SIZE} entries by SQL in ${fill.sqlInsertMs} ms, tree backfilled (${fill.backfilledEntries} entries) in ${fill.backfillMs} ms`,
    );
    const verifier = await verifyWholeLog(database, TREE_SIZE);
    console.log(
      `audit verify: streamed ${verifier.entries} entries to the root in ${verifier.ms} ms (${verifier.entriesPerSec}/s)`,
    );
    const api = await startApi({
      DATABASE_URL: fresh.url,
      ENCLAVE_BOOTSTRAP_TOKEN: TOKEN,
      RATE_LIMIT_ANONYMOUS: '100000000',
      SANDBOX_EXECUTORS: '0',
      ENCLAVE_AUDIT_CHECKPOINT_INTERVAL_S: '0',
    });
    try {
      const proofs = await proofLatency(database.db, api.url);
      for (const [way, kinds] of Object.entries({ direct: proofs.direct, http: proofs.http }))
        for (const [kind, l] of Object.entries(kinds))
          console.log(
            `audit ${kind} at ${proofs.entries} entries, ${way}: p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms`,
          );
      const cli = await cliVerification(api.url, TREE_SIZE);
      console.log(
        `audit verify CLI: ${cli.entries} entries (${round(cli.entryBytes / 2 ** 20)} MiB) in ${cli.cliMs} ms = ${cli.cliEntriesPerSec}/s vs SHA-256 alone ${cli.sha256EntriesPerSec}/s → ratio ${cli.ratio}; the verifier's own work on downloaded entries ${cli.verifierWorkEntriesPerSec}/s`,
      );
      return { append, fill, verifier, proofs, cli };
    } finally {
      await api.stop();
    }
  } finally {
    await database.close();
    await fresh.drop();
  }
}
