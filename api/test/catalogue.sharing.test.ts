import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasets } from '../src/db/schema/index.ts';
import { datasetBody, publishDataset } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

const BASIS = '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条';
const PERSONAL = [
  { name: 'person_id', type: 'string', nullable: false, sensitivity: 'identifier' },
  { name: 'amount', type: 'number', nullable: false, sensitivity: 'sensitive', min: 0, max: 1e6 },
];

let t: TestApp;
let provider: { token: string; orgId: string };
beforeAll(async () => {
  t = await createTestApp();
  provider = await t.user('provider');
});
afterAll(() => t?.close());

const create = (over: Record<string, unknown>) =>
  t.req('POST', '/v1/datasets', { token: provider.token, json: datasetBody(over) });

describe('sharing attribute (共享属性)', () => {
  it('is independent of openness: a closed dataset may be shared conditionally, with its basis', async () => {
    const res = await create({
      openness: 'closed',
      classification: 3,
      columns: PERSONAL,
      sharing: 'conditional',
      sharingBasis: BASIS,
    });
    expect(res.status).toBe(201);
    expect([res.json.sharing, res.json.sharingBasis]).toEqual(['conditional', BASIS]);
    // An open dataset is shared unconditionally, without being told.
    const open = await create({});
    expect([open.json.sharing, open.json.sharingBasis]).toEqual(['unconditional', null]);
  });

  it('refuses what the plans forbid, naming the field, and writes nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ openness: 'conditional', classification: 3, columns: PERSONAL }, 'body.sharing'],
      [{ openness: 'closed', classification: 3, columns: PERSONAL, sharing: 'none' }, 'body.sharingBasis'],
      [
        {
          openness: 'closed',
          classification: 3,
          columns: PERSONAL,
          sharing: 'conditional',
          sharingBasis: null,
        },
        'body.sharingBasis',
      ],
      [{ sharing: 'none', sharingBasis: BASIS }, 'body.sharing'],
      [{ sharing: 'unconditional', sharingBasis: BASIS }, 'body.sharingBasis'],
      [{ sharing: 'sometimes' }, 'body.sharing'],
    ];
    for (const [over, path] of cases) {
      const slug = `refused-${Math.random().toString(36).slice(2, 8)}`;
      const res = await create({ ...over, slug });
      expect([res.status, res.json.code], JSON.stringify(over)).toEqual([400, 'VALIDATION_FAILED']);
      expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(await t.deps.db.select().from(datasets).where(eq(datasets.slug, slug))).toEqual([]);
    }
  });

  it('follows edits: opening a dataset shares it unconditionally and drops the basis; a change is on the log', async () => {
    const created = await create({
      openness: 'conditional',
      classification: 1,
      sharing: 'none',
      sharingBasis: BASIS,
    });
    const id = created.json.id;
    const conditional = await t.req('PATCH', `/v1/datasets/${id}`, {
      token: provider.token,
      json: { sharing: 'conditional' },
    });
    expect([conditional.json.sharing, conditional.json.sharingBasis]).toEqual(['conditional', BASIS]);
    const withoutBasis = await t.req('PATCH', `/v1/datasets/${id}`, {
      token: provider.token,
      json: { sharingBasis: null },
    });
    expect(withoutBasis.status).toBe(400);
    const opened = await t.req('PATCH', `/v1/datasets/${id}`, {
      token: provider.token,
      json: { openness: 'open' },
    });
    expect([opened.json.sharing, opened.json.sharingBasis]).toEqual(['unconditional', null]);
    const regulator = await t.user('regulator');
    const log = await t.req('GET', `/v1/audit/entries?action=dataset.&object_id=${id}`, {
      token: regulator.token,
    });
    const details = log.json.items.map((e: { action: string; details: Record<string, unknown> }) => [
      e.action,
      e.details.sharing,
    ]);
    expect(details).toEqual([
      ['dataset.create', 'none'],
      ['dataset.update', 'conditional'],
      ['dataset.update', 'unconditional'],
    ]);
  });

  it('is a search facet and in DCAT; the database itself refuses a restricted attribute without basis', async () => {
    const shared = await publishDataset(t, provider.token, {
      openness: 'closed',
      classification: 3,
      columns: PERSONAL,
      sharing: 'conditional',
      sharingBasis: BASIS,
    });
    const found = await t.req('GET', '/v1/datasets?sharing=conditional');
    expect(found.json.items.map((d: { id: string }) => d.id)).toContain(shared);
    expect(
      (await t.req('GET', '/v1/datasets?sharing=none')).json.items.map((d: { id: string }) => d.id),
    ).not.toContain(shared);
    const dcat = (await t.req('GET', '/v1/catalog.jsonld')).json;
    const entry = dcat['dcat:dataset'].find((d: { '@id': string }) => d['@id'].endsWith(shared));
    expect(entry['enclave:sharing']).toEqual({ '@id': 'urn:enclave:sharing:conditional' });
    expect(entry['enclave:sharingBasis']).toBe(BASIS);
    await expect(
      t.deps.db.update(datasets).set({ sharingBasis: null }).where(eq(datasets.id, shared)),
    ).rejects.toThrow();
  });
});
