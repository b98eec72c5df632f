import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timelinessCounts } from '../src/catalogue/timeliness.ts';
import { auditEntries } from '../src/db/schema/index.ts';
import { datasetBody, publishDataset, uploadData } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

const CSV = 'city_code,day,aqi,pm25\n330100,2026-01-02,40,\n';

let now = new Date('2026-06-01T02:00:00Z');
let t: TestApp;
let holder: { token: string; orgId: string };
let stranger: { token: string; orgId: string };
beforeAll(async () => {
  t = await createTestApp({ clock: { now: () => now } });
  holder = await t.user('provider');
  stranger = await t.user('provider');
});
afterAll(() => t?.close());

const at = (iso: string) => {
  now = new Date(iso);
};
const timeliness = async (id: string, token: string | null = holder.token) => {
  const res = await t.req('GET', `/v1/datasets/${id}`, { token });
  expect(res.status).toBe(200);
  return res.json.timeliness;
};
const upload = async (id: string) => expect((await uploadData(t, holder.token, id, CSV)).status).toBe(201);
const overdueIds = async (overdue: boolean) => {
  const res = await t.req('GET', `/v1/datasets?overdue=${overdue}&provider=${holder.orgId}&limit=100`);
  expect(res.status).toBe(200);
  return (res.json.items as { id: string }[]).map((d) => d.id);
};

describe('data overdue for its update frequency', () => {
  it('flags daily data one working day after its day has passed, and an upload clears it', async () => {
    at('2026-06-01T02:00:00Z'); // 10:00 Monday 1 June in Beijing
    const id = await publishDataset(t, holder.token, { updateFrequency: 'daily' });
    await upload(id);
    expect(await timeliness(id)).toMatchObject({
      lastDataAt: '2026-06-01T02:00:00.000Z',
      // The day runs to 10:00 on Tuesday; the grace to the end of Wednesday in Beijing.
      dataDueAt: '2026-06-03T16:00:00.000Z',
      isDataOverdue: false,
    });
    at('2026-06-03T15:59:00Z');
    expect((await timeliness(id)).isDataOverdue).toBe(false);
    expect(await overdueIds(false)).toContain(id);
    expect(await overdueIds(true)).not.toContain(id);
    at('2026-06-03T16:01:00Z');
    expect((await timeliness(id, null)).isDataOverdue).toBe(true);
    expect(await overdueIds(true)).toContain(id);
    expect(await overdueIds(false)).not.toContain(id);
    // Uploaded just after midnight on Thursday in Beijing: the day runs to Friday, the grace to Monday's end.
    await upload(id);
    expect(await timeliness(id)).toMatchObject({
      isDataOverdue: false,
      dataDueAt: '2026-06-08T16:00:00.000Z',
    });
    expect(await overdueIds(true)).not.toContain(id);
  });

  it('adds a calendar month in Beijing, and the grace skips the Labour Day holiday', async () => {
    at('2026-03-31T02:00:00Z');
    const id = await publishDataset(t, holder.token, { updateFrequency: 'monthly' });
    await upload(id);
    // 31 March + 1 month = 30 April; 1–5 May are off, so the next working day is Wednesday 6 May.
    expect((await timeliness(id)).dataDueAt).toBe('2026-05-06T16:00:00.000Z');
    at('2026-05-06T12:00:00Z');
    expect((await timeliness(id)).isDataOverdue).toBe(false);
    at('2026-05-07T01:00:00Z');
    expect((await timeliness(id)).isDataOverdue).toBe(true);
  });

  it('gives yearly data twelve months', async () => {
    at('2026-03-02T02:00:00Z');
    const id = await publishDataset(t, holder.token, { updateFrequency: 'yearly' });
    await upload(id);
    expect((await timeliness(id)).dataDueAt).toBe('2027-03-03T16:00:00.000Z');
    at('2027-03-01T02:00:00Z');
    expect((await timeliness(id)).isDataOverdue).toBe(false);
    at('2027-03-04T02:00:00Z');
    expect((await timeliness(id)).isDataOverdue).toBe(true);
  });

  it('never flags irregular data once it has some, but wants first data within 20 working days', async () => {
    at('2026-06-01T02:00:00Z');
    const withData = await publishDataset(t, holder.token, { updateFrequency: 'irregular' });
    await upload(withData);
    const without = await publishDataset(t, holder.token, { updateFrequency: 'once' });
    expect((await timeliness(withData)).dataDueAt).toBeNull();
    expect((await timeliness(without)).dataDueAt).toBe('2026-06-30T16:00:00.000Z');
    at('2026-06-30T15:00:00Z');
    expect((await timeliness(without)).isDataOverdue).toBe(false);
    at('2026-07-01T02:00:00Z');
    expect((await timeliness(without)).isDataOverdue).toBe(true);
    at('2029-06-01T02:00:00Z');
    expect(await timeliness(withData)).toMatchObject({ isDataOverdue: false, dataDueAt: null });
  });
});

