import { canonicalize } from '@enclave/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/lib/hash.ts';
import { runScript, sandboxSession } from './helpers/sandbox.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ sandbox: 2 });
});
afterAll(() => t.close());

const groupScript = (slug: string) => `
  const t = enclave.table(${JSON.stringify(slug)});
  return { byDistrict: t.groupBy('district').agg({ n: 'count', avgWage: ['mean', 'wage_base'] }) };
`;

describe('sandbox runs', () => {
  it('shows everything on dummy data: result, logs and the shape of the real table', async () => {
    const s = await sandboxSession(t);
    const { run } = await runScript(
      t,
      s,
      `const t = enclave.table(${JSON.stringify(s.slug)}); console.log('rows', t.rowCount); return t.groupBy('district').count();`,
      { target: 'dummy' },
    );
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(run.logs[0]).toMatch(/rows \d+$/);
    const rowCount = Number(/rows (\d+)$/.exec(run.logs[0])![1]);
    // Unfiltered: every group is there and the counts add up to the dummy table's rows.
    expect(run.result.columns).toEqual(['district', 'count']);
    expect(run.result.rows.reduce((n: number, r: [string, number]) => n + r[1], 0)).toBe(rowCount);
    expect(run.usage.wallMs).toBeGreaterThanOrEqual(0);
  });

  it('answers a long poll when the run finishes; refuses a bad wait, and another org’s run is 404', async () => {
    const s = await sandboxSession(t);
    const busy = 'const end = Date.now() + 400; while (Date.now() < end) {} return 1;';
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

  it('releases aggregates on real data with small cells suppressed and counts rounded', async () => {
    const s = await sandboxSession(t);
    const { run } = await runScript(t, s, groupScript(s.slug));
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(run.disclosure.suppressedPrimary).toBeGreaterThanOrEqual(2);
    const text = JSON.stringify(run.result);
    expect(text).not.toContain('余杭区');
    expect(text).not.toContain('滨江区');
    const audit = await t.deps.db.query.auditEntries.findMany({
      orderBy: (a, { asc }) => asc(a.seq),
      where: (a, { eq }) => eq(a.objectId, run.id),
    });
    expect(audit.map((a) => a.action)).toEqual(['sandbox.run_submit', 'sandbox.run_finish']);
    expect(audit[1]!.details).toMatchObject({
      status: 'succeeded',
      scriptSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(audit[1]!.details.releasedSha256).toMatch(/^[0-9a-f]{64}$/);
    // The digest is of what the operator received, in canonical form: anyone can recompute it.
    expect(audit[1]!.details.releasedSha256).toBe(sha256Hex(canonicalize(run.result)));
    expect(audit[1]!.details.scriptSha256).toBe(sha256Hex(groupScript(s.slug)));
  });

  it('holds a bare number for the provider’s review and releases it only on approval', async () => {
    const s = await sandboxSession(t);
    const { run } = await runScript(t, s, `return enclave.table(${JSON.stringify(s.slug)}).rowCount;`);
    expect(run.status).toBe('pending_review');
    expect(run.result).toBeNull();
    const queue = await t.req('GET', '/v1/reviews', { token: s.provider.token });
    const item = queue.json.items.find((i: { run: { id: string } }) => i.run.id === run.id);
    expect(item.held.result).toBe(s.rows.length);
    const stranger = await t.user('provider');
    expect((await t.req('GET', '/v1/reviews', { token: stranger.token })).json.items).toEqual([]);
    expect(
      (
        await t.req('POST', `/v1/reviews/${run.id}`, {
          token: stranger.token,
          json: { decision: 'approve', reason: 'x' },
        })
      ).status,
    ).toBe(404);
    const approved = await t.req('POST', `/v1/reviews/${run.id}`, {
      token: s.provider.token,
      json: { decision: 'approve', reason: '总数可公开' },
    });
    expect(approved.json.status).toBe('succeeded');
    const seen = await t.req('GET', `/v1/sandbox/runs/${run.id}`, { token: s.op.token });
    expect(seen.json.result).toBe(s.rows.length);
    const twice = await t.req('POST', `/v1/reviews/${run.id}`, {
      token: s.provider.token,
      json: { decision: 'reject', reason: 'late' },
    });
    expect(twice.status).toBe(409);

    const { run: second } = await runScript(
      t,
      s,
      `return [...enclave.table(${JSON.stringify(s.slug)}).rows()][0];`,
    );
    expect(second.status).toBe('pending_review');
    const rejected = await t.req('POST', `/v1/reviews/${second.id}`, {
      token: s.provider.token,
      json: { decision: 'reject', reason: '含个人明细' },
    });
    expect(rejected.json).toMatchObject({ status: 'rejected', reviewReason: '含个人明细', result: null });
  });
});
