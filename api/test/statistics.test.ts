import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishDataset, uploadData } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

const PERSONAL = [
  { name: 'person_id', type: 'string', nullable: false, sensitivity: 'identifier' },
  { name: 'district', type: 'string', nullable: false, sensitivity: 'public' },
];
const BASIS = '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条';

/** 10:00 in Beijing on the given day. */
const at = (day: string) => new Date(`${day}T02:00:00Z`);
let now = at('2026-11-02');
let t: TestApp;
let holder: { token: string; orgId: string };
let requester: { token: string; orgId: string };
let regulator: { token: string };
let openId: string;
let conditionalId: string;

const ask = async (dataset: string) => {
  const res = await t.req('POST', '/v1/sharing/requests', {
    token: requester.token,
    json: {
      dataset,
      columns: ['district'],
      duty: '依法履职',
      purpose: '核验',
      systems: ['业务系统'],
      term: {
        notBefore: now.toISOString(),
        notAfter: new Date(now.getTime() + 90 * 86_400_000).toISOString(),
      },
    },
  });
  expect(res.status).toBe(201);
  return res.json.id as string;
};
const stats = async (month: string, token = t.adminToken) =>
  t.req('GET', `/v1/statistics/monthly?month=${month}`, { token });
const dept = (body: { departments: { orgId: string }[] }, orgId: string) =>
  body.departments.find((d) => d.orgId === orgId) as any;

beforeAll(async () => {
  t = await createTestApp({ clock: { now: () => now } });
  holder = await t.user('provider', { orgName: '市生态环境局' });
  requester = await t.user('provider', { orgName: '市人力资源和社会保障局' });
  regulator = await t.user('regulator');
  // November 2026, Beijing time: the holder publishes two entries, one with data.
  openId = await publishDataset(t, holder.token);
  expect(
    (await uploadData(t, holder.token, openId, 'city_code,day,aqi,pm25\n110100,2026-11-01,50,12.5\n')).status,
  ).toBe(201);
  conditionalId = await publishDataset(t, holder.token, {
    openness: 'closed',
    classification: 3,
    columns: [
      PERSONAL[0],
      { ...PERSONAL[1], rules: [{ kind: 'codes', codes: ['东城区', '西城区'], severity: 'warning' }] },
    ],
    sharing: 'conditional',
    sharingBasis: BASIS,
  });
  // Decided in three working days (3, 4, 5 November).
  const first = await ask(conditionalId);
  now = at('2026-11-05');
  expect(
    (
      await t.req('POST', `/v1/sharing/requests/${first}/decisions`, {
        token: holder.token,
        json: { decision: 'approve' },
      })
    ).status,
  ).toBe(200);
  // Asked on 10 November, due on 24 November, never answered.
  now = at('2026-11-10');
  await ask(conditionalId);
  // Open-data reads, counted per day.
  for (let i = 0; i < 3; i++) await t.req('GET', `/v1/open/${openId}/rows`);
  await t.req('GET', `/v1/open/${openId}/download`);
  await t.deps.readCounter.flush();
  // A demand routed to the holder and answered with its open entry.
  const demand = await t.req('POST', '/v1/demands', {
    token: requester.token,
    json: { title: '空气质量日报', purpose: '健康提示' },
  });
  await t.req('POST', `/v1/demands/${demand.json.id}/route`, {
    token: t.adminToken,
    json: { org: holder.orgId },
  });
  now = at('2026-11-12');
  const answered = await t.req('POST', `/v1/demands/${demand.json.id}/answers`, {
    token: holder.token,
    json: { outcome: 'fulfilled', dataset: openId },
  });
  expect(answered.status).toBe(200);
  // In December the conditional entry gets data that fails a warning rule: a report and an issue.
  now = at('2026-12-01');
  expect(
    (await uploadData(t, holder.token, conditionalId, 'person_id,district\np1,东城区\np2,朝阳区\n')).status,
  ).toBe(201);
  now = at('2026-12-03');
});
afterAll(() => t?.close());

