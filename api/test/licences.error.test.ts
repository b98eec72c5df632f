import { generateSigningKey } from '@enclave/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applications } from '../src/db/schema/index.ts';
import { publishDataset } from './helpers/datasets.ts';
import {
  activeContract,
  apply,
  operatorWithKey,
  publishRestricted,
  termFromNow,
} from './helpers/licences.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
let provider: { token: string; orgId: string };
let dataset: string;
beforeAll(async () => {
  t = await createTestApp();
  provider = await t.user('provider');
  dataset = await publishRestricted(t, provider.token);
});
afterAll(() => t.close());

const countApplications = async () => (await t.deps.db.select().from(applications)).length;

describe('applications refuse what cannot be licensed', () => {
  it('refuses open and closed datasets, unknown columns, duplicates and bad terms, writing nothing', async () => {
    const op = await operatorWithKey(t);
    const open = await publishDataset(t, provider.token);
    const closed = await publishRestricted(t, provider.token, { openness: 'closed', classification: 4 });
    const before = await countApplications();
    const cases: [unknown[], Record<string, unknown>, string][] = [
      [[{ datasetId: open, columns: ['aqi'] }], {}, 'body.datasets.0.datasetId'],
      [[{ datasetId: closed, columns: ['district'] }], {}, 'body.datasets.0.datasetId'],
      [[{ datasetId: dataset, columns: ['district', 'salary'] }], {}, 'body.datasets.0.columns'],
      [
        [
          { datasetId: dataset, columns: ['district'] },
          { datasetId: dataset, columns: ['district'] },
        ],
        {},
        'body.datasets',
      ],
      [[{ datasetId: 'ds_nope', columns: ['district'] }], {}, 'body.datasets.0.datasetId'],
      [[{ datasetId: dataset, columns: ['district'] }], { term: termFromNow(10, 5) }, 'body.term.notAfter'],
      [[{ datasetId: dataset, columns: ['district'] }], { term: termFromNow(-30, -1) }, 'body.term.notAfter'],
      [[{ datasetId: dataset, columns: ['district'] }], { operations: ['export'] }, 'body.operations.0'],
      [[{ datasetId: dataset, columns: ['district'] }], { status: 'approved' }, 'body'],
    ];
    for (const [datasets, over, path] of cases) {
      const res = await apply(t, op, datasets as { datasetId: string; columns: string[] }[], over);
      expect(res.status, JSON.stringify(over)).toBe(400);
      expect(
        res.json.errors.map((e: { path: string }) => e.path),
        res.text,
      ).toContain(path);
    }
    expect(await countApplications()).toBe(before);
  });

  it('needs a registered countersigning key first', async () => {
    const op = await t.user('operator');
    const res = await t.req('POST', '/v1/applications', {
      token: op.token,
      json: {
        datasets: [{ datasetId: dataset, columns: ['district'] }],
        purpose: 'x',
        scenario: 'y',
        operations: ['sandbox'],
        term: termFromNow(),
      },
    });
    expect(res.status).toBe(409);
    expect(res.json.code).toBe('OPERATOR_KEY_REQUIRED');
  });

  it('accepts only public Ed25519 keys on the caller’s own org', async () => {
    const op = await t.user('operator');
    const key = await generateSigningKey();
    const register = (jwk: unknown, orgId = op.orgId, token = op.token) =>
      t.req('POST', `/v1/orgs/${orgId}/keys`, { token, json: { jwk } });
    expect((await register(key.privateJwk)).status).toBe(400);
    expect((await register({ kty: 'RSA', n: 'AQAB', e: 'AQAB' })).status).toBe(400);
    expect((await register({ kty: 'OKP', crv: 'X25519', x: key.publicJwk.x })).status).toBe(400);
    expect((await register({ kty: 'OKP', crv: 'Ed25519', x: 'short' })).status).toBe(400);
    const other = await t.user('operator');
    expect((await register(key.publicJwk, other.orgId)).status).toBe(404);
    expect((await register(key.publicJwk, op.orgId, provider.token)).status).toBe(403);
    const ok = await register(key.publicJwk);
    expect(ok.status).toBe(201);
    expect(ok.json.kid).toBe(key.kid);
    expect((await register(key.publicJwk, other.orgId, other.token)).status).toBe(409);
  });

  it('lets a provider tighten the policy but not loosen it past the platform', async () => {
    const op = await operatorWithKey(t);
    const applied = await apply(t, op, [{ datasetId: dataset, columns: ['district'] }]);
    for (const [policy, path] of [
      [{ minCellCount: 4 }, 'body.policy.minCellCount'],
      [{ maxRunsPerDay: 1_000 }, 'body.policy.maxRunsPerDay'],
      [{ maxResultBytes: 10 * 1024 * 1024 }, 'body.policy.maxResultBytes'],
      [{ delta: 1e-6 }, 'body.policy.delta'],
      [{ epsilon: -1 }, 'body.policy.epsilon'],
      [{ minCellCount: 10, sneaky: true }, 'body.policy'],
    ] as const) {
      const res = await t.req('POST', `/v1/applications/${applied.json.id}/decisions`, {
        token: provider.token,
        json: { datasetId: dataset, decision: 'approve', policy },
      });
      expect(res.status, JSON.stringify(policy)).toBe(400);
      expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const ok = await t.req('POST', `/v1/applications/${applied.json.id}/decisions`, {
      token: provider.token,
      json: { datasetId: dataset, decision: 'approve', policy: { minCellCount: 5 } },
    });
    expect(ok.status).toBe(200);
    const contract = await t.req('GET', `/v1/contracts/${ok.json.contractId}`, { token: op.token });
    expect(contract.json.contract.policy.minCellCount).toBe(5);
  });

  it('refuses a second decision, another provider’s part (404) and other roles (403)', async () => {
    const op = await operatorWithKey(t);
    const applied = await apply(t, op, [{ datasetId: dataset, columns: ['district'] }]);
    const stranger = await t.user('provider');
    const decide = (token: string) =>
      t.req('POST', `/v1/applications/${applied.json.id}/decisions`, {
        token,
        json: { datasetId: dataset, decision: 'approve' },
      });
    expect((await decide(stranger.token)).status).toBe(404);
    expect((await decide(op.token)).status).toBe(403);
    expect(
      (await t.req('GET', `/v1/applications/${applied.json.id}`, { token: stranger.token })).status,
    ).toBe(404);
    expect((await decide(provider.token)).status).toBe(200);
    expect((await decide(provider.token)).status).toBe(409);
  });

  it('shows a contract only to its parties', async () => {
    const { contractId } = await activeContract(t);
    const otherOp = await t.user('operator');
    const otherProvider = await t.user('provider');
    const researcher = await t.user('researcher');
    expect((await t.req('GET', `/v1/contracts/${contractId}`, { token: otherOp.token })).status).toBe(404);
    expect((await t.req('GET', `/v1/contracts/${contractId}`, { token: otherProvider.token })).status).toBe(
      404,
    );
    expect((await t.req('GET', `/v1/contracts/${contractId}`, { token: researcher.token })).status).toBe(403);
    expect((await t.req('GET', `/v1/contracts/${contractId}`)).status).toBe(401);
    const regulator = await t.user('regulator');
    expect((await t.req('GET', `/v1/contracts/${contractId}`, { token: regulator.token })).status).toBe(200);
    const revoke = await t.req('POST', `/v1/contracts/${contractId}/revoke`, {
      token: otherProvider.token,
      json: { reason: 'x' },
    });
    expect(revoke.status).toBe(404);
    expect(
      (
        await t.req('POST', `/v1/contracts/${contractId}/revoke`, {
          token: otherOp.token,
          json: { reason: 'x' },
        })
      ).status,
    ).toBe(403);
  });
});
