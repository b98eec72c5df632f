import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestQualityScores, openIssueCounts } from '../src/quality/quality-stats.ts';
import { datasetBody, uploadData } from './helpers/datasets.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
let provider: { token: string; orgId: string; userId: string };
let other: { token: string; orgId: string };
beforeAll(async () => {
  t = await createTestApp();
  provider = await t.user('provider');
  other = await t.user('provider');
});
afterAll(() => t.close());

const ID = '11010519491231002X';
const BAD_ID = '110105194912310021';
const USCC = '91350100M000100Y43';
const BAD_USCC = '91350100M000100Y44';
const H = 'person_id,credit_code,kind,amount,start_day,end_day,seq\n';
const row = (over: Partial<Record<string, string>> = {}) => {
  const r = {
    person_id: ID,
    credit_code: USCC,
    kind: 'A1',
    amount: '10',
    start_day: '2024-01-01',
    end_day: '2024-01-02',
    seq: '1',
    ...over,
  };
  return `${r.person_id},${r.credit_code},${r.kind},${r.amount},${r.start_day},${r.end_day},${r.seq}\n`;
};
/** Good rows with distinct `seq` from `from`. */
const goodRows = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => row({ seq: String(from + i) })).join('');

const column = (name: string, type: string, rules: unknown[] = [], nullable = true) => ({
  name,
  type,
  nullable,
  sensitivity: 'public',
  ...(rules.length ? { rules } : {}),
});

/** The columns, with `rules` added to the column named in it. */
const columnsWith = (rules: Record<string, unknown[]>) => [
  column('person_id', 'string', rules.person_id),
  column('credit_code', 'string', rules.credit_code),
  column('kind', 'string', rules.kind),
  column('amount', 'number', rules.amount),
  column('start_day', 'date', rules.start_day),
  column('end_day', 'date', rules.end_day),
  column('seq', 'integer', rules.seq),
];

async function dataset(rules: Record<string, unknown[]>, over: Record<string, unknown> = {}) {
  const res = await t.req('POST', '/v1/datasets', {
    token: provider.token,
    json: datasetBody({ columns: columnsWith(rules), ...over }),
  });
  if (res.status !== 201) throw new Error(`create: ${res.text}`);
  return res.json.id as string;
}

const upload = (id: string, body: string, mode = 'replace') =>
  uploadData(t, provider.token, id, body, { mode });
const report = async (id: string, token: string | null = provider.token, query = '') =>
  t.req('GET', `/v1/datasets/${id}/quality${query}`, { token });
const issues = async (id: string) =>
  (await t.req('GET', `/v1/datasets/${id}/quality/issues`, { token: provider.token })).json.items as any[];

/** Per kind: the column it sits on, the rule, and a row that fails it. */
const KINDS: [string, string, Record<string, unknown>, string][] = [
  ['pattern', 'kind', { kind: 'pattern', pattern: '[A-Z]\\d' }, row({ kind: 'A12' })],
  ['codes', 'kind', { kind: 'codes', codes: ['A1', 'B2'] }, row({ kind: 'C3' })],
  ['range', 'amount', { kind: 'range', min: 0, max: 100 }, row({ amount: '100.5' })],
  ['unique', 'seq', { kind: 'unique' }, row({ seq: '1' })],
  ['required', 'kind', { kind: 'required' }, row({ kind: '' })],
  ['compare', 'end_day', { kind: 'compare', op: '>=', column: 'start_day' }, row({ end_day: '2023-12-31' })],
  ['idCard', 'person_id', { kind: 'idCard' }, row({ person_id: BAD_ID })],
  ['uscc', 'credit_code', { kind: 'uscc' }, row({ credit_code: BAD_USCC })],
];

