import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.ts';
import { datasetBody, publishDataset } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

// 10:00 in Beijing on Monday 28 September 2026, before the National Day week.
const START = new Date('2026-09-28T02:00:00Z');
let now = START;
let t: TestApp;
type TUser = { userId: string; orgId: string; token: string };
let filer: TUser;
let other: TUser;
let deptA: TUser;
let deptB: TUser;
let regulator: TUser;
let publishedId: string;
beforeAll(async () => {
  t = await createTestApp({ clock: { now: () => now } });
  filer = await t.user('researcher');
  other = await t.user('researcher');
  deptA = await t.user('provider');
  deptB = await t.user('provider');
  regulator = await t.user('regulator');
  publishedId = await publishDataset(t, deptA.token);
});
afterAll(() => t?.close());

const CONTACT = 'zhang.san@example.cn';
const PHONE = '+86 138-0013-8000';
const file = (json: Record<string, unknown>, token: string | null = filer.token) =>
  t.req('POST', '/v1/demands', {
    token,
    json: { title: '全市公共充电桩实时占用数据', purpose: '新能源车主出行导航', ...json },
  });
const filed = async (json: Record<string, unknown> = {}, token: string | null = filer.token) => {
  const res = await file(json, token);
  if (res.status !== 201) throw new Error(`file: ${res.text}`);
  return res.json as { id: string; followToken: string | null };
};
const route = (id: string, org: string, token = t.adminToken) =>
  t.req('POST', `/v1/demands/${id}/route`, { token, json: { org } });
const claim = (id: string, dept: TUser) => t.req('POST', `/v1/demands/${id}/claim`, { token: dept.token });
const answer = (id: string, dept: TUser, json: Record<string, unknown>) =>
  t.req('POST', `/v1/demands/${id}/answers`, { token: dept.token, json });
const notifications = (query: string, token: string | null = null) =>
  t.req('GET', `/v1/notifications${query}`, { token });

