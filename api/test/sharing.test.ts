import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishDataset } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

const BASIS = '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条';
const PERSONAL = [
  { name: 'person_id', type: 'string', nullable: false, sensitivity: 'identifier' },
  { name: 'district', type: 'string', nullable: false, sensitivity: 'public' },
  { name: 'amount', type: 'number', nullable: false, sensitivity: 'sensitive', min: 0, max: 1e6 },
];

// 10:00 in Beijing on Monday 28 September 2026, before the National Day week.
let now = new Date('2026-09-28T02:00:00Z');
let t: TestApp;
let holder: { token: string; orgId: string };
let requester: { token: string; orgId: string };
let stranger: { token: string; orgId: string };
let conditionalId: string;
beforeAll(async () => {
  t = await createTestApp({ clock: { now: () => now } });
  holder = await t.user('provider');
  requester = await t.user('provider');
  stranger = await t.user('provider');
  conditionalId = await publishDataset(t, holder.token, {
    openness: 'closed',
    classification: 3,
    columns: PERSONAL,
    sharing: 'conditional',
    sharingBasis: BASIS,
  });
});
afterAll(() => t?.close());

const term = () => ({
  notBefore: now.toISOString(),
  notAfter: new Date(now.getTime() + 180 * 86_400_000).toISOString(),
});
const ask = (dataset: string, over: Record<string, unknown> = {}, token = requester.token) =>
  t.req('POST', '/v1/sharing/requests', {
    token,
    json: {
      dataset,
      columns: ['district', 'amount'],
      duty: '《社会保险法》第七条：社会保险行政部门负责社会保险管理工作',
      purpose: '核验参保缴费情况',
      systems: ['社保经办系统'],
      term: term(),
      ...over,
    },
  });

describe('sharing requests (共享申请)', () => {
  it('grants a request for an unconditionally shared dataset at once', async () => {
    const open = await publishDataset(t, holder.token);
    const res = await ask(open, { columns: ['city_code', 'aqi'] });
    expect(res.status).toBe(201);
    expect([res.json.status, res.json.grantedColumns, res.json.dueAt]).toEqual([
      'granted',
      ['city_code', 'aqi'],
      null,
    ]);
  });

  it('holds a conditional request for the holder, due in ten working days on the official calendar', async () => {
    const res = await ask(conditionalId);
    expect(res.json.status).toBe('pending');
    // 29, 30 Sep; 1–7 Oct off; 8, 9, 10 (a Saturday worked in lieu), 12, 13, 14, 15, 16 Oct.
    expect(res.json.dueAt).toBe('2026-10-16T16:00:00.000Z');
    expect(res.json.isDueOfficial).toBe(true);
    const id = res.json.id;
    // The requester cannot decide it, and another department does not see it.
    const self = await t.req('POST', `/v1/sharing/requests/${id}/decisions`, {
      token: requester.token,
      json: { decision: 'approve' },
    });
    expect([self.status, self.json.code]).toEqual([403, 'FORBIDDEN']);
    const other = await t.req('POST', `/v1/sharing/requests/${id}/decisions`, {
      token: stranger.token,
      json: { decision: 'approve' },
    });
    expect(other.status).toBe(404);
    expect((await t.req('GET', `/v1/sharing/requests/${id}`, { token: stranger.token })).status).toBe(404);
    // Narrowing only.
    const wider = await t.req('POST', `/v1/sharing/requests/${id}/decisions`, {
      token: holder.token,
      json: { decision: 'approve', columns: ['district', 'person_id'] },
    });
    expect([wider.status, wider.json.errors[0].path]).toEqual([400, 'body.columns']);
    // Past its deadline it shows as overdue until decided.
    now = new Date('2026-10-17T02:00:00Z');
    expect(
      (await t.req('GET', `/v1/sharing/requests/${id}`, { token: requester.token })).json.isOverdue,
    ).toBe(true);
    const approved = await t.req('POST', `/v1/sharing/requests/${id}/decisions`, {
      token: holder.token,
      json: { decision: 'approve', columns: ['district'] },
    });
    expect([
      approved.status,
      approved.json.status,
      approved.json.grantedColumns,
      approved.json.isOverdue,
    ]).toEqual([200, 'granted', ['district'], false]);
    const again = await t.req('POST', `/v1/sharing/requests/${id}/decisions`, {
      token: holder.token,
      json: { decision: 'reject', reason: '重复' },
    });
    expect(again.status).toBe(409);
    const regulator = await t.user('regulator');
    const log = await t.req('GET', `/v1/audit/entries?action=sharing.&object_id=${id}`, {
      token: regulator.token,
    });
    expect(log.json.items.map((e: { action: string }) => e.action)).toEqual([
      'sharing.request',
      'sharing.decide',
    ]);
    expect(log.json.items[1].details.overdue).toBe(true);
    now = new Date('2026-09-28T02:00:00Z');
  });

  it('refuses a request for a dataset that is not shared, with its basis', async () => {
    const none = await publishDataset(t, holder.token, {
      openness: 'closed',
      classification: 4,
      columns: PERSONAL,
      sharing: 'none',
      sharingBasis: '《个人信息保护法》第十三条',
    });
    const res = await ask(none);
    expect([res.status, res.json.status, res.json.reason]).toEqual([
      201,
      'refused',
      '《个人信息保护法》第十三条',
    ]);
    const decided = await t.req('POST', `/v1/sharing/requests/${res.json.id}/decisions`, {
      token: holder.token,
      json: { decision: 'approve' },
    });
    expect(decided.status).toBe(409);
  });

  it('refuses bad requests with a clear 4xx and writes nothing', async () => {
    const before = (await t.req('GET', '/v1/sharing/requests?side=outgoing', { token: requester.token })).json
      .items.length;
    expect((await ask(conditionalId, { columns: ['salary'] })).json.errors[0].path).toBe('body.columns');
    expect((await ask(conditionalId, {}, holder.token)).json.errors[0].path).toBe('body.dataset');
    expect(
      (await ask(conditionalId, { term: { notBefore: now.toISOString(), notAfter: now.toISOString() } }))
        .status,
    ).toBe(400);
    expect((await ask(conditionalId, { systems: [] })).status).toBe(400);
    expect((await ask('ds_nonexistent0001')).status).toBe(404);
    const after = (await t.req('GET', '/v1/sharing/requests?side=outgoing', { token: requester.token })).json
      .items.length;
    expect(after).toBe(before);
  });

  it('lists what a department made and received; the authority sees all', async () => {
    const incoming = (await t.req('GET', '/v1/sharing/requests?side=incoming', { token: holder.token })).json
      .items;
    const outgoing = (await t.req('GET', '/v1/sharing/requests?side=outgoing', { token: holder.token })).json
      .items;
    expect(incoming.length).toBeGreaterThan(0);
    expect(outgoing).toEqual([]);
    expect((await t.req('GET', '/v1/sharing/requests', { token: stranger.token })).json.items).toEqual([]);
    const all = (await t.req('GET', '/v1/sharing/requests', { token: t.adminToken })).json.items;
    expect(all.length).toBe(incoming.length);
  });
});
