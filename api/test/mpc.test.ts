import {
  answerPsi,
  call,
  createHeKeys,
  decryptScores,
  decryptSlots,
  encryptModel,
  splitResult,
  startPsi,
  type TMpcApi,
} from '@enclave/mpc/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mpcPointCache, mpcSessions } from '../src/db/schema/index.ts';
import { uploadData } from './helpers/datasets.ts';
import { activeContract } from './helpers/licences.ts';
import { socialRows } from './helpers/sandbox.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  // A fixed noise key: which small cells the noisy checks suppress is then the same on every run.
  t = await createTestApp({ sandbox: 2, env: { ENCLAVE_NOISE_SECRET: 'a5'.repeat(32) } });
});
afterAll(async () => {
  await t?.close();
});

const ROWS = socialRows();
const api = (token: string): TMpcApi => ({
  baseUrl: 'http://enclave.test',
  token,
  fetch: (async (url: URL, init: RequestInit) =>
    t.app.request(`${url.pathname}${url.search}`, init)) as typeof fetch,
});

/** An active contract licensing he and psi on the social-insurance rows, loaded. */
async function mpcContract(
  policy: Record<string, unknown> = { epsilon: 100, epsilonPerRun: 4 },
  columns = ['person_id', 'district', 'wage_base', 'birth_year'],
) {
  const c = await activeContract(t, { columns, policy, application: { operations: ['he', 'psi'] } });
  const csv = `person_id,district,wage_base,birth_year\n${ROWS.map((r) => `${r.person_id},${r.district},${r.wage_base},${r.birth_year}`).join('\n')}\n`;
  const up = await uploadData(t, c.provider.token, c.datasetId, csv);
  if (up.status !== 201) throw new Error(`upload: ${up.text}`);
  return { ...c, api: api(c.op.token) };
}

type TComputation = {
  id: string;
  status: string;
  result: any;
  errorCode: string | null;
  epsilonCharged: number;
};

async function settle(a: TMpcApi, id: string): Promise<TComputation> {
  for (;;) {
    const c = await call<TComputation>(a, 'GET', `/v1/mpc/computations/${id}?wait=10`);
    if (c.status !== 'queued' && c.status !== 'running') return c;
  }
}

/** Clamping bounds around the data, so noise and the dominance test leave the large districts released. */
const BOUNDS: Record<string, { min: number; max: number }> = {
  wage_base: { min: 0, max: 30_000 },
  birth_year: { min: 1950, max: 2010 },
};

const trueMean = (district: string, col: 'wage_base' | 'birth_year') => {
  const rows = ROWS.filter((r) => r.district === district);
  return rows.reduce((s, r) => s + r[col], 0) / rows.length;
};

