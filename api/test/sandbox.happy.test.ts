import { canonicalize } from '@enclave/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/lib/hash.ts';
import { DISTRICTS } from './helpers/licences.ts';
import { runScript, sandboxSession } from './helpers/sandbox.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ sandbox: 2, graceMs: 300 });
});
afterAll(() => t.close());

const groupScript = (slug: string) => `
  const t = enclave.table(${JSON.stringify(slug)});
  return { byDistrict: t.groupBy('district').agg({ n: 'count', avgWage: ['mean', 'wage_base', { min: 0, max: 30000 }] }) };
`;

describe('sandbox runs', () => {
  it('shows everything of a dummy run, on dummy data shaped by the schema', async () => {
    const s = await sandboxSession(t);
    const slug = JSON.stringify(s.slug);
    const { run } = await runScript(
      t,
      s,
      `const t = enclave.table(${slug}); console.log('rows', t.rowCount, enclave.kind);
       const west = t.where('district', 'eq', '西湖区');
       return { west: west.rowCount, byDistrict: t.groupBy('district').count(), exact: t.groupBy('district').count().preview() };`,
      { target: 'dummy' },
    );
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(run.logs).toEqual(['rows 1000 aggregate']);
    expect(run.usage.wallMs).toBeGreaterThanOrEqual(0);
    // A filter that works on real data selects rows of dummy data too: districts come from the code list.
    expect(run.result.west).toBeGreaterThan(0);
    expect(
      run.result.exact
        .map((r: { district: string }) => r.district)
        .every((d: string) => DISTRICTS.includes(d)),
    ).toBe(true);
    // The release of a dummy run has the shape the real one will have.
    expect(run.result.byDistrict.columns).toEqual(['district', 'count']);
    expect(run.disclosure.dp.mechanism).toBe('discrete-laplace');
    expect(run.epsilonCharged).toBe(0);

    const { run: rows } = await runScript(
      t,
      s,
      `return enclave.table(${slug}).groupBy('district').count();`,
      {
        target: 'dummy',
        kind: 'rows',
      },
    );
    expect(rows.status).toBe('succeeded');
    expect(rows.result.n.reduce((a: number, b: number) => a + b, 0)).toBe(1000);
  });

  it('answers a long poll when the run finishes; refuses a bad wait, and another org’s run is 404', async () => {
    const s = await sandboxSession(t);
    // Busy for a while by counting: an aggregate run's clock stands still.
    const busy = 'let x = 0; for (let i = 0; i < 3e8; i++) x += i; return x > 0 ? 1 : 0;';
    const submitted = await t.req('POST', `/v1/sandbox/sessions/${s.sessionId}/runs`, {
      token: s.op.token,
      json: { script: busy, target: 'dummy' },
    });
    expect(submitted.status).toBe(202);
    const now = await t.req('GET', `/v1/sandbox/runs/${submitted.json.id}`, { token: s.op.token });
    expect(['queued', 'running']).toContain(now.json.status);
    const waited = await t.req('GET', `/v1/sandbox/runs/${submitted.json.id}?wait=30`, { token: s.op.token });
    expect(waited.status).toBe(200);
    expect(waited.json.status).toBe('succeeded');
    expect(waited.json.result).toBe(1);

    const tooLong = await t.req('GET', `/v1/sandbox/runs/${submitted.json.id}?wait=31`, {
      token: s.op.token,
    });
    expect(tooLong.status).toBe(400);
    expect(JSON.stringify(tooLong.json)).toContain('query.wait');
    const stranger = await t.user('operator');
    const hidden = await t.req('GET', `/v1/sandbox/runs/${submitted.json.id}?wait=30`, {
      token: stranger.token,
    });
    expect(hidden.status).toBe(404);
  });

  it('releases an aggregate run on real data under differential privacy, charged once per question', async () => {
    const s = await sandboxSession(t);
    const { run } = await runScript(t, s, groupScript(s.slug), { epsilon: 5 });
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const table = run.result.byDistrict;
    expect(table.columns).toEqual(['district', 'n', 'avgWage']);
    // 滨江区 (4 people) and 余杭区 (1) are left out, 萧山区 (nobody) too; counts are rounded.
    expect(table.rows.map((r: unknown[]) => r[0])).toEqual(['上城区', '拱墅区', '西湖区']);
    // 拱墅区 is suppressed too, else the total less the others would tell the three small ones' sum.
    expect(table.rows[1]).toEqual(['拱墅区', null, null]);
    expect(table.suppressed).toEqual([1]);
    const truth: Record<string, number> = { 上城区: 60, 西湖区: 120 };
    for (const [d, n, wage] of [table.rows[0], table.rows[2]] as [string, number, number][]) {
      expect(n % 5).toBe(0);
      expect(Math.abs(n - truth[d]!)).toBeLessThanOrEqual(10);
      expect(wage).toBeGreaterThan(4000);
      expect(wage).toBeLessThan(24_000);
    }
    expect(run.disclosure.suppressedPrimary).toBeGreaterThanOrEqual(3);
    expect(run.disclosure.suppressedSecondary).toBe(1);
    expect(run.epsilonCharged).toBeCloseTo(5, 9);
    const budget = await t.req('GET', `/v1/contracts/${s.contractId}/budget`, { token: s.op.token });
    expect(budget.json).toMatchObject({ granted: 10, spent: 5, remaining: 5, source: 'contract' });

    const audit = await t.deps.db.query.auditEntries.findMany({
      orderBy: (a, { asc }) => asc(a.seq),
      where: (a, { eq }) => eq(a.objectId, run.id),
    });
    expect(audit.map((a) => a.action)).toEqual(['sandbox.run_submit', 'sandbox.run_finish']);
    expect(audit[1]!.details).toMatchObject({ status: 'succeeded', kind: 'aggregate', epsilonCharged: 5 });
    // The digest is of what the operator received, in canonical form: anyone can recompute it.
    expect(audit[1]!.details.releasedSha256).toBe(sha256Hex(canonicalize(run.result)));
    expect(audit[1]!.details.scriptSha256).toBe(sha256Hex(groupScript(s.slug)));

    // The identical question on the same data: the identical answer, for nothing.
    const { run: again } = await runScript(t, s, groupScript(s.slug), { epsilon: 5 });
    expect(again.result).toEqual(run.result);
    expect(again.epsilonCharged).toBe(0);
    const after = await t.req('GET', `/v1/contracts/${s.contractId}/budget`, { token: s.op.token });
    expect(after.json.spent).toBe(5);
  });

  it('holds a row run for review, and approval releases its aggregates under disclosure control', async () => {
    const s = await sandboxSession(t);
    const slug = JSON.stringify(s.slug);
    const { run } = await runScript(
      t,
      s,
      `const t = enclave.table(${slug}); return { n: t.rowCount, byDistrict: t.groupBy('district').count() };`,
      { kind: 'rows', epsilon: 3, cpuMs: 200 },
    );
    expect(run).toMatchObject({
      status: 'pending_review',
      kind: 'rows',
      result: null,
      logs: null,
      usage: null,
    });
    expect(run.holdReason).toMatch(/every provider whose data it read/);
    const spent = await t.req('GET', `/v1/contracts/${s.contractId}/budget`, { token: s.op.token });
    expect(spent.json.spent).toBe(3);

    const queue = await t.req('GET', '/v1/reviews', { token: s.provider.token });
    const item = queue.json.items.find((i: { run: { id: string } }) => i.run.id === run.id);
    expect(item.held.result.n).toBe(s.rows.length);
    expect(item.held.result.byDistrict.rows).toContainEqual(['余杭区', 1]);
    expect(item.held.touched).toEqual([s.slug]);
    expect(item.held.findings).toContainEqual({
      path: 'result.byDistrict',
      finding: expect.stringMatching(/2 cells with fewer than 10 rows \(smallest 1\)/),
    });
    expect(item.reviewers).toEqual([s.provider.orgId]);
    expect(item.run.usage.cpuMs).toBeGreaterThan(0);

    const stranger = await t.user('provider');
    expect((await t.req('GET', '/v1/reviews', { token: stranger.token })).json.items).toEqual([]);
    const foreign = await t.req('POST', `/v1/reviews/${run.id}`, {
      token: stranger.token,
      json: { decision: 'approve', reason: 'x' },
    });
    expect(foreign.status).toBe(404);
    const approved = await t.req('POST', `/v1/reviews/${run.id}`, {
      token: s.provider.token,
      json: { decision: 'approve', reason: '总数可公开' },
    });
    expect(approved.json.status).toBe('succeeded');
    const seen = await t.req('GET', `/v1/sandbox/runs/${run.id}`, { token: s.op.token });
    // The count the script computed is released as reviewed; the group-by only as disclosure control allows.
    expect(seen.json.result.n).toBe(s.rows.length);
    expect(seen.json.result.byDistrict.columns).toEqual(['district', 'count']);
    expect(seen.json.result.byDistrict.rows.map((r: unknown[]) => r[0])).not.toContain('余杭区');
    expect(seen.json.result.byDistrict.rows.every((r: [string, number]) => r[1] % 5 === 0)).toBe(true);
    expect(seen.json.disclosure.dp.epsilon).toBe(3);
    const twice = await t.req('POST', `/v1/reviews/${run.id}`, {
      token: s.provider.token,
      json: { decision: 'reject', reason: 'late' },
    });
    expect(twice.status).toBe(409);

    const { run: second } = await runScript(t, s, `return [...enclave.table(${slug}).rows()][0];`, {
      kind: 'rows',
      epsilon: 2,
      cpuMs: 200,
    });
    expect(second.status).toBe('pending_review');
    const rejected = await t.req('POST', `/v1/reviews/${second.id}`, {
      token: s.provider.token,
      json: { decision: 'reject', reason: '含个人明细' },
    });
    expect(rejected.json).toMatchObject({ status: 'rejected', reviewReason: '含个人明细', result: null });
    // The rejected run's reserved epsilon is given back.
    const budget = await t.req('GET', `/v1/contracts/${s.contractId}/budget`, { token: s.op.token });
    expect(budget.json.spent).toBe(3);
  });
});
