import { verifyContract } from '@enclave/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateSigningKey } from '../src/commands/keys-rotate.ts';
import { activeContract, apply, operatorWithKey, publishRestricted } from './helpers/licences.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let now = new Date();
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock: { now: () => now } });
});
afterAll(() => t.close());

const auditActions = async (objectId: string) =>
  (
    await t.deps.db.query.auditEntries.findMany({
      orderBy: (a, { asc }) => asc(a.seq),
      where: (a, { eq }) => eq(a.objectId, objectId),
    })
  ).map((a) => a.action);

describe('licences', () => {
  it('goes from application through each provider’s approval to a contract both sides signed', async () => {
    const p1 = await t.user('provider');
    const p2 = await t.user('provider');
    const ds1 = await publishRestricted(t, p1.token);
    const ds2 = await publishRestricted(t, p2.token, { title: '企业纳税' });
    const op = await operatorWithKey(t);
    const applied = await apply(t, op, [
      { datasetId: ds1, columns: ['district', 'wage_base'] },
      { datasetId: ds2, columns: ['district'] },
    ]);
    expect(applied.status).toBe(201);
    expect(applied.json).toMatchObject({ status: 'pending', licenseeKid: op.key.kid });

    const seenByP1 = await t.req('GET', `/v1/applications/${applied.json.id}`, { token: p1.token });
    expect(seenByP1.json.parts.map((p: { datasetId: string }) => p.datasetId)).toEqual([ds1]);
    const listedForP2 = await t.req('GET', '/v1/applications?status=pending', { token: p2.token });
    expect(listedForP2.json.items.map((a: { id: string }) => a.id)).toEqual([applied.json.id]);
    expect(listedForP2.json.items[0].parts.map((p: { datasetId: string }) => p.datasetId)).toEqual([ds2]);

    const first = await t.req('POST', `/v1/applications/${applied.json.id}/decisions`, {
      token: p1.token,
      json: { datasetId: ds1, decision: 'approve', policy: { minCellCount: 20, maxRunsPerDay: 10 } },
    });
    expect(first.json).toMatchObject({ status: 'pending', contractId: null });
    const second = await t.req('POST', `/v1/applications/${applied.json.id}/decisions`, {
      token: p2.token,
      json: { datasetId: ds2, decision: 'approve', policy: { minCellCount: 15, rounding: 10, epsilon: 2 } },
    });
    expect(second.json.status).toBe('approved');
    const contractId = second.json.contractId;
    expect(contractId).toMatch(/^ct_/);

    const issued = await t.req('GET', `/v1/contracts/${contractId}`, { token: op.token });
    expect(issued.json.state).toBe('awaiting_countersign');
    expect(issued.json.contract).toMatchObject({
      id: contractId,
      version: 1,
      licensee: { org: op.orgId, kid: op.key.kid },
      datasets: [
        { id: ds1, columns: ['district', 'wage_base'] },
        { id: ds2, columns: ['district'] },
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
      operations: ['sandbox'],
      policy: {
        minCellCount: 20,
        rounding: 10,
        dp: { epsilon: 2, epsilonPerRun: 1 },
        dominance: { n: 2, k: 0.85 },
        maxRunsPerDay: 10,
        maxCpuMsPerRun: 60_000,
        maxResultBytes: 1024 * 1024,
      },
    });
    expect(issued.json.jws.signatures).toHaveLength(1);
    const header = JSON.parse(Buffer.from(issued.json.jws.signatures[0].protected, 'base64url').toString());
    expect(header).toEqual({
      alg: 'EdDSA',
      kid: issued.json.contract.issuer.kid,
      typ: 'enclave-contract+jws',
    });
    expect((await t.req('GET', `/v1/contracts/${contractId}`, { token: p2.token })).status).toBe(200);

    const { countersignContract } = await import('@enclave/contracts');
    const sig = await countersignContract(issued.json.jws, op.key);
    const active = await t.req('POST', `/v1/contracts/${contractId}/countersign`, {
      token: op.token,
      json: sig,
    });
    expect(active.status).toBe(200);
    expect(active.json.state).toBe('active');
    expect(active.json.jws.signatures).toHaveLength(2);

    const jwks = await t.req('GET', '/.well-known/jwks.json');
    expect(jwks.json.keys.map((k: { kid: string }) => k.kid)).toContain(issued.json.contract.issuer.kid);
    for (const k of jwks.json.keys) expect(k.d).toBeUndefined();
    const verified = await verifyContract(active.json.jws, {
      platformJwks: jwks.json,
      operatorJwk: op.key.publicJwk,
      now,
    });
    expect(verified.payload.id).toBe(contractId);

    expect(await auditActions(applied.json.id)).toEqual([
      'application.create',
      'application.approve_part',
      'application.approve_part',
    ]);
    expect(await auditActions(contractId)).toEqual(['contract.issue', 'contract.countersign']);
    // The budget is the strictest part's, opened when it is first spent.
    const budget = await t.req('GET', `/v1/contracts/${contractId}/budget`, { token: op.token });
    expect(budget.json).toMatchObject({ period: 'all', granted: 2, spent: 0, source: 'contract' });
  });

  it('rejects the whole application when one provider rejects its part', async () => {
    const p1 = await t.user('provider');
    const p2 = await t.user('provider');
    const ds1 = await publishRestricted(t, p1.token);
    const ds2 = await publishRestricted(t, p2.token);
    const op = await operatorWithKey(t);
    const applied = await apply(t, op, [
      { datasetId: ds1, columns: ['district'] },
      { datasetId: ds2, columns: ['district'] },
    ]);
    const rejected = await t.req('POST', `/v1/applications/${applied.json.id}/decisions`, {
      token: p2.token,
      json: { datasetId: ds2, decision: 'reject', reason: '用途与数据范围不符' },
    });
    expect(rejected.json.status).toBe('rejected');
    const late = await t.req('POST', `/v1/applications/${applied.json.id}/decisions`, {
      token: p1.token,
      json: { datasetId: ds1, decision: 'approve' },
    });
    expect(late.status).toBe(409);
    const mine = await t.req('GET', `/v1/applications/${applied.json.id}`, { token: op.token });
    expect(mine.json).toMatchObject({ status: 'rejected', contractId: null });
    expect(mine.json.parts.find((p: { datasetId: string }) => p.datasetId === ds2).reason).toBe(
      '用途与数据范围不符',
    );
    expect((await t.req('GET', '/v1/contracts', { token: op.token })).json.items).toEqual([]);
  });

  it('derives expiry from the term and records revocation with its reason', async () => {
    const { contractId, op, provider } = await activeContract(t);
    const revoked = await t.req('POST', `/v1/contracts/${contractId}/revoke`, {
      token: provider.token,
      json: { reason: '超范围使用' },
    });
    expect(revoked.json).toMatchObject({ state: 'revoked', revokeReason: '超范围使用' });
    expect(await auditActions(contractId)).toContain('contract.revoke');
    const again = await t.req('POST', `/v1/contracts/${contractId}/revoke`, {
      token: provider.token,
      json: { reason: 'x' },
    });
    expect(again.status).toBe(409);

    const other = await activeContract(t, { op });
    const saved = now;
    now = new Date(Date.now() + 31 * 86_400_000);
    try {
      expect((await t.req('GET', `/v1/contracts/${other.contractId}`, { token: op.token })).json.state).toBe(
        'expired',
      );
    } finally {
      now = saved;
    }
  });

  it('keeps old contracts verifying after a key rotation, and signs new ones with the new key only', async () => {
    const before = await activeContract(t);
    const oldKid = before.contract.contract.issuer.kid;
    const rotated = await rotateSigningKey(t.deps);
    expect(rotated.retired).toEqual([oldKid]);
    expect(rotated.kid).not.toBe(oldKid);
    const jwks = (await t.req('GET', '/.well-known/jwks.json')).json;
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual(
      expect.arrayContaining([oldKid, rotated.kid]),
    );
    await expect(
      verifyContract(before.contract.jws, { platformJwks: jwks, operatorJwk: before.op.key.publicJwk, now }),
    ).resolves.toBeTruthy();
    const ring = await t.deps.keys.ring();
    expect(ring.keys.find((k) => k.kid === oldKid)?.privateJwk).toBeUndefined();
    const after = await activeContract(t);
    expect(after.contract.contract.issuer.kid).toBe(rotated.kid);
    const check = await t.req('POST', `/v1/contracts/${before.contractId}/check`, {
      token: before.op.token,
      json: { operation: 'sandbox', datasets: [{ id: before.datasetId, columns: ['district'] }] },
    });
    expect(check.status).toBe(200);
    const audit = await t.deps.db.query.auditEntries.findMany({
      orderBy: (a, { asc }) => asc(a.seq),
      where: (a, { eq }) => eq(a.action, 'platform.key_rotate'),
    });
    expect(audit).toHaveLength(1);
  });
});