describe('encrypted model over protected aggregates', () => {
  let c: Awaited<ReturnType<typeof mpcContract>>;
  let keys: Awaited<ReturnType<typeof createHeKeys>>;
  let sessionId: string;
  beforeAll(async () => {
    c = await mpcContract();
    keys = await createHeKeys('ckks-8192');
    const s = await call<{ id: string }>(c.api, 'POST', '/v1/mpc/he/sessions', {
      contractId: c.contractId,
      paramSet: 'ckks-8192',
    });
    sessionId = s.id;
  });

  async function score(weights: number[], bias: number, features = ['wage_base', 'birth_year']) {
    const model = await call<{ id: string }>(
      c.api,
      'POST',
      `/v1/mpc/he/sessions/${sessionId}/models`,
      await encryptModel(keys, weights, bias),
    );
    const queued = await call<TComputation>(c.api, 'POST', '/v1/mpc/he/aggregate', {
      sessionId,
      modelId: model.id,
      dataset: c.datasetId,
      groupBy: 'district',
      features: features.map((column) => ({ statistic: 'mean', column, bounds: BOUNDS[column] })),
    });
    await t.sandbox!.dispatcher.idle();
    const done = await settle(c.api, queued.id);
    const output =
      done.status === 'succeeded'
        ? await call<Uint8Array>(c.api, 'GET', `/v1/mpc/computations/${queued.id}/output`, undefined, 'bytes')
        : null;
    return { done, output };
  }

  it('scores each released group; small groups are left out; counts come back rounded', async () => {
    const { done, output } = await score([0.001, 2], 5);
    expect(done.status).toBe('succeeded');
    const labels = done.result.groups.map((g: { label: string }) => g.label);
    // Released as a sandbox release would be: 西湖区 (120 people) at least; the others as noise,
    // dominance and secondary suppression decide.
    expect(labels).toContain('西湖区');
    // 滨江区 (4 people) and 余杭区 (1) are under minCellCount: no score, no count.
    expect(labels).not.toContain('滨江区');
    expect(labels).not.toContain('余杭区');
    for (const g of done.result.groups) expect(g.count % 5).toBe(0);
    const regulator = await t.user('regulator');
    const log = await t.req('GET', '/v1/audit/entries?action=mpc.computation_finish&limit=100', {
      token: regulator.token,
    });
    const entry = log.json.items.find((e: { objectId: string }) => e.objectId === done.id);
    expect(entry.details).toMatchObject({
      kind: 'he.score',
      status: 'succeeded',
      groupsReleased: labels.length,
      counts: done.result.groups.map((g: { count: number }) => g.count),
      epsilonCharged: done.epsilonCharged,
      datasetVersion: 1,
    });
    expect(entry.contractId).toBe(c.contractId);
    const scores = await decryptScores(keys, output!, labels.length);
    labels.forEach((label: string, i: number) => {
      expect(Number.isFinite(scores[i])).toBe(true);
      if (done.result.groups[i].count < 50) return;
      const plain = 0.001 * trueMean(label, 'wage_base') + 2 * trueMean(label, 'birth_year') + 5;
      // Protected means carry noise; the score is within it of the plain one, never exactly it.
      expect(Math.abs(scores[i]! - plain) / plain).toBeLessThan(0.05);
    });
    const slots = await decryptSlots(keys, splitResult(output!)[0]!);
    expect(Math.max(...Array.from(slots.subarray(labels.length), Math.abs))).toBeLessThan(1e-6);
    expect(done.epsilonCharged).toBeGreaterThan(0);
  });

  it('hostile weights (10⁹ on one column, one-hot) learn the protected mean and nothing more; repeats are free', async () => {
    const oneHot = await score([1, 0], 0);
    const huge = await score([1e9, 0], 0);
    const n = oneHot.done.result.groups.length;
    const a = await decryptScores(keys, oneHot.output!, n);
    const b = await decryptScores(keys, huge.output!, n);
    // The same protected statistic: the second question is the first's, answered identically and free.
    expect(huge.done.epsilonCharged).toBe(0);
    a.forEach((v, i) => {
      expect(b[i]! / 1e9).toBeCloseTo(v, 3);
    });
    // What the operator got is the released (noisy) mean, not the exact one.
    const exact = oneHot.done.result.groups.map((g: { label: string }) => trueMean(g.label, 'wage_base'));
    expect(a.some((v, i) => Math.abs(v - exact[i]) > 1e-6)).toBe(true);
    expect(oneHot.done.result.groups.map((g: { label: string }) => g.label)).not.toContain('余杭区');
  });

  it('refuses a column outside the contract, a model of the wrong size and a polynomial without keys', async () => {
    const other = await mpcContract(undefined, ['person_id', 'district', 'wage_base']);
    const s = await call<{ id: string }>(other.api, 'POST', '/v1/mpc/he/sessions', {
      contractId: other.contractId,
      paramSet: 'ckks-8192',
    });
    const model = await call<{ id: string }>(
      other.api,
      'POST',
      `/v1/mpc/he/sessions/${s.id}/models`,
      await encryptModel(keys, [1], 0),
    );
    const body = { sessionId: s.id, modelId: model.id, dataset: other.datasetId, groupBy: 'district' };
    const outside = await t.req('POST', '/v1/mpc/he/aggregate', {
      token: other.op.token,
      json: { ...body, features: [{ statistic: 'mean', column: 'birth_year' }] },
    });
    expect(outside.status).toBe(403);
    expect(outside.json.code).toBe('COLUMN_NOT_LICENSED');
    const wrongCount = await t.req('POST', '/v1/mpc/he/aggregate', {
      token: other.op.token,
      json: {
        ...body,
        features: [
          { statistic: 'mean', column: 'wage_base' },
          { statistic: 'sum', column: 'wage_base' },
        ],
      },
    });
    expect(wrongCount.json.code).toBe('MPC_INPUT_INVALID');
    const poly = await t.req('POST', '/v1/mpc/he/aggregate', {
      token: other.op.token,
      json: { ...body, features: [{ statistic: 'mean', column: 'wage_base' }], polynomial: [0, 1, 1] },
    });
    expect(poly.status).toBe(422);
    expect(poly.json.code).toBe('MPC_INPUT_INVALID');
  });

  it('refuses hostile bytes at upload: truncated, random, compressed, oversize, another set, wrong media type', async () => {
    const [ct] = splitResult(await encryptModel(keys, [1], 0));
    const post = (body: Uint8Array, type = 'application/octet-stream') =>
      t.req('POST', `/v1/mpc/he/sessions/${sessionId}/models`, {
        token: c.op.token,
        headers: { 'content-type': type },
        body: body as Uint8Array<ArrayBuffer>,
      });
    const truncated = await post(new Uint8Array(Buffer.concat([ct!, ct!.subarray(0, 1000)])));
    expect([truncated.status, truncated.json.code, truncated.json.reason]).toEqual([
      422,
      'MPC_INPUT_INVALID',
      'MPC_BYTES_MALFORMED',
    ]);
    const random = await post(crypto.getRandomValues(new Uint8Array(50_000)));
    expect(random.json.reason).toBe('MPC_BYTES_MALFORMED');
    const zstd = Uint8Array.from(Buffer.concat([ct!, ct!]));
    zstd[ct!.length + 5] = 2;
    const compressed = await post(zstd);
    expect(compressed.json.reason).toBe('MPC_BYTES_COMPRESSED');
    const k16 = await createHeKeys('ckks-16384');
    const other = await post(await encryptModel(k16, [1], 0));
    expect(other.status).toBe(413);
    const oversize = await post(new Uint8Array(50 * 1024 * 1024));
    expect(oversize.status).toBe(413);
    const media = await post(new Uint8Array(Buffer.concat([ct!, ct!])), 'text/plain');
    expect(media.status).toBe(415);
    // Each refusal is on the log with what was sent (size, digest) and why.
    const regulator = await t.user('regulator');
    const log = await t.req('GET', '/v1/audit/entries?action=mpc.input_refused&limit=100', {
      token: regulator.token,
    });
    const mine = log.json.items.filter((e: { objectId: string }) => e.objectId === sessionId);
    expect(mine.map((e: { details: { reason: string } }) => e.details.reason)).toEqual(
      expect.arrayContaining(['MPC_BYTES_MALFORMED', 'MPC_BYTES_COMPRESSED']),
    );
    expect(mine[0].details.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses hostile relinearisation keys: truncated, compressed, random, for a linear set; SEAL refuses forged ones', async () => {
    const k16 = await createHeKeys('ckks-16384', { relin: true });
    const s16 = await call<{ id: string }>(c.api, 'POST', '/v1/mpc/he/sessions', {
      contractId: c.contractId,
      paramSet: 'ckks-16384',
    });
    const put = (id: string, body: Uint8Array) =>
      t.req('PUT', `/v1/mpc/he/sessions/${id}/relin-keys`, {
        token: c.op.token,
        headers: { 'content-type': 'application/octet-stream' },
        body: body as Uint8Array<ArrayBuffer>,
      });
    const keys = k16.relinKeys!;
    expect((await put(s16.id, keys.subarray(0, keys.length - 1).slice())).json.reason).toBe(
      'MPC_BYTES_MALFORMED',
    );
    const compressed = Uint8Array.from(keys);
    compressed[5] = 2;
    expect((await put(s16.id, compressed)).json.reason).toBe('MPC_BYTES_COMPRESSED');
    expect((await put(s16.id, crypto.getRandomValues(new Uint8Array(65_536)))).json.reason).toBe(
      'MPC_BYTES_MALFORMED',
    );
    expect((await put(s16.id, new Uint8Array(keys.length + 1))).status).toBe(413);
    const linear = await put(sessionId, (await createHeKeys('ckks-8192', { relin: true })).relinKeys!);
    expect([linear.status, linear.json.code]).toEqual([422, 'MPC_INPUT_INVALID']);
    // No keys stored yet: a polynomial is refused before anything is queued or charged.
    const early = await call<{ id: string }>(
      c.api,
      'POST',
      `/v1/mpc/he/sessions/${s16.id}/models`,
      await encryptModel(k16, [1], 0),
    );
    const keyless = await t.req('POST', '/v1/mpc/he/aggregate', {
      token: c.op.token,
      json: {
        sessionId: s16.id,
        modelId: early.id,
        dataset: c.datasetId,
        groupBy: 'district',
        features: [{ statistic: 'mean', column: 'birth_year' }],
        polynomial: [0, 0.5, 0.01],
      },
    });
    expect([keyless.status, keyless.json.code]).toEqual([409, 'MPC_KEYS_MISSING']);
    // Right size and header, forged body: stored, then refused by SEAL when a polynomial needs them.
    const forged = Uint8Array.from(keys);
    forged.set(crypto.getRandomValues(new Uint8Array(65_536)), 10_000);
    expect((await put(s16.id, forged)).status).toBe(200);
    const model = await call<{ id: string }>(
      c.api,
      'POST',
      `/v1/mpc/he/sessions/${s16.id}/models`,
      await encryptModel(k16, [1], 0),
    );
    const queued = await call<TComputation>(c.api, 'POST', '/v1/mpc/he/aggregate', {
      sessionId: s16.id,
      modelId: model.id,
      dataset: c.datasetId,
      groupBy: 'district',
      features: [{ statistic: 'mean', column: 'birth_year', bounds: BOUNDS.birth_year }],
      polynomial: [0, 0.5, 0.01],
    });
    await t.sandbox!.dispatcher.idle();
    const done = await settle(c.api, queued.id);
    expect([done.status, done.errorCode]).toEqual(['failed', 'MPC_BYTES_INVALID']);
  });

  it('a well-framed forged ciphertext passes upload and is refused by SEAL in the worker, releasing nothing', async () => {
    const [ct] = splitResult(await encryptModel(keys, [1], 0));
    const forged = Uint8Array.from(ct!);
    forged.set(crypto.getRandomValues(new Uint8Array(65_536)), 100_000);
    const model = await call<{ id: string }>(
      c.api,
      'POST',
      `/v1/mpc/he/sessions/${sessionId}/models`,
      new Uint8Array(Buffer.concat([forged, ct!, ct!])),
    );
    const queued = await call<TComputation>(c.api, 'POST', '/v1/mpc/he/aggregate', {
      sessionId,
      modelId: model.id,
      dataset: c.datasetId,
      groupBy: 'district',
      features: [
        { statistic: 'mean', column: 'wage_base' },
        { statistic: 'sum', column: 'birth_year' },
      ],
    });
    await t.sandbox!.dispatcher.idle();
    const done = await settle(c.api, queued.id);
    expect(done.status).toBe('failed');
    expect(done.errorCode).toBe('MPC_BYTES_INVALID');
    const out = await t.req('GET', `/v1/mpc/computations/${queued.id}/output`, { token: c.op.token });
    expect(out.status).toBe(409);
  });

  it('another org cannot see or use the session; a revoked contract stops a computation', async () => {
    const stranger = await t.user('operator');
    const seen = await t.req('POST', `/v1/mpc/he/sessions/${sessionId}/models`, {
      token: stranger.token,
      headers: { 'content-type': 'application/octet-stream' },
      body: (await encryptModel(keys, [1], 0)) as Uint8Array<ArrayBuffer>,
    });
    expect(seen.status).toBe(404);
    const mine = await mpcContract();
    const s = await call<{ id: string }>(mine.api, 'POST', '/v1/mpc/he/sessions', {
      contractId: mine.contractId,
      paramSet: 'ckks-8192',
    });
    const model = await call<{ id: string }>(
      mine.api,
      'POST',
      `/v1/mpc/he/sessions/${s.id}/models`,
      await encryptModel(keys, [1], 0),
    );
    const revoked = await t.req('POST', `/v1/contracts/${mine.contractId}/revoke`, {
      token: t.adminToken,
      json: { reason: 'test' },
    });
    expect(revoked.status).toBe(200);
    const refused = await t.req('POST', '/v1/mpc/he/aggregate', {
      token: mine.op.token,
      json: {
        sessionId: s.id,
        modelId: model.id,
        dataset: mine.datasetId,
        groupBy: 'district',
        features: [{ statistic: 'mean', column: 'wage_base' }],
      },
    });
    expect(refused.json.code).toBe('CONTRACT_REVOKED');
  });
});

describe('private join and compute', () => {
  async function join(
    c: Awaited<ReturnType<typeof mpcContract>>,
    ids: string[],
    spec: Record<string, unknown> = {},
  ) {
    const s = await call<{ id: string }>(c.api, 'POST', '/v1/mpc/psi/sessions', {
      contractId: c.contractId,
      dataset: c.datasetId,
      identifierColumn: 'person_id',
      measures: [{ statistic: 'mean', column: 'wage_base' }],
      ...spec,
    });
    await t.sandbox!.dispatcher.idle();
    const ready = await call<{ status: string; points: number }>(
      c.api,
      'GET',
      `/v1/mpc/psi/sessions/${s.id}?wait=10`,
    );
    expect(ready.status).toBe('ready');
    // Padded: the number of points says only roughly how many identifiers the dataset holds.
    expect(ready.points % 1024).toBe(0);
    const op = await startPsi(ids);
    const points = await call<Uint8Array>(
      c.api,
      'GET',
      `/v1/mpc/psi/sessions/${s.id}/points`,
      undefined,
      'bytes',
    );
    const queued = await call<TComputation>(
      c.api,
      'POST',
      `/v1/mpc/psi/sessions/${s.id}/join`,
      await answerPsi(op, points),
    );
    await t.sandbox!.dispatcher.idle();
    return { sessionId: s.id, done: await settle(c.api, queued.id), op, points };
  }

  it('learns the protected size and means of the intersection, per group, not which identifiers matched', async () => {
    const c = await mpcContract();
    const mine = ROWS.filter((_, i) => i % 2 === 0).map((r) => r.person_id);
    const strangers = Array.from({ length: 200 }, (_, i) => `X${i}`);
    const { done, sessionId } = await join(c, [...mine, ...strangers], { groupBy: 'district' });
    expect(done.status).toBe('succeeded');
    const r = done.result;
    expect(r.columns).toEqual(['district', 'count', 'mean(wage_base)']);
    const byDistrict = Object.fromEntries(r.rows.map((row: unknown[]) => [row[0], row]));
    const exact = ROWS.filter((_, i) => i % 2 === 0 && ROWS[i]!.district === '西湖区').length;
    expect(Math.abs(byDistrict.西湖区[1] - exact)).toBeLessThanOrEqual(10);
    expect(byDistrict.西湖区[1] % 5).toBe(0);
    expect(byDistrict.余杭区).toBeUndefined();
    expect(r.identifiers).toBe(mine.length + strangers.length);
    expect(done.epsilonCharged).toBeGreaterThan(0);
    // Nothing in the result is per identifier.
    expect(JSON.stringify(r)).not.toMatch(/P0000|X1/);
    // The dataset's hashed identifiers are kept for its version; the secret is gone.
    const [cached] = await t.deps.db
      .select()
      .from(mpcPointCache)
      .where(eq(mpcPointCache.datasetId, c.datasetId));
    // Padding included: 208 distinct identifiers, padded to 1 024 points.
    expect(cached!.points.length).toBe(1024 * 32);
    const [session] = await t.deps.db.select().from(mpcSessions).where(eq(mpcSessions.id, sessionId));
    expect([session!.status, session!.secret]).toEqual(['succeeded', null]);
  });

  it('refuses an intersection under minCellCount, a single identifier included', async () => {
    const c = await mpcContract();
    const { done } = await join(c, [ROWS[0]!.person_id]);
    expect(done.status).toBe('failed');
    expect(done.errorCode).toBe('MPC_NOT_RELEASABLE');
    expect(done.result.rows).toEqual([]);
    // Deciding that took budget too: the refusal was made on noisy numbers.
    expect(done.epsilonCharged).toBeGreaterThan(0);
  });

  it('differencing two joins that differ by one person costs budget twice and meets noise, then the budget stops it', async () => {
    const c = await mpcContract({ epsilon: 1.5, epsilonPerRun: 0.5 });
    const base = ROWS.slice(0, 100).map((r) => r.person_id);
    const target = ROWS[150]!;
    const spec = { measures: [{ statistic: 'sum', column: 'wage_base' }] };
    const a = await join(c, base, spec);
    const b = await join(c, [...base, target.person_id], spec);
    expect(a.done.epsilonCharged).toBeGreaterThan(0);
    expect(b.done.epsilonCharged).toBeGreaterThan(0);
    const diff = b.done.result.rows[0][1] - a.done.result.rows[0][1];
    expect(diff).not.toBe(target.wage_base);
    await join(c, [...base, ROWS[151]!.person_id], spec);
    const d = await join(c, [...base, ROWS[152]!.person_id], spec);
    expect(d.done.status).toBe('failed');
    expect(d.done.errorCode).toBe('BUDGET_EXHAUSTED');
  });

  it('refuses off-curve points, a second join and a body of the wrong length', async () => {
    const c = await mpcContract();
    const s = await call<{ id: string }>(c.api, 'POST', '/v1/mpc/psi/sessions', {
      contractId: c.contractId,
      dataset: c.datasetId,
      identifierColumn: 'person_id',
    });
    await t.sandbox!.dispatcher.idle();
    const points = await call<Uint8Array>(
      c.api,
      'GET',
      `/v1/mpc/psi/sessions/${s.id}/points`,
      undefined,
      'bytes',
    );
    const op = await startPsi(['a', 'b', 'c']);
    const body = await answerPsi(op, points);
    for (const wrong of [body.subarray(0, body.length - 5), body.subarray(body.length - points.length)]) {
      const res = await t.req('POST', `/v1/mpc/psi/sessions/${s.id}/join`, {
        token: c.op.token,
        headers: { 'content-type': 'application/octet-stream' },
        body: wrong.slice() as Uint8Array<ArrayBuffer>,
      });
      expect([res.status, res.json.code]).toEqual([422, 'MPC_INPUT_INVALID']);
    }
    // u = 2 is on the twist of Curve25519, not the curve.
    body.fill(0, 0, 32);
    body[0] = 2;
    const queued = await call<TComputation>(c.api, 'POST', `/v1/mpc/psi/sessions/${s.id}/join`, body);
    await t.sandbox!.dispatcher.idle();
    const done = await settle(c.api, queued.id);
    expect(done.errorCode).toBe('MPC_POINT_INVALID');
    const again = await t.req('POST', `/v1/mpc/psi/sessions/${s.id}/join`, {
      token: c.op.token,
      headers: { 'content-type': 'application/octet-stream' },
      body: body as Uint8Array<ArrayBuffer>,
    });
    expect(again.status).toBe(409);
  });

  it('refuses an identifier column outside the contract', async () => {
    const c = await mpcContract(undefined, ['district', 'wage_base']);
    const res = await t.req('POST', '/v1/mpc/psi/sessions', {
      token: c.op.token,
      json: { contractId: c.contractId, dataset: c.datasetId, identifierColumn: 'person_id' },
    });
    expect(res.status).toBe(403);
    expect(res.json.code).toBe('COLUMN_NOT_LICENSED');
  });
});

describe('where it runs', () => {
  it('the API answers /v1/health while 20 joint computations run', async () => {
    const c = await mpcContract({ epsilon: 100, epsilonPerRun: 4 });
    const keys = await createHeKeys('ckks-8192');
    const s = await call<{ id: string }>(c.api, 'POST', '/v1/mpc/he/sessions', {
      contractId: c.contractId,
      paramSet: 'ckks-8192',
    });
    const model = await call<{ id: string }>(
      c.api,
      'POST',
      `/v1/mpc/he/sessions/${s.id}/models`,
      await encryptModel(keys, [1, 1], 0),
    );
    const queued: string[] = [];
    for (let i = 0; i < 20; i++) {
      const q = await call<TComputation>(c.api, 'POST', '/v1/mpc/he/aggregate', {
        sessionId: s.id,
        modelId: model.id,
        dataset: c.datasetId,
        groupBy: 'district',
        features: [
          { statistic: 'mean', column: 'wage_base', bounds: { min: 0, max: 30_000 + i } },
          { statistic: 'sum', column: 'birth_year' },
        ],
      });
      queued.push(q.id);
    }
    let answered = 0;
    let isDone = false;
    const idle = t.sandbox!.dispatcher.idle().then(() => {
      isDone = true;
    });
    while (!isDone) {
      const h = await t.req('GET', '/v1/health');
      expect(h.status).toBe(200);
      answered++;
      // A client polling every 10 ms; in-process requests alone would never yield to the job's I/O.
      await new Promise((r) => setTimeout(r, 10));
    }
    await idle;
    // Health was answered while the jobs ran, not only after them.
    expect(answered).toBeGreaterThan(5);
    for (const id of queued) {
      const done = await settle(c.api, id);
      expect([done.errorCode, JSON.stringify(done.result?.disclosure?.items)]).toEqual([
        null,
        expect.anything(),
      ]);
    }
  });
});
