import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_RULES } from '../src/audit/compute-audit-alerts.ts';
import { activeContract, termFromNow } from './helpers/licences.ts';
import { runScript, sandboxSession } from './helpers/sandbox.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

const MINUTE = 60_000;
let now = Date.now();
const clock = { now: () => new Date(now) };
const advance = (ms: number) => {
  now += ms;
};

let t: TestApp;
let regulator: { token: string };
beforeAll(async () => {
  t = await createTestApp({ clock, sandbox: 1 });
  regulator = await t.user('regulator');
});
afterAll(() => t.close());

type TAlert = {
  kind: string;
  severity: string;
  subject: { type: string; id: string; orgId: string | null };
  window: { from: string; to: string };
  count: number;
  message: string;
  details: Record<string, unknown>;
  entries: number[];
};

/** Alerts over [since, now]: each test looks at its own stretch of the (injected) clock. */
async function alertsSince(since: number): Promise<TAlert[]> {
  const from = new Date(since).toISOString();
  const to = new Date(now + 1).toISOString();
  const res = await t.req('GET', `/v1/audit/alerts?from=${from}&to=${to}`, { token: regulator.token });
  expect(res.status, res.text).toBe(200);
  return res.json.items;
}
const about = (alerts: TAlert[], kind: string, id: string) =>
  alerts.filter((a) => a.kind === kind && a.subject.id === id);

/** Leaf indexes of the entries that match, in order. */
async function seqsOf(where: { action: string; objectId?: string; contractId?: string }) {
  const rows = await t.deps.db.query.auditEntries.findMany({
    where: (a, { and, eq }) =>
      and(
        eq(a.action, where.action),
        where.objectId ? eq(a.objectId, where.objectId) : undefined,
        where.contractId ? eq(a.contractId, where.contractId) : undefined,
      ),
    orderBy: (a, { asc }) => asc(a.seq),
  });
  return rows;
}

describe('revoked_token_use', () => {
  it('logs a request with a revoked or expired token, names its owner, and raises an alert', async () => {
    const start = now;
    const user = await t.user('operator');
    const [token] = await t.deps.db.query.apiTokens.findMany({
      where: (x, { eq }) => eq(x.userId, user.userId),
    });
    expect((await t.req('POST', `/v1/tokens/${token!.id}/revoke`, { token: user.token })).status).toBe(200);
    expect(await alertsSince(start)).toEqual([]);

    const used = await t.req('GET', '/v1/me', { token: user.token });
    expect(used.status).toBe(401);
    const [entry] = await seqsOf({ action: 'auth.token_refused', objectId: token!.id });
    expect(entry).toMatchObject({
      actorUserId: user.userId,
      actorOrgId: user.orgId,
      actorRole: 'operator',
      objectType: 'token',
      outcome: 'refused',
      details: { reason: 'revoked', method: 'GET', path: '/v1/me' },
      requestId: used.json.requestId,
    });

    // Replayed in a loop, it is logged once a minute, not once a request.
    for (let i = 0; i < 5; i++)
      expect((await t.req('GET', '/v1/me', { token: user.token })).status).toBe(401);
    expect(await seqsOf({ action: 'auth.token_refused', objectId: token!.id })).toHaveLength(1);
    advance(MINUTE);
    await t.req('GET', '/v1/datasets', { token: user.token });
    const entries = await seqsOf({ action: 'auth.token_refused', objectId: token!.id });
    expect(entries).toHaveLength(2);

    const [alert, ...more] = about(await alertsSince(start), 'revoked_token_use', token!.id);
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      severity: 'high',
      subject: { type: 'token', id: token!.id, orgId: user.orgId },
      count: 2,
      entries: entries.map((e) => e.seq),
      details: { reason: 'revoked', userId: user.userId },
      window: { from: entries[0]!.occurredAt.toISOString(), to: entries[1]!.occurredAt.toISOString() },
    });
  });

  it('logs an expired token with reason expired, and never an unknown token', async () => {
    const start = now;
    const user = await t.user('researcher');
    const issued = await t.req('POST', `/v1/users/${user.userId}/tokens`, {
      token: t.adminToken,
      json: { label: 'short', expiresAt: new Date(now + MINUTE).toISOString() },
    });
    expect(issued.status).toBe(201);
    advance(2 * MINUTE);
    const before = (await t.deps.db.query.auditEntries.findMany()).length;
    for (let i = 0; i < 3; i++) {
      expect((await t.req('GET', '/v1/me', { token: `enc_${String(i).repeat(43)}` })).status).toBe(401);
    }
    expect(await t.deps.db.query.auditEntries.findMany()).toHaveLength(before);

    expect((await t.req('GET', '/v1/me', { token: issued.json.token })).status).toBe(401);
    const alerts = about(await alertsSince(start), 'revoked_token_use', issued.json.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'medium', count: 1, details: { reason: 'expired' } });
    expect(await t.deps.db.query.auditEntries.findMany()).toHaveLength(before + 1);
  });
});