describe('quality rules at ingest', () => {
  it.each(KINDS)(
    '%s as an error refuses the upload at the failing line and commits nothing',
    async (kind, col, rule, bad) => {
      const id = await dataset({ [col]: [{ ...rule, severity: 'error' }] });
      const res = await upload(id, `${H}${goodRows(2)}${bad}${goodRows(1, 50)}`);
      expect(res.status, res.text).toBe(422);
      expect(res.json.code).toBe('INGEST_INVALID');
      expect(res.json.errors).toEqual([{ line: 4, column: col, reason: expect.any(String) }]);
      const ds = await t.req('GET', `/v1/datasets/${id}`, { token: provider.token });
      expect(ds.json).toMatchObject({ currentVersion: null, rowCount: 0 });
      expect((await report(id)).status).toBe(404);
      expect(kind).toBe(rule.kind);
    },
  );

  it.each(KINDS)(
    '%s as a warning commits, counts the failing row and opens an issue',
    async (kind, col, rule, bad) => {
      const id = await dataset({ [col]: [{ ...rule, severity: 'warning' }] });
      const res = await upload(id, `${H}${goodRows(2)}${bad}${goodRows(1, 50)}`);
      expect(res.status, res.text).toBe(201);
      expect(res.json.quality).toEqual({ score: 75, checked: 4, failing: 1 });
      const r = await report(id);
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ version: 1, score: 75, rowCount: 4, checked: 4, failing: 1 });
      expect(r.json.results).toEqual([
        {
          column: col,
          rule: 0,
          kind,
          severity: 'warning',
          checked: 4,
          failing: 1,
          examples: [expect.objectContaining({ line: 4 })],
        },
      ]);
      const [issue, ...more] = await issues(id);
      expect(more).toEqual([]);
      expect(issue).toMatchObject({
        column: col,
        rule: 0,
        kind,
        status: 'open',
        firstVersion: 1,
        failing: 1,
      });
    },
  );

  it('counts every rule of every column; a clean upload scores 100 and a dataset without rules too', async () => {
    const id = await dataset({
      person_id: [{ kind: 'idCard' }, { kind: 'required', severity: 'warning' }],
      kind: [{ kind: 'codes', codes: ['A1'], severity: 'warning' }],
    });
    expect((await upload(id, `${H}${goodRows(3)}`)).json.quality).toEqual({
      score: 100,
      checked: 9,
      failing: 0,
    });
    const plain = (await t.req('POST', '/v1/datasets', { token: provider.token, json: datasetBody() })).json
      .id;
    expect((await upload(plain, 'city_code,day,aqi,pm25\n110100,2024-01-01,5,1\n')).status).toBe(201);
    expect((await report(plain)).json).toMatchObject({ score: 100, checked: 0, results: [] });
  });

  it('shows examples of failing values for open datasets only, and to anyone who may see the entry', async () => {
    const rules = { kind: [{ kind: 'pattern', pattern: '[A-Z]\\d', severity: 'warning' }] };
    const open = await dataset(rules);
    const closed = await dataset(rules, {
      openness: 'closed',
      classification: 3,
      sharing: 'none',
      sharingBasis: '涉及商业秘密',
    });
    const bad = `${H}${goodRows(1)}${row({ kind: 'secret-1', seq: '2' })}`;
    expect((await upload(open, bad)).status).toBe(201);
    expect((await upload(closed, bad)).status).toBe(201);
    expect((await report(open)).json.results[0].examples).toEqual([{ line: 3, value: 'secret-1' }]);
    const closedReport = await report(closed);
    expect(closedReport.json.results[0]).toMatchObject({ checked: 2, failing: 1 });
    expect(closedReport.json.results[0]).not.toHaveProperty('examples');
    expect(closedReport.text).not.toContain('secret-1');
    // Not stored either.
    const stored = await t.deps.db.query.qualityReports.findFirst({
      where: (r, { eq }) => eq(r.datasetId, closed),
    });
    expect(JSON.stringify(stored)).not.toContain('secret-1');
    // Its counts are counts over protected rows: only the holder, the authority and regulators read them.
    await t.req('POST', `/v1/datasets/${closed}/submit`, { token: provider.token });
    await t.req('POST', `/v1/datasets/${closed}/review`, {
      token: t.adminToken,
      json: { decision: 'approve' },
    });
    await t.req('POST', `/v1/datasets/${open}/submit`, { token: provider.token });
    await t.req('POST', `/v1/datasets/${open}/review`, {
      token: t.adminToken,
      json: { decision: 'approve' },
    });
    const operator = await t.user('operator');
    const regulator = await t.user('regulator');
    for (const token of [null, other.token, operator.token]) {
      expect((await report(closed, token)).status).toBe(404);
      expect((await t.req('GET', `/v1/datasets/${closed}/quality/issues`, { token })).status).toBe(404);
      expect((await report(open, token)).json.results[0].failing).toBe(1);
    }
    expect((await report(closed, regulator.token)).json.results[0].failing).toBe(1);
    expect((await report(closed, t.adminToken)).json.results[0].failing).toBe(1);
    // A draft is its provider's: anyone else gets 404.
    const draft = await dataset(rules);
    expect((await upload(draft, bad)).status).toBe(201);
    expect((await report(draft, null)).status).toBe(404);
    expect((await report(draft, other.token)).status).toBe(404);
    expect((await t.req('GET', `/v1/datasets/${draft}/quality/issues`, { token: other.token })).status).toBe(
      404,
    );
  });

  it('keeps a report per version; an append adds to the counts; a clean version rectifies the issue', async () => {
    const id = await dataset({
      kind: [{ kind: 'codes', codes: ['A1', 'B2'], severity: 'warning' }],
      seq: [{ kind: 'unique', severity: 'warning' }],
    });
    expect((await upload(id, `${H}${goodRows(2)}${row({ kind: 'C3', seq: '3' })}`)).status).toBe(201);
    const [opened] = await issues(id);
    // An append with one more failing row: the issue stays open with the version's counts.
    const appended = await upload(id, `${H}${row({ kind: 'C3', seq: '4' })}${row({ seq: '1' })}`, 'append');
    expect(appended.status, appended.text).toBe(201);
    const v2 = (await report(id)).json;
    expect(v2.version).toBe(2);
    expect(v2.results).toEqual([
      expect.objectContaining({ column: 'kind', checked: 5, failing: 2 }),
      expect.objectContaining({ column: 'seq', checked: 5, failing: 1 }),
    ]);
    expect(v2.results[0].examples.map((e: { line: number }) => e.line)).toEqual([4, 2]);
    // A repeat names the line that held the value first, 0 for the rows of an earlier version.
    expect(v2.results[1].examples).toEqual([{ line: 3, firstLine: 0 }]);
    let list = await issues(id);
    expect(list.find((i) => i.id === opened.id)).toMatchObject({
      status: 'open',
      lastVersion: 2,
      failing: 2,
    });
    expect(list.find((i) => i.column === 'seq')).toMatchObject({ status: 'open', firstVersion: 2 });
    // A clean replacement rectifies both.
    expect((await upload(id, `${H}${goodRows(3)}`)).status).toBe(201);
    list = await issues(id);
    expect(list.map((i) => [i.column, i.status, i.rectifiedVersion]).sort()).toEqual([
      ['kind', 'rectified', 3],
      ['seq', 'rectified', 3],
    ]);
    expect((await report(id, provider.token, '?version=1')).json).toMatchObject({ version: 1, failing: 1 });
    expect((await report(id, provider.token, '?version=9')).status).toBe(404);
    const actions = (
      await t.deps.db.query.auditEntries.findMany({ where: (e, { eq }) => eq(e.datasetId, id) })
    ).map((e) => e.action);
    expect(actions.filter((a) => a === 'quality.report')).toHaveLength(3);
    expect(actions.filter((a) => a === 'quality.issue.open')).toHaveLength(2);
    expect(actions.filter((a) => a === 'quality.issue.rectify')).toHaveLength(2);
  });

  it('an append may not repeat a value of an earlier version under an error unique rule', async () => {
    const id = await dataset({ seq: [{ kind: 'unique' }] });
    expect((await upload(id, `${H}${goodRows(3)}`)).status).toBe(201);
    const res = await upload(id, `${H}${goodRows(1, 10)}${row({ seq: '2' })}`, 'append');
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([{ line: 3, column: 'seq', reason: 'a value already in the dataset' }]);
  });
});