describe('change notices (职责或目录信息发生变化)', () => {
  it('is due in 20 working days across National Day, overdue after, and followed by a revision', async () => {
    at('2026-09-28T02:00:00Z'); // Monday before the National Day week
    const id = await publishDataset(t, holder.token, { updateFrequency: 'irregular' });
    await upload(id);
    const recorded = await t.req('POST', `/v1/datasets/${id}/change-notices`, {
      token: holder.token,
      json: { what: '监测职责划转至生态环境局' },
    });
    expect(recorded.status).toBe(201);
    // 29, 30 September, 8–10 October (the 10th a make-up Saturday), then three full weeks.
    expect(recorded.json).toMatchObject({
      dueAt: '2026-10-30T16:00:00.000Z',
      followedAt: null,
      isOverdue: false,
    });
    expect(await timeliness(id)).toMatchObject({
      openChangeNotices: 1,
      changeDueAt: '2026-10-30T16:00:00.000Z',
      isChangeOverdue: false,
    });
    at('2026-10-30T15:00:00Z');
    expect((await timeliness(id)).isChangeOverdue).toBe(false);
    at('2026-10-31T01:00:00Z');
    expect((await timeliness(id, null)).isChangeOverdue).toBe(true);
    expect(await overdueIds(true)).toContain(id);
    const listed = await t.req('GET', `/v1/datasets/${id}/change-notices`);
    expect(listed.status).toBe(200);
    expect(listed.json.items.map((n: { isOverdue: boolean }) => n.isOverdue)).toEqual([true]);

    const revised = await t.req('PATCH', `/v1/datasets/${id}`, {
      token: holder.token,
      json: { title: '城市空气质量日报（生态环境局）', updateFrequency: 'daily' },
    });
    expect(revised.status).toBe(200);
    expect(revised.json).toMatchObject({ title: '城市空气质量日报（生态环境局）', status: 'published' });
    expect(revised.json.timeliness).toMatchObject({ openChangeNotices: 0, isChangeOverdue: false });
    const after = await t.req('GET', `/v1/datasets/${id}/change-notices`);
    expect(after.json.items[0]).toMatchObject({ followedAt: now.toISOString(), isOverdue: false });
    const [entry] = await t.deps.db
      .select()
      .from(auditEntries)
      .where(and(eq(auditEntries.datasetId, id), eq(auditEntries.action, 'dataset.revise')));
    expect(entry?.details).toMatchObject({
      fields: ['title', 'updateFrequency'],
      previous: { title: '城市空气质量日报', updateFrequency: 'irregular' },
      followedNotices: [recorded.json.id],
    });
  });

  it('refuses to revise anything but the description of a published entry, changing nothing', async () => {
    at('2026-06-01T02:00:00Z');
    const id = await publishDataset(t, holder.token);
    for (const json of [
      { openness: 'closed' },
      { title: '新标题', classification: 2 },
      { sharing: 'none', sharingBasis: '依据' },
      { columns: datasetBody().columns },
    ]) {
      const res = await t.req('PATCH', `/v1/datasets/${id}`, { token: holder.token, json });
      expect([res.status, res.json.code]).toEqual([409, 'INVALID_STATE']);
    }
    const entry = await t.req('GET', `/v1/datasets/${id}`);
    expect(entry.json).toMatchObject({ title: '城市空气质量日报', openness: 'open', classification: 1 });
    const revisions = await t.deps.db
      .select()
      .from(auditEntries)
      .where(and(eq(auditEntries.datasetId, id), eq(auditEntries.action, 'dataset.revise')));
    expect(revisions).toEqual([]);
  });

  it("keeps other orgs off a dataset's notices and revisions; only published entries take notices", async () => {
    at('2026-06-01T02:00:00Z');
    const id = await publishDataset(t, holder.token);
    const notice = await t.req('POST', `/v1/datasets/${id}/change-notices`, {
      token: stranger.token,
      json: { what: '不是我的' },
    });
    expect([notice.status, notice.json.code]).toEqual([404, 'NOT_FOUND']);
    const patch = await t.req('PATCH', `/v1/datasets/${id}`, {
      token: stranger.token,
      json: { title: '偷改' },
    });
    expect(patch.status).toBe(404);
    expect((await t.req('GET', `/v1/datasets/${id}/change-notices`)).json.items).toEqual([]);
    expect((await t.req('GET', `/v1/datasets/${id}`)).json.title).toBe('城市空气质量日报');
    const byAdmin = await t.req('POST', `/v1/datasets/${id}/change-notices`, {
      token: t.adminToken,
      json: { what: '目录信息调整' },
    });
    expect(byAdmin.status).toBe(201);

    const draft = await t.req('POST', '/v1/datasets', { token: holder.token, json: datasetBody() });
    const onDraft = await t.req('POST', `/v1/datasets/${draft.json.id}/change-notices`, {
      token: holder.token,
      json: { what: '草稿' },
    });
    expect([onDraft.status, onDraft.json.code]).toEqual([409, 'INVALID_STATE']);
    const strangerList = await t.req('GET', `/v1/datasets/${draft.json.id}/change-notices`, {
      token: stranger.token,
    });
    expect(strangerList.status).toBe(404);
  });
});