describe('demands for data (需求清单)', () => {
  it('is filed by a signed-in user, routed by the authority and fulfilled by the department, telling the filer', async () => {
    const res = await file({ suggestedHolder: '市发展改革委', contact: CONTACT });
    expect([res.status, res.json.status, res.json.followToken, res.json.assignedOrg]).toEqual([
      201,
      'open',
      null,
      null,
    ]);
    expect(res.json).not.toHaveProperty('contact');
    const id = res.json.id;

    const routed = await route(id, deptA.orgId);
    // 29, 30 Sep; 1–7 Oct off; 8, 9, 10 (a Saturday worked in lieu), 12, 13, 14, 15, 16 Oct.
    expect([routed.status, routed.json.status, routed.json.dueAt, routed.json.isDueOfficial]).toEqual([
      200,
      'routed',
      '2026-10-16T16:00:00.000Z',
      true,
    ]);
    expect(routed.json.assignedOrg.id).toBe(deptA.orgId);
    expect(routed.json.routedAt).toBe(START.toISOString());

    const done = await answer(id, deptA, { outcome: 'fulfilled', dataset: publishedId });
    expect([done.status, done.json.status, done.json.datasetId, done.json.answeredAt]).toEqual([
      200,
      'fulfilled',
      publishedId,
      START.toISOString(),
    ]);

    const mine = await notifications('', filer.token);
    const about = mine.json.items.filter((n: { objectId: string }) => n.objectId === id);
    expect(about.map((n: { kind: string }) => n.kind)).toEqual(['demand.fulfilled', 'demand.routed']);
    expect(about[1].text).toContain('2026-10-16');
    expect(about.every((n: { readAt: unknown }) => n.readAt === null)).toBe(true);
    // Nobody else is told, and nobody else can read them.
    const theirs = await notifications('', other.token);
    expect(theirs.json.items.filter((n: { objectId: string }) => n.objectId === id)).toEqual([]);
    expect((await notifications('')).status).toBe(401);

    const detail = await t.req('GET', `/v1/demands/${id}`);
    expect(
      detail.json.history.map((e: { kind: string; org: { id: string } | null }) => [e.kind, e.org?.id]),
    ).toEqual([
      ['filed', undefined],
      ['routed', deptA.orgId],
      ['fulfilled', deptA.orgId],
    ]);
    expect(detail.json.history[1].dueAt).toBe('2026-10-16T16:00:00.000Z');
  });

  it('is filed anonymously only with a contact, and the filer follows it with a token given once', async () => {
    const missing = await file({}, null);
    expect([missing.status, missing.json.errors[0].path]).toEqual([400, 'body.contact']);
    const bad = await file({ contact: 'call me maybe' }, null);
    expect([bad.status, bad.json.errors[0].path]).toEqual([400, 'body.contact']);

    const { id, followToken } = await filed({ contact: PHONE }, null);
    expect(followToken).toMatch(/^fol_[A-Za-z0-9_-]{43}$/);
    const follow = `?follow=${followToken}`;
    expect((await notifications(follow)).json.items).toEqual([]);

    const claimed = await claim(id, deptB);
    expect([claimed.status, claimed.json.status, claimed.json.assignedOrg.id]).toEqual([
      200,
      'claimed',
      deptB.orgId,
    ]);
    expect(claimed.json.claimedAt).toBe(START.toISOString());
    const planned = await answer(id, deptB, { outcome: 'planned', plannedFor: '2026-12-31' });
    expect([planned.status, planned.json.status, planned.json.plannedFor]).toEqual([
      200,
      'planned',
      '2026-12-31',
    ]);

    const told = await notifications(follow);
    expect(told.json.items.map((n: { kind: string }) => n.kind)).toEqual([
      'demand.planned',
      'demand.claimed',
    ]);
    expect(told.json.items[0].text).toContain('2026-12-31');
    // Another follow token, or a signed-in user, does not see them.
    const stranger = (await filed({ contact: CONTACT }, null)).followToken;
    expect((await notifications(`?follow=${stranger}`)).json.items).toEqual([]);
    expect(
      (await notifications('', other.token)).json.items.filter(
        (n: { objectId: string }) => n.objectId === id,
      ),
    ).toEqual([]);
    expect((await notifications('?follow=fol_nope')).status).toBe(400);

    // Read marking: one, then the rest; another token marks nothing of these.
    const [newest, older] = told.json.items;
    const foreign = await t.req('POST', '/v1/notifications/read', {
      json: { follow: stranger, ids: [newest.id, older.id] },
    });
    expect(foreign.json.marked).toBe(0);
    const one = await t.req('POST', '/v1/notifications/read', {
      json: { follow: followToken, ids: [newest.id] },
    });
    expect([one.status, one.json.marked]).toEqual([200, 1]);
    const unread = await notifications(`${follow}&unread=true`);
    expect(unread.json.items.map((n: { id: string }) => n.id)).toEqual([older.id]);
    expect(
      (await t.req('POST', '/v1/notifications/read', { json: { follow: followToken } })).json.marked,
    ).toBe(1);
    expect((await notifications(`${follow}&unread=true`)).json.items).toEqual([]);
    expect((await t.req('POST', '/v1/notifications/read', { json: {} })).status).toBe(401);
  });

  it('lets a planned demand be fulfilled later, but refuses a second answer otherwise', async () => {
    const { id } = await filed();
    await route(id, deptA.orgId);
    expect((await answer(id, deptA, { outcome: 'planned', plannedFor: '2027-03-01' })).status).toBe(200);
    const again = await answer(id, deptA, { outcome: 'planned', plannedFor: '2027-06-01' });
    expect([again.status, again.json.code]).toEqual([409, 'INVALID_STATE']);
    const fulfilled = await answer(id, deptA, { outcome: 'fulfilled', dataset: publishedId });
    expect([fulfilled.status, fulfilled.json.status, fulfilled.json.plannedFor]).toEqual([
      200,
      'fulfilled',
      '2027-03-01',
    ]);
    // The first answer is when it was answered.
    expect(fulfilled.json.answeredAt).toBe(START.toISOString());
    expect((await answer(id, deptA, { outcome: 'refused', reason: '改变主意' })).status).toBe(409);

    const refusedId = (await filed()).id;
    await claim(refusedId, deptA);
    const refused = await answer(refusedId, deptA, { outcome: 'refused', reason: '涉及国家秘密，不予提供' });
    expect([refused.status, refused.json.reason]).toEqual([200, '涉及国家秘密，不予提供']);
    const twice = await answer(refusedId, deptA, { outcome: 'fulfilled', dataset: publishedId });
    expect([twice.status, twice.json.code]).toEqual([409, 'INVALID_STATE']);
    expect((await route(refusedId, deptB.orgId)).status).toBe(409);
    expect((await claim(refusedId, deptB)).status).toBe(409);
  });

  it('refuses an answer by a department the demand was not routed to', async () => {
    const { id } = await filed();
    const early = await answer(id, deptA, { outcome: 'refused', reason: '不归我管' });
    expect([early.status, early.json.code]).toEqual([403, 'FORBIDDEN']);
    await route(id, deptA.orgId);
    const res = await answer(id, deptB, { outcome: 'refused', reason: '不归我管' });
    expect([res.status, res.json.code]).toEqual([403, 'FORBIDDEN']);
    const board = await t.req('GET', `/v1/demands/${id}`);
    expect([board.json.status, board.json.history.length]).toEqual(['routed', 2]);
  });

  it('refuses to claim a demand already with a department', async () => {
    const { id } = await filed();
    await route(id, deptA.orgId);
    const res = await claim(id, deptB);
    expect([res.status, res.json.code]).toEqual([409, 'CONFLICT']);
    const own = await claim(id, deptA);
    expect(own.status).toBe(409);
    const claimed = (await filed()).id;
    expect((await claim(claimed, deptA)).status).toBe(200);
    expect((await claim(claimed, deptB)).json.code).toBe('CONFLICT');
  });

  it('refuses bad answers with a 4xx and leaves the demand as it was', async () => {
    const { id } = await filed();
    await route(id, deptA.orgId);
    const draft = await t.req('POST', '/v1/datasets', { token: deptA.token, json: datasetBody() });
    const unpublished = await answer(id, deptA, { outcome: 'fulfilled', dataset: draft.json.id });
    expect([unpublished.status, unpublished.json.errors[0].path]).toEqual([400, 'body.dataset']);
    const unknown = await answer(id, deptA, { outcome: 'fulfilled', dataset: 'no-such-dataset' });
    expect([unknown.status, unknown.json.errors[0].path]).toEqual([400, 'body.dataset']);
    for (const day of ['2026-09-28', '2025-01-01']) {
      const past = await answer(id, deptA, { outcome: 'planned', plannedFor: day });
      expect([past.status, past.json.errors[0].path]).toEqual([400, 'body.plannedFor']);
    }
    expect((await answer(id, deptA, { outcome: 'planned', plannedFor: '2026-02-30' })).status).toBe(400);
    expect((await answer(id, deptA, { outcome: 'refused', reason: ' ' })).status).toBe(400);
    expect((await route(id, 'org_nosuchorg')).json.errors[0].path).toBe('body.org');
    // Not to a company, nor to an org without providers.
    expect((await route(id, (await t.user('operator')).orgId)).json.errors[0].path).toBe('body.org');
    expect((await route(id, deptA.orgId)).json.errors[0].path).toBe('body.org');
    expect((await route('dm_nosuchdemand', deptA.orgId)).status).toBe(404);
    const after = await t.req('GET', `/v1/demands/${id}`);
    expect([after.json.status, after.json.answeredAt, after.json.history.length]).toEqual([
      'routed',
      null,
      2,
    ]);
  });

  it('shows an overdue demand on the board, and the authority routes it elsewhere', async () => {
    const { id } = await filed({ contact: CONTACT });
    await route(id, deptA.orgId);
    now = new Date('2026-10-17T02:00:00Z');
    try {
      const overdue = await t.req('GET', `/v1/demands?status=routed&org=${deptA.orgId}&limit=100`);
      const row = overdue.json.items.find((d: { id: string }) => d.id === id);
      expect(row.isOverdue).toBe(true);
      const rerouted = await route(id, deptB.orgId);
      expect([rerouted.status, rerouted.json.assignedOrg.id, rerouted.json.isOverdue]).toEqual([
        200,
        deptB.orgId,
        false,
      ]);
      // 19, 20, 21, 22, 23, 26, 27, 28, 29, 30 October.
      expect(rerouted.json.dueAt).toBe('2026-10-30T16:00:00.000Z');
      // Department A no longer has it: it may not answer, nor see the contact.
      expect((await answer(id, deptA, { outcome: 'refused', reason: '晚了' })).status).toBe(403);
      expect(await t.req('GET', `/v1/demands/${id}`, { token: deptA.token })).not.toHaveProperty(
        'json.contact',
      );
      expect((await t.req('GET', `/v1/demands/${id}`, { token: deptB.token })).json.contact).toBe(CONTACT);
      expect((await answer(id, deptB, { outcome: 'fulfilled', dataset: publishedId })).status).toBe(200);
      const log = await t.req('GET', `/v1/audit/entries?action=demand.&object_id=${id}`, {
        token: regulator.token,
      });
      expect(log.json.items.map((e: { action: string }) => e.action)).toEqual([
        'demand.file',
        'demand.route',
        'demand.route',
        'demand.answer',
      ]);
      expect(log.json.items[2].details).toMatchObject({
        from: deptA.orgId,
        org: deptB.orgId,
        wasOverdue: true,
      });
      const history = (await t.req('GET', `/v1/demands/${id}`)).json.history;
      expect(history.map((e: { kind: string; org: { id: string } | null }) => [e.kind, e.org?.id])).toEqual([
        ['filed', undefined],
        ['routed', deptA.orgId],
        ['routed', deptB.orgId],
        ['fulfilled', deptB.orgId],
      ]);
    } finally {
      now = START;
    }
  });

  it('never shows the contact on the board, in the log or to another department', async () => {
    const { id } = await filed({ contact: CONTACT }, null);
    const signedIn = (await filed({ contact: PHONE })).id;
    await route(id, deptA.orgId);
    await route(signedIn, deptA.orgId);
    for (const token of [null, other.token, deptB.token, regulator.token]) {
      const board = await t.req('GET', '/v1/demands?limit=100', { token });
      expect(board.json.items.map((d: { id: string }) => d.id)).toEqual(
        expect.arrayContaining([id, signedIn]),
      );
      for (const d of [id, signedIn]) {
        const detail = await t.req('GET', `/v1/demands/${d}`, { token });
        expect(detail.status).toBe(200);
        expect(detail.json).not.toHaveProperty('contact');
        expect(detail.text).not.toContain('example.cn');
      }
      expect(board.text).not.toContain('example.cn');
      expect(board.text).not.toContain('0013');
    }
    // The authority and the department it is with see it; the signed-in filer sees their own.
    expect((await t.req('GET', `/v1/demands/${id}`, { token: t.adminToken })).json.contact).toBe(CONTACT);
    expect((await t.req('GET', `/v1/demands/${id}`, { token: deptA.token })).json.contact).toBe(CONTACT);
    expect((await t.req('GET', `/v1/demands/${signedIn}`, { token: filer.token })).json.contact).toBe(PHONE);
    const log = await t.req('GET', '/v1/audit/entries?action=demand.&limit=500', { token: regulator.token });
    expect(log.json.items.length).toBeGreaterThan(10);
    expect(log.text).not.toContain('example.cn');
    expect(log.text).not.toContain('0013');
    expect(log.text).not.toContain('fol_');
  });

  it('keeps what the monthly statistics count per department as plain SQL: received, answered, overdue', async () => {
    const c = await t.user('provider');
    const d = await t.user('provider');
    const onTime = (await filed()).id;
    const late = (await filed()).id;
    const moved = (await filed()).id;
    await route(onTime, c.orgId);
    await claim(late, c);
    await route(moved, d.orgId);
    await answer(onTime, c, { outcome: 'planned', plannedFor: '2026-11-30' });
    now = new Date('2026-11-02T02:00:00Z');
    try {
      await route(moved, c.orgId);
      await answer(moved, c, { outcome: 'refused', reason: '不掌握' });
      await answer(onTime, c, { outcome: 'fulfilled', dataset: publishedId });
      const month = (col: string) => sql.raw(`to_char(${col} at time zone 'Asia/Shanghai', 'YYYY-MM')`);
      const orgs = [c.orgId, d.orgId];
      const byKey = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
      const received = rowsOf(
        await t.deps.db.execute(sql`
          select org_id, ${month('at')} as month, count(*)::int as n from demand_events
          where kind in ('routed', 'claimed') and org_id in (${sql.join(orgs, sql`, `)})
          group by 1, 2 order by 2, 1`),
      );
      const answered = rowsOf(
        await t.deps.db.execute(sql`
          select assigned_org_id as org_id, ${month('answered_at')} as month, count(*)::int as n from demands
          where answered_at is not null and assigned_org_id in (${sql.join(orgs, sql`, `)})
          group by 1, 2 order by 2, 1`),
      );
      // An assignment is overdue when its deadline passed without that department's answer by then.
      const overdue = rowsOf(
        await t.deps.db.execute(sql`
          select e.org_id, ${month('e.due_at')} as month, count(*)::int as n from demand_events e
          where e.kind in ('routed', 'claimed') and e.due_at < ${now.toISOString()}
            and e.org_id in (${sql.join(orgs, sql`, `)})
            and not exists (select 1 from demands x where x.id = e.demand_id
              and x.assigned_org_id = e.org_id and x.answered_at <= e.due_at)
          group by 1, 2 order by 2, 1`),
      );
      expect(byKey(received)).toEqual(
        byKey([
          { org_id: c.orgId, month: '2026-09', n: 2 },
          { org_id: d.orgId, month: '2026-09', n: 1 },
          { org_id: c.orgId, month: '2026-11', n: 1 },
        ]),
      );
      // The planned demand counts once, in the month it was first answered.
      expect(byKey(answered)).toEqual(
        byKey([
          { org_id: c.orgId, month: '2026-09', n: 1 },
          { org_id: c.orgId, month: '2026-11', n: 1 },
        ]),
      );
      expect(byKey(overdue)).toEqual(
        byKey([
          { org_id: c.orgId, month: '2026-10', n: 1 },
          { org_id: d.orgId, month: '2026-10', n: 1 },
        ]),
      );
    } finally {
      now = START;
    }
  });

  it('pages the board and filters it by status and department', async () => {
    const ids = [(await filed()).id, (await filed()).id, (await filed()).id];
    await claim(ids[1]!, deptB);
    const open = await t.req('GET', '/v1/demands?status=open&limit=100');
    const openIds = open.json.items.map((d: { id: string }) => d.id);
    expect(openIds).toEqual(expect.arrayContaining([ids[0], ids[2]]));
    expect(openIds).not.toContain(ids[1]);
    expect(open.json.items.every((d: { status: string }) => d.status === 'open')).toBe(true);
    const b = await t.req('GET', `/v1/demands?org=${deptB.orgId}&limit=100`);
    expect(b.json.items.every((d: { assignedOrg: { id: string } }) => d.assignedOrg.id === deptB.orgId)).toBe(
      true,
    );
    expect(b.json.items.map((d: { id: string }) => d.id)).toContain(ids[1]);
    const page = await t.req('GET', '/v1/demands?limit=2&offset=1');
    expect([page.json.items.length, page.json.page.offset, page.json.page.maxLimit]).toEqual([2, 1, 100]);
    expect(page.json.page.total).toBeGreaterThanOrEqual(3);
    expect((await t.req('GET', '/v1/demands?limit=101')).status).toBe(400);
    expect((await t.req('GET', '/v1/demands/dm_nosuchdemand')).status).toBe(404);
  });
});

describe('anonymous filing', () => {
  it('is limited per address per hour, beyond the per-minute limit; a token lifts it', async () => {
    let at = START;
    const small = await createTestApp({ clock: { now: () => at }, rateLimits: { anonymous: 2, token: 100 } });
    try {
      const researcher = await small.user('researcher');
      const send = (token: string | null) =>
        small.req('POST', '/v1/demands', {
          token,
          json: { title: '数据', purpose: '研究', contact: CONTACT },
        });
      expect([(await send(null)).status, (await send(null)).status]).toEqual([201, 201]);
      // A minute later the per-minute window is new, the hourly one is not.
      at = new Date(START.getTime() + 61_000);
      const refused = await send(null);
      expect([refused.status, refused.json.code]).toEqual([429, 'RATE_LIMITED']);
      expect(refused.json.detail).toContain('an hour');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(60);
      expect((await send(researcher.token)).status).toBe(201);
      at = new Date(START.getTime() + 3_600_000);
      expect((await send(null)).status).toBe(201);
      const board = await small.req('GET', '/v1/demands');
      expect(board.json.page.total).toBe(4);
    } finally {
      await small.close();
    }
  });
});
