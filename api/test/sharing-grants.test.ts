import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishDataset, uploadData } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

const PERSONAL = [
  { name: 'person_id', type: 'string', nullable: false, sensitivity: 'identifier' },
  { name: 'district', type: 'string', nullable: false, sensitivity: 'public' },
  { name: 'amount', type: 'number', nullable: false, sensitivity: 'sensitive', min: 0, max: 1e6 },
];
const CSV = 'person_id,district,amount\np1,东城区,100\np2,西城区,250.5\np3,东城区,80\n';
const SYSTEM = '社保经办系统';
const SYSTEM_HEADER = { 'x-enclave-system': encodeURIComponent(SYSTEM) };

// 10:00 in Beijing on Monday 28 September 2026.
const START = new Date('2026-09-28T02:00:00Z');
let now = START;
let t: TestApp;
let holder: { token: string; orgId: string };
let requester: { token: string; orgId: string; userId: string };
let colleague: { token: string };
let stranger: { token: string };
let regulator: { token: string };
let datasetId: string;

beforeAll(async () => {
  t = await createTestApp({ clock: { now: () => now } });
  holder = await t.user('provider');
  requester = await t.user('provider');
  colleague = await t.user('provider', { orgId: requester.orgId });
  stranger = await t.user('provider');
  regulator = await t.user('regulator');
  datasetId = await publishDataset(t, holder.token, {
    openness: 'closed',
    classification: 3,
    columns: PERSONAL,
    sharing: 'conditional',
    sharingBasis: '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条',
  });
  expect((await uploadData(t, holder.token, datasetId, CSV)).status).toBe(201);
});
afterAll(() => t?.close());

const days = (n: number) => new Date(START.getTime() + n * 86_400_000);
const ask = async (dataset = datasetId, over: Record<string, unknown> = {}) => {
  const res = await t.req('POST', '/v1/sharing/requests', {
    token: requester.token,
    json: {
      dataset,
      columns: ['district', 'amount'],
      duty: '《社会保险法》第七条',
      purpose: '核验参保缴费情况',
      systems: [SYSTEM],
      term: { notBefore: START.toISOString(), notAfter: days(30).toISOString() },
      ...over,
    },
  });
  expect(res.status).toBe(201);
  return res.json;
};
const act = (id: string, path: string, token: string, json: unknown) =>
  t.req('POST', `/v1/sharing/requests/${id}/${path}`, { token, json });
const granted = async (over: Record<string, unknown> = {}, decision: Record<string, unknown> = {}) => {
  const r = await ask(datasetId, over);
  const d = await act(r.id, 'decisions', holder.token, { decision: 'approve', ...decision });
  expect(d.json.status).toBe('granted');
  return r.id as string;
};
const read = (id: string, query = '', opts: { token?: string; system?: string | null } = {}) =>
  t.req('GET', `/v1/sharing/grants/${id}/rows${query}`, {
    token: opts.token ?? requester.token,
    headers: opts.system === null ? {} : { 'x-enclave-system': encodeURIComponent(opts.system ?? SYSTEM) },
  });
const readLog = async (id: string) =>
  (await t.req('GET', `/v1/audit/entries?action=sharing.read&object_id=${id}`, { token: regulator.token }))
    .json.items as { outcome: string; details: Record<string, unknown> }[];