describe('quality issues', () => {
  async function withIssue() {
    const id = await dataset({ kind: [{ kind: 'pattern', pattern: '[A-Z]\\d', severity: 'warning' }] });
    expect((await upload(id, `${H}${row({ kind: 'x' })}`)).status).toBe(201);
    return { id, issue: (await issues(id))[0] };
  }

  it('the provider responds and closes; a closed issue takes no more; another org gets 404', async () => {
    const { id, issue } = await withIssue();
    const path = `/v1/quality/issues/${issue.id}/responses`;
    expect((await t.req('POST', path, { token: other.token, json: { note: '不是我们的' } })).status).toBe(
      404,
    );
    const noted = await t.req('POST', path, { token: provider.token, json: { note: '正在核查源系统' } });
    expect(noted.status, noted.text).toBe(200);
    expect(noted.json).toMatchObject({
      status: 'open',
      responses: [{ note: '正在核查源系统', isClosing: false }],
    });
    const closed = await t.req('POST', path, {
      token: provider.token,
      json: { note: '字段口径已说明', close: true },
    });
    expect(closed.json).toMatchObject({ status: 'closed', responses: [{}, { isClosing: true }] });
    expect(closed.json.closedAt).not.toBeNull();
    // The public sees the notes, not who wrote them.
    const seen = async (token: string | null) =>
      (await t.req('GET', `/v1/datasets/${id}/quality/issues`, { token })).json.items[0].responses[0];
    expect(await seen(provider.token)).toMatchObject({ by: provider.userId });
    await t.req('POST', `/v1/datasets/${id}/submit`, { token: provider.token });
    await t.req('POST', `/v1/datasets/${id}/review`, { token: t.adminToken, json: { decision: 'approve' } });
    expect(await seen(null)).toEqual({ note: '正在核查源系统', at: expect.any(String), isClosing: false });
    expect(await seen(other.token)).not.toHaveProperty('by');
    const again = await t.req('POST', path, { token: provider.token, json: { note: '再说一句' } });
    expect(again.status).toBe(409);
    expect(again.json.code).toBe('INVALID_STATE');
    // A later failing version opens a new issue rather than reopening the closed one.
    expect((await upload(id, `${H}${row({ kind: 'y' })}`)).status).toBe(201);
    expect((await issues(id)).map((i) => i.status).sort()).toEqual(['closed', 'open']);
    const actions = (
      await t.deps.db.query.auditEntries.findMany({
        where: (e, { eq }) => eq(e.objectId, issue.id),
        orderBy: (e, { asc }) => [asc(e.seq)],
      })
    ).map((e) => e.action);
    expect(actions).toEqual(['quality.issue.open', 'quality.issue.respond', 'quality.issue.close']);
  });

  it("lists a provider's own issues, all of them for the authority", async () => {
    const { issue } = await withIssue();
    const own = await t.req('GET', '/v1/quality/issues?status=open&limit=200', { token: provider.token });
    expect(own.json.items.map((i: { id: string }) => i.id)).toContain(issue.id);
    const theirs = await t.req('GET', '/v1/quality/issues', { token: other.token });
    expect(theirs.json.items).toEqual([]);
    const all = await t.req('GET', '/v1/quality/issues?limit=200', { token: t.adminToken });
    expect(all.json.items.map((i: { id: string }) => i.id)).toContain(issue.id);
    expect((await t.req('GET', '/v1/quality/issues?limit=201', { token: t.adminToken })).status).toBe(400);
  });

  it('gives the monthly statistics the latest scores and the open issues per provider org', async () => {
    const { id } = await withIssue();
    expect(await latestQualityScores(t.deps.db, [id])).toEqual([{ datasetId: id, version: 1, score: 0 }]);
    expect((await upload(id, `${H}${goodRows(1)}`)).status).toBe(201);
    expect(await latestQualityScores(t.deps.db, [id])).toEqual([{ datasetId: id, version: 2, score: 100 }]);
    expect(await latestQualityScores(t.deps.db, [])).toEqual([]);
    const counts = await openIssueCounts(t.deps.db);
    const open = await t.req('GET', '/v1/quality/issues?status=open&limit=200', { token: provider.token });
    expect(counts.find((c) => c.orgId === provider.orgId)?.open).toBe(open.json.items.length);
    expect(counts.find((c) => c.orgId === other.orgId)).toBeUndefined();
  });
});