describe('contract_misuse and refused_or_failed_burst', () => {
  const openSession = (c: { op: { token: string }; contractId: string }) =>
    t.req('POST', '/v1/sandbox/sessions', { token: c.op.token, json: { contractId: c.contractId } });

  it('flags every use of a revoked contract, and a burst of refusals only from the threshold on', async () => {
    const start = now;
    const c = await activeContract(t);
    const revoked = await t.req('POST', `/v1/contracts/${c.contractId}/revoke`, {
      token: c.provider.token,
      json: { reason: '数据提供方终止授权' },
    });
    expect(revoked.status).toBe(200);

    const { minCount } = ALERT_RULES.refusedOrFailedBurst;
    for (let i = 0; i < minCount - 1; i++) {
      const res = await openSession(c);
      expect(res.status).toBe(403);
      expect(res.json.code).toBe('CONTRACT_REVOKED');
      advance(MINUTE);
    }
    let alerts = await alertsSince(start);
    let uses = await seqsOf({ action: 'contract.use', contractId: c.contractId });
    expect(uses).toHaveLength(minCount - 1);
    expect(about(alerts, 'contract_misuse', c.contractId)).toEqual([
      expect.objectContaining({
        severity: 'high',
        subject: { type: 'contract', id: c.contractId, orgId: c.op.orgId },
        count: minCount - 1,
        details: { code: 'CONTRACT_REVOKED' },
        entries: uses.map((u) => u.seq),
      }),
    ]);
    expect(about(alerts, 'refused_or_failed_burst', c.op.orgId)).toEqual([]);

    expect((await openSession(c)).status).toBe(403);
    alerts = await alertsSince(start);
    uses = await seqsOf({ action: 'contract.use', contractId: c.contractId });
    expect(about(alerts, 'refused_or_failed_burst', c.op.orgId)).toEqual([
      expect.objectContaining({
        severity: 'medium',
        subject: { type: 'org', id: c.op.orgId, orgId: c.op.orgId },
        count: minCount,
        entries: uses.map((u) => u.seq),
      }),
    ]);
    expect(about(alerts, 'contract_misuse', c.contractId)[0]!.count).toBe(minCount);
  });

  it('slides its window: refusals spread wider than it raise nothing until enough fall inside one', async () => {
    const start = now;
    const { minCount, windowMs } = ALERT_RULES.refusedOrFailedBurst;
    const c = await activeContract(t);
    await t.req('POST', `/v1/contracts/${c.contractId}/revoke`, {
      token: t.adminToken,
      json: { reason: 'x' },
    });
    // Spaced so that no window holds more than minCount - 1 of them.
    const gap = Math.ceil(windowMs / (minCount - 1)) + 1000;
    for (let i = 0; i < minCount; i++) {
      expect((await openSession(c)).status).toBe(403);
      if (i < minCount - 1) advance(gap);
    }
    expect(about(await alertsSince(start), 'refused_or_failed_burst', c.op.orgId)).toEqual([]);

    advance(MINUTE);
    expect((await openSession(c)).status).toBe(403);
    const uses = await seqsOf({ action: 'contract.use', contractId: c.contractId });
    const [burst, ...more] = about(await alertsSince(start), 'refused_or_failed_burst', c.op.orgId);
    expect(more).toEqual([]);
    // The first refusal lies outside every window that holds minCount of them.
    expect(burst!.entries).toEqual(uses.slice(1).map((u) => u.seq));
    expect(burst!.window).toEqual({
      from: uses[1]!.occurredAt.toISOString(),
      to: uses.at(-1)!.occurredAt.toISOString(),
    });
  });

  it('counts runs that failed on real data, not on dummy data', async () => {
    const start = now;
    const { minCount } = ALERT_RULES.refusedOrFailedBurst;
    const s = await sandboxSession(t);
    for (let i = 0; i < minCount; i++) {
      const { run } = await runScript(t, s, 'throw new Error("still writing it")', { target: 'dummy' });
      expect(run.status).toBe('failed');
    }
    expect(about(await alertsSince(start), 'refused_or_failed_burst', s.op.orgId)).toEqual([]);
    for (let i = 0; i < minCount; i++) await runScript(t, s, 'throw new Error("probing")');
    const failed = (await seqsOf({ action: 'sandbox.run_finish', contractId: s.contractId })).filter(
      (e) => e.outcome === 'failed' && e.details.target === 'real',
    );
    expect(failed).toHaveLength(minCount);
    expect(about(await alertsSince(start), 'refused_or_failed_burst', s.op.orgId)).toEqual([
      expect.objectContaining({ count: minCount, entries: failed.map((e) => e.seq) }),
    ]);
  });

  it('flags use of a contract after its term ended', async () => {
    const start = now;
    const c = await activeContract(t, { application: { term: termFromNow(-1, 1, now) } });
    advance(2 * 86_400_000);
    const res = await openSession(c);
    expect(res.json.code).toBe('CONTRACT_EXPIRED');
    const [use] = await seqsOf({ action: 'contract.use', contractId: c.contractId });
    expect(about(await alertsSince(start), 'contract_misuse', c.contractId)).toEqual([
      expect.objectContaining({
        severity: 'medium',
        count: 1,
        details: { code: 'CONTRACT_EXPIRED' },
        entries: [use!.seq],
      }),
    ]);
  });
});