describe('reads through a sharing grant', () => {
  it('serves the granted columns with filters, aggregates, download and changes, each call logged', async () => {
    const id = await granted();
    const rows = await read(id, '?filter=district:eq:东城区&sort=-amount');
    expect(rows.status).toBe(200);
    expect(rows.json.items).toEqual([
      { district: '东城区', amount: 100 },
      { district: '东城区', amount: 80 },
    ]);
    const query = await t.req('POST', `/v1/sharing/grants/${id}/query`, {
      token: colleague.token,
      headers: SYSTEM_HEADER,
      json: { groupBy: ['district'], aggregates: [{ fn: 'sum', column: 'amount', as: 'total' }] },
    });
    expect(query.json.rows).toEqual([
      ['东城区', 180],
      ['西城区', 250.5],
    ]);
    const download = await t.req('GET', `/v1/sharing/grants/${id}/download?format=csv`, {
      token: requester.token,
      headers: SYSTEM_HEADER,
    });
    expect(download.text).toBe('district,amount\n东城区,100\n西城区,250.5\n东城区,80\n');

    // The rows a later append adds, and a replace that makes the caller start over.
    const v1 = rows.json.version as number;
    expect(
      (
        await uploadData(t, holder.token, datasetId, 'person_id,district,amount\np4,朝阳区,5\n', {
          mode: 'append',
        })
      ).status,
    ).toBe(201);
    const changes = await t.req('GET', `/v1/sharing/grants/${id}/changes?since=${v1}`, {
      token: requester.token,
      headers: SYSTEM_HEADER,
    });
    expect([changes.json.items, changes.json.isFullReload]).toEqual([
      [{ district: '朝阳区', amount: 5 }],
      false,
    ]);
    expect((await uploadData(t, holder.token, datasetId, CSV, { mode: 'replace' })).status).toBe(201);
    const reload = await t.req('GET', `/v1/sharing/grants/${id}/changes?since=${v1 + 1}`, {
      token: requester.token,
      headers: SYSTEM_HEADER,
    });
    expect([reload.json.items.length, reload.json.isFullReload]).toEqual([3, true]);

    const log = await readLog(id);
    expect(log.map((e) => [e.outcome, e.details.kind, e.details.rows, e.details.system])).toEqual([
      ['success', 'rows', 2, SYSTEM],
      ['success', 'query', 2, SYSTEM],
      ['success', 'download', null, SYSTEM],
      ['success', 'changes', 1, SYSTEM],
      ['success', 'changes', 3, SYSTEM],
    ]);
    expect(log[0]!.details.queryDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(log[0]!.details.queryDigest).not.toBe(log[1]!.details.queryDigest);
  });

  it('refuses columns the grant does not name, by name, and logs the refusal', async () => {
    const id = await granted({}, { columns: ['district'] });
    const res = await read(id, '?select=district,amount');
    expect([res.status, res.json.errors[0].message]).toEqual([400, 'column "amount" is not granted']);
    const hidden = await read(id, '?filter=person_id:eq:p1');
    expect(hidden.json.errors[0].message).toBe('column "person_id" is not granted');
    const agg = await t.req('POST', `/v1/sharing/grants/${id}/query`, {
      token: requester.token,
      headers: SYSTEM_HEADER,
      json: { aggregates: [{ fn: 'sum', column: 'amount', as: 's' }] },
    });
    expect(agg.status).toBe(400);
    const all = await read(id);
    expect(Object.keys(all.json.items[0])).toEqual(['district']);
    expect((await readLog(id)).map((e) => e.outcome)).toEqual(['refused', 'refused', 'refused', 'success']);
  });

  it('refuses a grant after its revocation, after its term, before it, to other systems and other departments', async () => {
    const id = await granted();
    expect((await read(id)).status).toBe(200);
    expect((await read(id, '', { system: '另一个系统' })).json.code).toBe('FORBIDDEN');
    expect((await read(id, '', { system: null })).status).toBe(400);
    // Another department, even with the grant's id, does not see it.
    expect((await read(id, '', { token: stranger.token })).status).toBe(404);
    expect((await read(id, '', { token: holder.token })).status).toBe(404);

    now = days(30);
    expect((await read(id)).json.code).toBe('GRANT_EXPIRED');
    now = START;
    const later = await granted({
      term: { notBefore: days(5).toISOString(), notAfter: days(30).toISOString() },
    });
    expect((await read(later)).json.code).toBe('GRANT_NOT_YET_VALID');

    // Only the holder or the authority revokes.
    expect((await act(id, 'revocation', requester.token, { reason: '不再需要' })).status).toBe(403);
    const revoked = await act(id, 'revocation', holder.token, { reason: '履职依据已失效' });
    expect([revoked.json.status, revoked.json.revokeReason]).toEqual(['revoked', '履职依据已失效']);
    const after = await read(id);
    expect([after.status, after.json.code]).toEqual([403, 'GRANT_REVOKED']);
    expect((await act(id, 'revocation', t.adminToken, { reason: 'x' })).status).toBe(409);
    expect((await readLog(id)).map((e) => [e.outcome, e.details.code ?? null])).toEqual([
      ['success', null],
      ['refused', 'FORBIDDEN'],
      ['refused', 'GRANT_EXPIRED'],
      ['refused', 'GRANT_REVOKED'],
    ]);
    // A request still pending is no grant.
    const pending = await ask();
    expect((await read(pending.id)).status).toBe(404);
  });

  it('stops a grant at its daily calls, and starts again the next day (China time)', async () => {
    const id = await granted({}, { dailyCalls: 2 });
    expect((await read(id)).status).toBe(200);
    expect((await read(id)).status).toBe(200);
    const third = await read(id);
    expect([third.status, third.json.code]).toEqual([429, 'QUOTA_EXCEEDED']);
    now = new Date('2026-09-28T16:00:00Z'); // midnight in Beijing
    expect((await read(id)).status).toBe(200);
    now = START;
  });
});

describe('escalation and arbitration', () => {
  it('lets the authority see overdue requests, urge the holder, and decide in its place', async () => {
    const r = await ask();
    expect((await act(r.id, 'urge', t.adminToken, { note: '请尽快办理' })).status).toBe(409);
    expect((await act(r.id, 'decisions', t.adminToken, { decision: 'approve' })).status).toBe(409);
    now = new Date('2026-10-17T02:00:00Z');
    const queue = await t.req('GET', '/v1/sharing/requests?overdue=true', { token: t.adminToken });
    expect(queue.json.items.map((i: { id: string }) => i.id)).toContain(r.id);
    const urged = await act(r.id, 'urge', t.adminToken, { note: '请尽快办理' });
    expect([urged.status, urged.json.urgeCount]).toEqual([200, 1]);
    expect((await act(r.id, 'urge', holder.token, { note: 'x' })).status).toBe(403);
    const decided = await act(r.id, 'decisions', t.adminToken, {
      decision: 'approve',
      columns: ['district'],
    });
    expect([decided.json.status, decided.json.grantedColumns]).toEqual(['granted', ['district']]);
    const log = await t.req('GET', `/v1/audit/entries?action=sharing.&object_id=${r.id}`, {
      token: regulator.token,
    });
    expect(log.json.items.map((e: { action: string }) => e.action)).toEqual([
      'sharing.request',
      'sharing.urge',
      'sharing.decide',
    ]);
    expect(log.json.items[2].details.byAuthority).toBe(true);
    now = START;
  });

  it('refuses a none dataset until arbitration grants it', async () => {
    const none = await publishDataset(t, holder.token, {
      openness: 'closed',
      classification: 4,
      columns: PERSONAL,
      sharing: 'none',
      sharingBasis: '《个人信息保护法》第十三条',
    });
    expect((await uploadData(t, holder.token, none, CSV)).status).toBe(201);
    const r = await ask(none);
    expect(r.status).toBe('refused');
    expect((await read(r.id)).status).toBe(404);
    // Only the requester objects; the authority rules only on an objection.
    expect((await act(r.id, 'rulings', t.adminToken, { ruling: 'grant', reason: 'x' })).status).toBe(409);
    expect((await act(r.id, 'objections', holder.token, { objection: 'x' })).status).toBe(403);
    expect((await act(r.id, 'objections', stranger.token, { objection: 'x' })).status).toBe(404);
    const objected = await act(r.id, 'objections', requester.token, { objection: '法定职责需要核验' });
    expect(objected.json.status).toBe('objected');
    expect((await act(r.id, 'rulings', holder.token, { ruling: 'grant', reason: 'x' })).status).toBe(403);
    const wider = await act(r.id, 'rulings', t.adminToken, {
      ruling: 'grant',
      reason: 'x',
      columns: ['person_id'],
    });
    expect(wider.status).toBe(400);
    const ruled = await act(r.id, 'rulings', t.adminToken, {
      ruling: 'grant',
      reason: '依法履职所必需，仅限区县汇总',
      columns: ['district'],
    });
    expect([ruled.json.status, ruled.json.grantedColumns, ruled.json.ruling]).toEqual([
      'granted',
      ['district'],
      '依法履职所必需，仅限区县汇总',
    ]);
    expect((await read(r.id)).json.items.length).toBe(3);
    // The person who asked is told; a colleague in the same department is not.
    const told = await t.req('GET', '/v1/notifications', { token: requester.token });
    expect(told.json.items.find((n: { objectId: string }) => n.objectId === r.id)).toMatchObject({
      kind: 'sharing_request.granted',
      objectType: 'sharing_request',
    });
    const colleagues = await t.req('GET', '/v1/notifications', { token: colleague.token });
    expect(colleagues.json.items).toEqual([]);

    // An upheld refusal is final: no second objection.
    const again = await ask(none);
    await act(again.id, 'objections', requester.token, { objection: '再议' });
    const upheld = await act(again.id, 'rulings', t.adminToken, { ruling: 'uphold', reason: '不予共享' });
    expect(upheld.json.status).toBe('refused');
    expect((await act(again.id, 'objections', requester.token, { objection: '再议' })).status).toBe(409);
    expect((await read(again.id)).status).toBe(404);
  });
});