describe('registration of new entries', () => {
  it('flags an entry not published within 20 working days of its registration, to its provider only', async () => {
    at('2026-06-01T02:00:00Z');
    const created = await t.req('POST', '/v1/datasets', { token: holder.token, json: datasetBody() });
    const id = created.json.id as string;
    expect(created.json.timeliness).toMatchObject({
      registrationDueAt: '2026-06-30T16:00:00.000Z',
      isRegistrationOverdue: false,
    });
    at('2026-07-01T02:00:00Z');
    expect((await timeliness(id)).isRegistrationOverdue).toBe(true);
    expect((await timeliness(id, t.adminToken)).isRegistrationOverdue).toBe(true);
    expect((await t.req('GET', `/v1/datasets/${id}`, { token: stranger.token })).status).toBe(404);
    const drafts = await t.req('GET', '/v1/datasets?status=draft&overdue=true', { token: holder.token });
    expect(drafts.json.items.map((d: { id: string }) => d.id)).toContain(id);
    const strangers = await t.req('GET', '/v1/datasets?status=draft&overdue=true', { token: stranger.token });
    expect(strangers.json.items.map((d: { id: string }) => d.id)).not.toContain(id);
  });
});

describe('timelinessCounts', () => {
  it('counts per org as of a past instant and as of now', async () => {
    const org = await t.user('provider');
    at('2026-06-01T02:00:00Z');
    const daily = await publishDataset(t, org.token, { updateFrequency: 'daily' });
    expect((await uploadData(t, org.token, daily, CSV)).status).toBe(201);
    const quiet = await publishDataset(t, org.token, { updateFrequency: 'irregular' });
    expect((await uploadData(t, org.token, quiet, CSV)).status).toBe(201);
    const draft = await t.req('POST', '/v1/datasets', { token: org.token, json: datasetBody() });
    at('2026-06-02T02:00:00Z');
    const notice = await t.req('POST', `/v1/datasets/${quiet}/change-notices`, {
      token: org.token,
      json: { what: '职责调整' },
    });
    expect(notice.status).toBe(201);
    const zero = { dataOverdue: 0, changeOverdue: 0, registrationOverdue: 0 };

    at('2026-07-15T02:00:00Z');
    expect(
      (await timelinessCounts(t.deps.db, new Date('2026-06-02T12:00:00Z'))).get(org.orgId),
    ).toBeUndefined();
    expect((await timelinessCounts(t.deps.db, now)).get(org.orgId)).toEqual({
      dataOverdue: 1,
      changeOverdue: 1,
      registrationOverdue: 1,
    });

    // The data, the revision and the publication come in; the past stays as it was.
    expect((await uploadData(t, org.token, daily, CSV)).status).toBe(201);
    const revised = await t.req('PATCH', `/v1/datasets/${quiet}`, {
      token: org.token,
      json: { tags: ['空气'] },
    });
    expect(revised.status).toBe(200);
    expect((await t.req('POST', `/v1/datasets/${draft.json.id}/submit`, { token: org.token })).status).toBe(
      200,
    );
    const approved = await t.req('POST', `/v1/datasets/${draft.json.id}/review`, {
      token: t.adminToken,
      json: { decision: 'approve' },
    });
    expect(approved.status).toBe(200);
    // A fresh publication has 20 working days for its first data.
    at('2026-07-16T02:00:00Z');
    expect((await timelinessCounts(t.deps.db, now)).get(org.orgId)).toBeUndefined();
    const monthEnd = new Date('2026-06-30T16:00:00Z');
    // At June's end the notice (due 1 July, after the Dragon Boat holiday) and the draft were not late yet.
    expect((await timelinessCounts(t.deps.db, monthEnd)).get(org.orgId)).toEqual({ ...zero, dataOverdue: 1 });
    expect((await timelinessCounts(t.deps.db, new Date('2026-07-02T02:00:00Z'))).get(org.orgId)).toEqual({
      dataOverdue: 1,
      changeOverdue: 1,
      registrationOverdue: 1,
    });
    // Another org's entries are not in this org's counts.
    expect((await timelinessCounts(t.deps.db, now)).get(stranger.orgId)).toBeUndefined();
  });
});