describe('rules that do not parse or do not fit are refused with their path', () => {
  const refused: [string, Record<string, unknown[]>, string][] = [
    [
      'a bad regular expression',
      { kind: [{ kind: 'pattern', pattern: '([A-Z]' }] },
      'body.columns.2.rules.0.pattern',
    ],
    ['a backreference', { kind: [{ kind: 'pattern', pattern: '(a)\\1' }] }, 'body.columns.2.rules.0.pattern'],
    [
      'a pattern on an integer column',
      { seq: [{ kind: 'pattern', pattern: '\\d+' }] },
      'body.columns.6.rules.0.kind',
    ],
    ['an unknown kind', { kind: [{ kind: 'checksum' }] }, 'body.columns.2.rules.0.kind'],
    [
      'an unknown severity',
      { kind: [{ kind: 'required', severity: 'fatal' }] },
      'body.columns.2.rules.0.severity',
    ],
    ['an unknown field', { kind: [{ kind: 'required', level: 1 }] }, 'body.columns.2.rules.0'],
    [
      'compare to an unknown column',
      { end_day: [{ kind: 'compare', op: '>=', column: 'nope' }] },
      'body.columns.5.rules.0.column',
    ],
    [
      'compare to another type',
      { end_day: [{ kind: 'compare', op: '>=', column: 'amount' }] },
      'body.columns.5.rules.0.column',
    ],
    [
      'compare with an unknown op',
      { end_day: [{ kind: 'compare', op: '!=', column: 'start_day' }] },
      'body.columns.5.rules.0.op',
    ],
    [
      'a range with text on a number',
      { amount: [{ kind: 'range', min: 'low' }] },
      'body.columns.3.rules.0.min',
    ],
    [
      'a range with min above max',
      { start_day: [{ kind: 'range', min: '2024-02-01', max: '2024-01-01' }] },
      'body.columns.4.rules.0.min',
    ],
    ['an empty range', { amount: [{ kind: 'range' }] }, 'body.columns.3.rules.0'],
    [
      'codes of the wrong type',
      { seq: [{ kind: 'codes', codes: [1, 'x'] }] },
      'body.columns.6.rules.0.codes.1',
    ],
    ['idCard on a date column', { start_day: [{ kind: 'idCard' }] }, 'body.columns.4.rules.0.kind'],
    ['rules that are not a list', { kind: 'required' as unknown as unknown[] }, 'body.columns.2.rules'],
  ];

  it.each(refused)('%s: 400 naming the rule', async (_name, rules, path) => {
    const res = await t.req('POST', '/v1/datasets', {
      token: provider.token,
      json: datasetBody({ columns: columnsWith(rules) }),
    });
    expect(res.status, res.text).toBe(400);
    expect(res.json.code).toBe('VALIDATION_FAILED');
    expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('refuses them on update too, and takes good ones', async () => {
    const id = await dataset({});
    const bad = await t.req('PATCH', `/v1/datasets/${id}`, {
      token: provider.token,
      json: { columns: columnsWith({ kind: [{ kind: 'uscc' }, { kind: 'pattern', pattern: '*' }] }) },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.errors.map((e: { path: string }) => e.path)).toContain('body.columns.2.rules.1.pattern');
    const good = await t.req('PATCH', `/v1/datasets/${id}`, {
      token: provider.token,
      json: { columns: columnsWith({ kind: [{ kind: 'uscc', severity: 'warning' }] }) },
    });
    expect(good.status, good.text).toBe(200);
    expect(good.json.columns[2].rules).toEqual([{ kind: 'uscc', severity: 'warning' }]);
  });
});