describe('monthly statistics (每月统计)', () => {
  it('counts a department’s month: catalogue, sharing, demands, open data; rates, score and rank', async () => {
    const res = await stats('2026-11');
    expect(res.status).toBe(200);
    expect([res.json.from, res.json.to, res.json.isComplete]).toEqual([
      '2026-10-31T16:00:00.000Z',
      '2026-11-30T16:00:00.000Z',
      true,
    ]);
    const h = dept(res.json, holder.orgId);
    expect(h.name).toBe('市生态环境局');
    expect(h.catalogue).toMatchObject({ registered: 2, published: 2, withData: 1 });
    // One entry has data, its report scored 100; the other's report (made in December) is not November's.
    expect(h.quality).toEqual({ score: 100, reports: 1, openIssues: 0 });
    expect(h.catalogue.bySharing).toEqual({ unconditional: 1, conditional: 1, none: 0 });
    expect(h.catalogue.byOpenness).toEqual({ open: 1, conditional: 0, closed: 1 });
    expect(h.sharing).toEqual({
      received: 2,
      approved: 1,
      refused: 0,
      overdue: 1,
      dueInMonth: 2,
      medianAnswerWorkingDays: 3,
    });
    expect(h.demands).toEqual({ received: 1, answered: 1, overdue: 0, dueInMonth: 1 });
    expect(h.openData).toEqual({ reads: 3, downloads: 1 });
    expect(h.rates.coverage).toBe(1);
    expect(h.rates.aggregation).toBe(0.5);
    // Three deadlines fell in November (two requests, the demand); one was missed.
    expect(h.rates.responsiveness).toBeCloseTo(2 / 3);
    expect(h.rank).toBe(1);
    // The requester holds nothing: no rates, no score, ranked last without a place.
    const r = dept(res.json, requester.orgId);
    expect([r.score, r.rank, r.sharing.received]).toEqual([null, 0, 0]);
    expect(res.json.platform).toMatchObject({ departments: 2 });
    expect(res.json.platform.sharing.received).toBe(2);
  });

  it('keeps months apart: October saw none of it, December only what is still open', async () => {
    const october = (await stats('2026-10')).json;
    expect(dept(october, holder.orgId).catalogue.registered).toBe(0);
    expect(dept(october, holder.orgId).sharing.received).toBe(0);
    const december = (await stats('2026-12')).json;
    expect(december.isComplete).toBe(false);
    expect(december.to).toBe(now.toISOString());
    const h = dept(december, holder.orgId);
    expect([h.catalogue.published, h.catalogue.withData, h.sharing.received, h.openData.reads]).toEqual([
      2, 2, 0, 0,
    ]);
    expect(h.quality.openIssues).toBe(1);
    expect(h.quality.reports).toBe(2);
    expect(h.quality.score).toBeLessThan(100);
  });

  it('refuses a month that has not begun, and what is not a month', async () => {
    const future = await stats('2027-01');
    expect([future.status, future.json.errors[0].path, future.json.errors[0].message]).toEqual([
      400,
      'query.month',
      '2027-01 has not begun',
    ]);
    expect((await stats('2026-13')).status).toBe(400);
    expect((await stats('2026-1')).status).toBe(400);
    expect(
      (await t.req('GET', '/v1/statistics/monthly/csv?month=2027-01', { token: t.adminToken })).status,
    ).toBe(400);
    expect((await stats('2026-11', holder.token)).status).toBe(403);
    expect((await stats('2026-11', regulator.token)).status).toBe(200);
  });

  it('serves CSV in rank order, with names that look like formulas guarded', async () => {
    await t.user('provider', { orgName: '=HYPERLINK("http://x")' });
    const res = await t.req('GET', '/v1/statistics/monthly/csv?month=2026-11', { token: regulator.token });
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = res.text.trimEnd().split('\r\n');
    expect(lines[0]!.startsWith('rank,org_id,name,score,rate_coverage')).toBe(true);
    expect(lines[1]!.startsWith(`1,${holder.orgId},市生态环境局,`)).toBe(true);
    expect(lines.some((l) => l.includes(`"'=HYPERLINK(""http://x"")"`))).toBe(true);
    expect(lines).toHaveLength(4);
  });

  it('renders the report: tables and server-drawn charts, no script, names escaped', async () => {
    await t.user('provider', { orgName: '<img src=x onerror=alert(1)>局' });
    const res = await t.req('GET', '/v1/statistics/monthly/report?month=2026-11', { token: t.adminToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.text).toContain('政务数据共享开放工作情况通报（2026年11月）');
    expect(res.text).toContain('<td>市生态环境局</td>');
    expect((res.text.match(/<svg /g) ?? []).length).toBe(3);
    expect(res.text).not.toContain('<img');
    expect(res.text).not.toMatch(/<script/i);
    const en = await t.req('GET', '/v1/statistics/monthly/report?month=2026-11&lang=en', {
      token: t.adminToken,
    });
    expect(en.text).toContain('monthly report, 2026-11');
    expect(
      (await t.req('GET', '/v1/statistics/monthly/report?month=2026-11&lang=fr', { token: t.adminToken }))
        .status,
    ).toBe(400);
  });
});
