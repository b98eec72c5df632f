import { canonicalize } from '@enclave/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditEntry } from '../src/audit/append-audit-entry.ts';
import { AUDIT_CSV_COLUMNS } from '../src/audit/audit-csv.ts';
import { auditRecordOf, encodeAuditRecord, leafHash } from '../src/audit/entry-encoding.ts';
import { AUDIT_EXPORT_PAGE_ROWS } from '../src/audit/export-audit-entries.ts';
import { rootFromInclusionProof, rootOf } from '../src/audit/merkle.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
let regulator: { token: string; userId: string; orgId: string };
beforeAll(async () => {
  t = await createTestApp();
  regulator = await t.user('regulator');
});
afterAll(() => t.close());

const allRows = () => t.deps.db.query.auditEntries.findMany({ orderBy: (a, { asc }) => asc(a.seq) });
const get = (path: string, token: string | null = regulator.token) => t.req('GET', path, { token });

/** RFC 4180 records of a CSV text (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += ch;
  }
  return records;
}

describe('who may read the log', () => {
  it('answers 401 without a token and 403 to every role but regulator and admin', async () => {
    const paths = ['/v1/audit/entries', '/v1/audit/entries/0', '/v1/audit/export', '/v1/audit/alerts'];
    const others = await Promise.all(
      (['operator', 'provider', 'researcher'] as const).map((role) => t.user(role)),
    );
    for (const path of paths) {
      const anonymous = await get(path, null);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.json.code).toBe('UNAUTHENTICATED');
      for (const other of others) {
        const res = await get(path, other.token);
        expect(res.status, path).toBe(403);
        expect(res.json.code).toBe('FORBIDDEN');
      }
      expect((await get(path)).status, path).toBe(200);
      expect((await get(path, t.adminToken)).status, path).toBe(200);
    }
  });
});

describe('GET /v1/audit/entries', () => {
  it('returns each entry exactly as the log commits to it, with its leaf index', async () => {
    const res = await get('/v1/audit/entries?limit=1000');
    expect(res.status).toBe(200);
    const rows = await allRows();
    expect(res.json.items).toHaveLength(rows.length);
    for (const [i, item] of res.json.items.entries()) {
      const row = rows[i]!;
      expect(item.index).toBe(row.seq);
      const { index: _, ...record } = item;
      // What a verifier does with a downloaded entry: JCS of the record gives the leaf bytes.
      expect(Buffer.from(canonicalize(record))).toEqual(encodeAuditRecord(auditRecordOf(row)));
    }
    expect(res.json.items[0]).toMatchObject({ index: 0, v: 1, action: 'platform.bootstrap', actor: null });
    expect(res.json.page).toMatchObject({ limit: 1000, maxLimit: 1000, hasMore: false, nextAfter: null });
  });

  it('pages by leaf index without gaps or repeats while the log grows', async () => {
    const before = await allRows();
    for (let i = 0; i < 9; i++) await t.user('researcher', { orgName: `paging-${i}` });
    const seen: number[] = [];
    let after: number | null = -1;
    let pages = 0;
    while (after !== null) {
      const res = await get(
        `/v1/audit/entries?action=org.create&limit=4${after >= 0 ? `&after=${after}` : ''}`,
      );
      expect(res.status).toBe(200);
      expect(res.json.items.length).toBeLessThanOrEqual(4);
      seen.push(...res.json.items.map((e: { index: number }) => e.index));
      after = res.json.page.nextAfter;
      // Appends between pages land after the walk's position and are picked up, never duplicated.
      if (pages++ === 1) await t.user('researcher', { orgName: 'paging-late' });
    }
    const expected = (await allRows()).filter((r) => r.action === 'org.create').map((r) => r.seq);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
    expect(expected.length).toBeGreaterThan(before.filter((r) => r.action === 'org.create').length + 9);
  });

  it('filters by actor, action (exact or prefix), object, outcome and time', async () => {
    const rows = await allRows();
    const pick = async (query: string) => {
      const res = await get(`/v1/audit/entries?limit=1000&${query}`);
      expect(res.status, res.text).toBe(200);
      return res.json.items.map((e: { index: number }) => e.index);
    };
    const admin = rows.find((r) => r.action === 'org.create')!;
    const seqs = (pred: (r: (typeof rows)[number]) => boolean) => rows.filter(pred).map((r) => r.seq);

    expect(await pick(`actor_user=${admin.actorUserId}`)).toEqual(
      seqs((r) => r.actorUserId === admin.actorUserId),
    );
    expect(await pick(`actor_org=${admin.actorOrgId}&action=user.create`)).toEqual(
      seqs((r) => r.actorOrgId === admin.actorOrgId && r.action === 'user.create'),
    );
    const prefix = await pick('action=token.');
    expect(prefix).toEqual(seqs((r) => r.action.startsWith('token.')));
    expect(prefix.length).toBeGreaterThan(0);
    // `_` is a literal in an action, not a LIKE wildcard.
    expect(await pick('action=org_create')).toEqual([]);
    expect(await pick(`object_type=org&object_id=${admin.objectId}`)).toEqual([admin.seq]);
    expect(await pick('outcome=refused')).toEqual(seqs((r) => r.outcome === 'refused'));
    const mid = rows[Math.floor(rows.length / 2)]!.occurredAt;
    expect(await pick(`to=${mid.toISOString()}`)).toEqual(seqs((r) => r.occurredAt < mid));
    expect(await pick(`from=${encodeURIComponent(mid.toISOString().replace('Z', '+00:00'))}`)).toEqual(
      seqs((r) => r.occurredAt >= mid),
    );
    expect(await pick('contract=ctr_none&dataset=ds_none')).toEqual([]);
  });

  it('refuses bad parameters with 400 naming each one', async () => {
    const cases: [string, string][] = [
      ['limit=1001', 'query.limit'],
      ['limit=0', 'query.limit'],
      ['limit=ten', 'query.limit'],
      ['after=-1', 'query.after'],
      ['after=1.5', 'query.after'],
      ['from=yesterday', 'query.from'],
      ['to=2026-01-01T00:00:00', 'query.to'],
      ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'query.to'],
      ['outcome=maybe', 'query.outcome'],
      ['action=DROP%20TABLE', 'query.action'],
      ['actor_org=Robert%27);--', 'query.actor_org'],
      ['cursor=abc', 'query'],
    ];
    for (const [query, field] of cases) {
      const res = await get(`/v1/audit/entries?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.json.code).toBe('VALIDATION_FAILED');
      expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    const unknown = await get('/v1/audit/entries?cursor=abc');
    expect(unknown.json.errors[0].message).toContain('cursor');
  });
});

describe('GET /v1/audit/entries/{index}', () => {
  it('returns one entry with its inclusion proof, 404 past the end and 400 for a non-index', async () => {
    const one = await get('/v1/audit/entries/0');
    expect(one.status).toBe(200);
    expect(one.json.entry).toMatchObject({ index: 0, action: 'platform.bootstrap' });
    expect(one.json).toHaveProperty('proof');
    const issued = await t.req('POST', '/v1/audit/checkpoints', { token: regulator.token });
    expect([200, 201]).toContain(issued.status);
    const later = await t.user('researcher');
    const rows = await allRows();
    const proved = await get('/v1/audit/entries/2');
    const { size, hashes } = proved.json.proof;
    expect(size).toBeGreaterThan(2);
    // Checked against a root computed here from the rows, not taken from the server.
    const leaves = rows.slice(0, size).map((r) => leafHash(encodeAuditRecord(auditRecordOf(r))));
    const proof = hashes.map((h: string) => Buffer.from(h, 'base64'));
    expect(Buffer.from(await rootFromInclusionProof(2, size, leaves[2]!, proof))).toEqual(rootOf(leaves));
    const newest = rows.find((r) => r.objectId === later.orgId && r.action === 'org.create')!;
    expect((await get(`/v1/audit/entries/${newest.seq}`)).json.proof).toBeNull();
    const missing = await get('/v1/audit/entries/999999999');
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('NOT_FOUND');
    const bad = await get('/v1/audit/entries/first');
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].path).toBe('param.index');
  });
});

describe('GET /v1/audit/export', () => {
  it('streams NDJSON lines that re-encode to the committed leaves, bounded by the log size', async () => {
    const res = await get('/v1/audit/export?format=ndjson');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const size = Number(res.headers.get('x-audit-log-size'));
    const lines = res.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(size);
    const rows = await allRows();
    for (const [i, line] of lines.entries()) {
      const { index, ...record } = JSON.parse(line);
      expect(index).toBe(i);
      expect(Buffer.from(canonicalize(record))).toEqual(encodeAuditRecord(auditRecordOf(rows[i]!)));
    }
    const slice = await get('/v1/audit/export?from_index=2&to_index=5');
    expect(
      slice.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).index),
    ).toEqual([2, 3, 4]);
    expect(slice.headers.get('content-disposition')).toContain('audit-log-2-5.ndjson');
    const empty = await get(`/v1/audit/export?from_index=${size + 10}`);
    expect(empty.status).toBe(200);
    expect(empty.text).toBe('');
  });

  it('reads the log in pages and still gives every entry once', async () => {
    const size = Number((await get('/v1/audit/export?to_index=0')).headers.get('x-audit-log-size'));
    const missing = AUDIT_EXPORT_PAGE_ROWS + 3 - size;
    const at = t.deps.clock.now();
    for (let i = 0; i < missing; i += 500) {
      await t.deps.db.transaction(async (tx) => {
        for (let k = i; k < Math.min(missing, i + 500); k++) {
          await appendAuditEntry(tx, {
            actor: null,
            action: 'test.fill',
            objectType: 'x',
            objectId: `${k}`,
            at,
          });
        }
      });
    }
    const res = await get('/v1/audit/export');
    const indexes = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).index);
    expect(indexes.length).toBeGreaterThan(AUDIT_EXPORT_PAGE_ROWS);
    expect(indexes).toEqual(indexes.map((_, i) => i));
    const filtered = await get('/v1/audit/export?action=test.fill&from_index=10');
    const lines = filtered.text.trim().split('\n');
    expect(lines.every((l) => JSON.parse(l).action === 'test.fill')).toBe(true);
    expect(lines).toHaveLength(missing);
  });

  it('writes RFC 4180 CSV that spreadsheets will not run as formulas', async () => {
    const org = await t.req('POST', '/v1/orgs', {
      token: t.adminToken,
      json: { name: '=HYPERLINK("http://x.example","点我"), 第二,\t"三"' },
    });
    expect(org.status).toBe(201);
    const hostile = await t.deps.db.transaction((tx) =>
      appendAuditEntry(tx, {
        actor: null,
        action: 'test.csv',
        objectType: 'x',
        objectId: '=1+2',
        contractId: '-2+3',
        datasetId: "'quoted",
        details: { note: 'line\nbreak' },
        requestId: '',
        at: t.deps.clock.now(),
      }),
    );
    const res = await get(`/v1/audit/export?format=csv&object_type=org&object_id=${org.json.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    // A byte-order mark, so that Excel reads UTF-8 (fetch's text() drops it, so look at the bytes).
    const raw = await t.app.request('/v1/audit/export?format=csv&to_index=0', {
      headers: { authorization: `Bearer ${regulator.token}` },
    });
    expect([...new Uint8Array(await raw.arrayBuffer()).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, row, ...rest] = parseCsv(res.text);
    expect(header).toEqual([...AUDIT_CSV_COLUMNS]);
    expect(rest).toEqual([]);
    const cell = (name: string, r = row!) => r[AUDIT_CSV_COLUMNS.indexOf(name as never)]!;
    expect(cell('action')).toBe('org.create');
    expect(JSON.parse(cell('details'))).toEqual({
      name: '=HYPERLINK("http://x.example","点我"), 第二,\t"三"',
    });
    expect(cell('contractId')).toBe('');

    const guarded = await get(`/v1/audit/export?format=csv&from_index=${hostile}&to_index=${hostile + 1}`);
    const [, g] = parseCsv(guarded.text);
    expect(cell('index', g)).toBe(String(hostile));
    expect(cell('objectId', g)).toBe("'=1+2");
    expect(cell('contractId', g)).toBe("'-2+3");
    expect(cell('datasetId', g)).toBe("''quoted");
    expect(cell('actor.userId', g)).toBe('');
    expect(JSON.parse(cell('details', g))).toEqual({ note: 'line\nbreak' });
    // The empty string is written `""`, null as nothing.
    expect(guarded.text).toContain(`,""\r\n`);
  });

  it('refuses bad export parameters with 400 naming each one', async () => {
    const cases: [string, string][] = [
      ['format=xml', 'query.format'],
      ['from_index=5&to_index=4', 'query.to_index'],
      ['from_index=-3', 'query.from_index'],
      ['to=soon', 'query.to'],
      ['limit=5', 'query'],
    ];
    for (const [query, field] of cases) {
      const res = await get(`/v1/audit/export?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
  });
});

describe('the log cannot be changed through its routes', () => {
  const attempts: [string, string][] = [
    ['POST', '/v1/audit/entries'],
    ['PUT', '/v1/audit/entries/3'],
    ['PATCH', '/v1/audit/entries/3'],
    ['DELETE', '/v1/audit/entries/3'],
    ['DELETE', '/v1/audit/entries'],
    ['POST', '/v1/audit/export'],
    ['DELETE', '/v1/audit/alerts'],
  ];

  it('answers 405 with Allow and logs each authenticated attempt, in its own entry', async () => {
    const operator = await t.user('operator');
    for (const [method, path] of attempts) {
      for (const caller of [regulator, operator]) {
        const before = (await allRows()).length;
        const res = await t.req(method, path, { token: caller.token, json: { outcome: 'success' } });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.json.code).toBe('METHOD_NOT_ALLOWED');
        expect(res.headers.get('allow')).toBe('GET, HEAD');
        const rows = await allRows();
        expect(rows).toHaveLength(before + 1);
        expect(rows.at(-1)).toMatchObject({
          action: 'audit.tamper_attempt',
          outcome: 'refused',
          actorUserId: caller.userId,
          actorOrgId: caller.orgId,
          details: { method, path },
          requestId: res.json.requestId,
          ...(path.endsWith('/3')
            ? { objectType: 'audit_entry', objectId: '3' }
            : { objectType: 'audit_log' }),
        });
      }
    }
    const entry = await get('/v1/audit/entries/3');
    expect(entry.json.entry).toEqual({ index: 3, ...auditRecordOf((await allRows())[3]!) });
  });

  it('answers 405 to anonymous callers without growing the log', async () => {
    const before = (await allRows()).length;
    for (const [method, path] of attempts) {
      const res = await t.req(method, path);
      expect(res.status).toBe(405);
    }
    expect(await allRows()).toHaveLength(before);
  });

  it('leaves other audit paths alone', async () => {
    const before = (await allRows()).length;
    const res = await t.req('POST', '/v1/audit/checkpoints', { token: regulator.token });
    expect(res.status).not.toBe(405);
    const tamper = (await allRows()).slice(before).filter((r) => r.action === 'audit.tamper_attempt');
    expect(tamper).toEqual([]);
  });
});