describe('budget_nearly_spent', () => {
  it('appears once a contract has spent 80% of its epsilon, naming the spends', async () => {
    const start = now;
    const s = await sandboxSession(t, { policy: { epsilon: 1 } });
    // A new question each time: the same question asked again is answered from the ledger, free.
    const script = `return { m: enclave.table(${JSON.stringify(s.slug)}).where('birth_year', 'gt', params.year).groupBy('district').agg({ n: 'count' }) };`;
    let year = 1950;
    const spend = async (epsilon: number) => {
      const { submitted } = await runScript(t, s, script, { epsilon, params: { year: year++ } });
      expect(submitted.status, submitted.text).toBe(202);
      advance(MINUTE);
      return about(await alertsSince(start), 'budget_nearly_spent', s.contractId);
    };
    expect(await spend(0.5)).toEqual([]);
    expect(await spend(0.25)).toEqual([]);
    const [nearly] = await spend(0.125);
    const spends = await seqsOf({ action: 'budget.spend', contractId: s.contractId });
    expect(nearly).toMatchObject({
      severity: 'medium',
      subject: { type: 'contract', id: s.contractId, orgId: s.op.orgId },
      count: 3,
      entries: spends.map((e) => e.seq),
      details: { spent: 0.875, granted: 1, fraction: 0.875 },
    });
    const [spent] = await spend(0.125);
    expect(spent).toMatchObject({ severity: 'high', count: 4, details: { spent: 1, granted: 1 } });
  });
});

describe('near_identical_queries', () => {
  const { minCount } = ALERT_RULES.nearIdenticalQueries;
  const byYear = (slug: string, year: string | number) =>
    `const t = enclave.table(${JSON.stringify(slug)});
     return { n: t.where('birth_year', 'lt', ${year}).groupBy('district').agg({ n: 'count', w: ['mean', 'wage_base'] }) };`;

  it('flags many runs of one query shape with different literals, from the threshold on', async () => {
    const start = now;
    const s = await sandboxSession(t);
    for (let i = 0; i < minCount; i++) {
      if (i === minCount - 1) {
        expect(about(await alertsSince(start), 'near_identical_queries', s.contractId)).toEqual([]);
      }
      const { run } = await runScript(t, s, byYear(s.slug, 1970 + i), { epsilon: 0.5 });
      expect(run.status, JSON.stringify(run)).toBe('succeeded');
      advance(MINUTE);
    }
    const finishes = await seqsOf({ action: 'sandbox.run_finish', contractId: s.contractId });
    const shapes = new Set(finishes.map((f) => f.details.queryShape));
    expect(shapes.size).toBe(1);
    expect([...shapes][0]).toMatch(/^[0-9a-f]{64}$/);
    const [alert, ...more] = about(await alertsSince(start), 'near_identical_queries', s.contractId);
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      severity: 'medium',
      subject: { type: 'contract', id: s.contractId, orgId: s.op.orgId },
      count: minCount,
      entries: finishes.map((f) => f.seq),
      details: { queryShape: [...shapes][0], variants: minCount },
    });
  });

  it('flags one script run with varying params, but not the same query repeated', async () => {
    const start = now;
    const varied = await sandboxSession(t);
    const repeated = await sandboxSession(t);
    for (let i = 0; i < minCount; i++) {
      await runScript(t, varied, byYear(varied.slug, 'params.year'), {
        params: { year: 1960 + i },
        epsilon: 0.5,
      });
      await runScript(t, repeated, byYear(repeated.slug, 1980), { epsilon: 0.5 });
      advance(MINUTE);
    }
    const alerts = await alertsSince(start);
    expect(about(alerts, 'near_identical_queries', varied.contractId)).toEqual([
      expect.objectContaining({ count: minCount, details: expect.objectContaining({ variants: minCount }) }),
    ]);
    expect(about(alerts, 'near_identical_queries', repeated.contractId)).toEqual([]);
  });
});

describe('GET /v1/audit/alerts', () => {
  it('refuses a bad window with 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['from=yesterday', 'query.from'],
      ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'query.to'],
      ['from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z', 'query.to'],
      [`from=${new Date(now + 3_600_000).toISOString()}`, 'query.from'],
      ['kind=contract_misuse', 'query'],
    ];
    for (const [query, field] of cases) {
      const res = await t.req('GET', `/v1/audit/alerts?${query}`, { token: regulator.token });
      expect(res.status, query).toBe(400);
      expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
  });

  it('defaults to the last 24 hours and states its rules', async () => {
    const res = await t.req('GET', '/v1/audit/alerts', { token: t.adminToken });
    expect(res.status).toBe(200);
    expect(res.json.window).toEqual({
      from: new Date(now - 86_400_000).toISOString(),
      to: new Date(now).toISOString(),
    });
    expect(res.json.rules).toEqual(ALERT_RULES);
    expect(res.json.entriesCap).toBeGreaterThan(0);
  });
});
