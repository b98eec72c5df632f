import { createHmac, createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countersignContract, generateSigningKey } from '@enclave/contracts';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contracts } from '../src/db/schema/index.ts';
import { createPublicKeyStore } from '../src/keys/key-store.ts';
import { enforceContract } from '../src/licences/enforce-contract.ts';
import { budgetPolicy } from '../src/licences/policy.ts';
import { spendPrivacyBudget } from '../src/licences/privacy-budget.ts';
import { activeContract, apply, operatorWithKey, publishRestricted } from './helpers/licences.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let now = new Date();
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock: { now: () => now } });
});
afterAll(() => t.close());

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const ed25519 = (privateJwk: object, input: string) =>
  sign(null, Buffer.from(input), createPrivateKey({ key: privateJwk as never, format: 'jwk' })).toString(
    'base64url',
  );

/** An application approved and awaiting countersignature, with what an attacker needs. */
async function awaiting() {
  const provider = await t.user('provider');
  const datasetId = await publishRestricted(t, provider.token);
  const op = await operatorWithKey(t);
  const applied = await apply(t, op, [{ datasetId, columns: ['district'] }]);
  const decided = await t.req('POST', `/v1/applications/${applied.json.id}/decisions`, {
    token: provider.token,
    json: { datasetId, decision: 'approve' },
  });
  const contractId = decided.json.contractId as string;
  const doc = await t.req('GET', `/v1/contracts/${contractId}`, { token: op.token });
  return { op, contractId, jws: doc.json.jws as { payload: string }, provider, datasetId };
}

const countersign = (token: string, id: string, body: unknown) =>
  t.req('POST', `/v1/contracts/${id}/countersign`, { token, json: body });

describe('countersignatures that must be refused', () => {
  it.each([
    [
      'signed by another org’s key',
      async (a: Awaited<ReturnType<typeof awaiting>>) => {
        const other = await operatorWithKey(t);
        const protectedHeader = b64({ alg: 'EdDSA', kid: a.op.key.kid, typ: 'enclave-contract+jws' });
        return {
          protected: protectedHeader,
          signature: ed25519(other.key.privateJwk, `${protectedHeader}.${a.jws.payload}`),
        };
      },
    ],
    [
      'over a payload with one character changed',
      async (a: Awaited<ReturnType<typeof awaiting>>) => {
        const text = Buffer.from(a.jws.payload, 'base64url').toString().replace('district', 'District');
        const protectedHeader = b64({ alg: 'EdDSA', kid: a.op.key.kid, typ: 'enclave-contract+jws' });
        return {
          protected: protectedHeader,
          signature: ed25519(a.op.key.privateJwk, `${protectedHeader}.${b64(text)}`),
        };
      },
    ],
    [
      'alg none',
      async (a: Awaited<ReturnType<typeof awaiting>>) => ({
        protected: b64({ alg: 'none', kid: a.op.key.kid, typ: 'enclave-contract+jws' }),
        signature: '',
      }),
    ],
    [
      'HS256 keyed with the public key',
      async (a: Awaited<ReturnType<typeof awaiting>>) => {
        const protectedHeader = b64({ alg: 'HS256', kid: a.op.key.kid, typ: 'enclave-contract+jws' });
        const secret = Buffer.from(a.op.key.publicJwk.x, 'base64url');
        return {
          protected: protectedHeader,
          signature: createHmac('sha256', secret)
            .update(`${protectedHeader}.${a.jws.payload}`)
            .digest('base64url'),
        };
      },
    ],
    [
      'a wrong typ',
      async (a: Awaited<ReturnType<typeof awaiting>>) => {
        const protectedHeader = b64({ alg: 'EdDSA', kid: a.op.key.kid, typ: 'JWT' });
        return {
          protected: protectedHeader,
          signature: ed25519(a.op.key.privateJwk, `${protectedHeader}.${a.jws.payload}`),
        };
      },
    ],
    [
      'no typ',
      async (a: Awaited<ReturnType<typeof awaiting>>) => {
        const protectedHeader = b64({ alg: 'EdDSA', kid: a.op.key.kid });
        return {
          protected: protectedHeader,
          signature: ed25519(a.op.key.privateJwk, `${protectedHeader}.${a.jws.payload}`),
        };
      },
    ],
    [
      'a kid holding a path',
      async (a: Awaited<ReturnType<typeof awaiting>>) => {
        const protectedHeader = b64({
          alg: 'EdDSA',
          kid: '../../data/signing-keys.json',
          typ: 'enclave-contract+jws',
        });
        return {
          protected: protectedHeader,
          signature: ed25519(a.op.key.privateJwk, `${protectedHeader}.${a.jws.payload}`),
        };
      },
    ],
    [
      'a kid holding SQL',
      async (a: Awaited<ReturnType<typeof awaiting>>) => {
        const protectedHeader = b64({ alg: 'EdDSA', kid: "' OR '1'='1", typ: 'enclave-contract+jws' });
        return {
          protected: protectedHeader,
          signature: ed25519(a.op.key.privateJwk, `${protectedHeader}.${a.jws.payload}`),
        };
      },
    ],
    [
      'a jku pointing elsewhere',
      async (a: Awaited<ReturnType<typeof awaiting>>) => {
        const evil = await generateSigningKey();
        const protectedHeader = b64({
          alg: 'EdDSA',
          kid: a.op.key.kid,
          typ: 'enclave-contract+jws',
          jku: 'http://127.0.0.1:9/jwks',
        });
        return {
          protected: protectedHeader,
          signature: ed25519(evil.privateJwk, `${protectedHeader}.${a.jws.payload}`),
        };
      },
    ],
  ])('%s → 422, contract stays unsigned', async (_name, forge) => {
    const a = await awaiting();
    const res = await countersign(a.op.token, a.contractId, await forge(a));
    expect(res.status, res.text).toBe(422);
    expect(res.json.code).toBe('CONTRACT_SIGNATURE_INVALID');
    const after = await t.req('GET', `/v1/contracts/${a.contractId}`, { token: a.op.token });
    expect(after.json.state).toBe('awaiting_countersign');
    expect(after.json.jws.signatures).toHaveLength(1);
  });

  it('refuses countersigning an active, a revoked or another org’s contract', async () => {
    const a = await awaiting();
    const sig = await countersignContract(a.jws as never, a.op.key);
    const stranger = await operatorWithKey(t);
    expect((await countersign(stranger.token, a.contractId, sig)).status).toBe(404);
    expect((await countersign(a.op.token, a.contractId, sig)).status).toBe(200);
    expect((await countersign(a.op.token, a.contractId, sig)).status).toBe(409);
    const b = await awaiting();
    await t.req('POST', `/v1/contracts/${b.contractId}/revoke`, {
      token: b.provider.token,
      json: { reason: 'x' },
    });
    const late = await countersign(
      b.op.token,
      b.contractId,
      await countersignContract(b.jws as never, b.op.key),
    );
    expect(late.status).toBe(409);
  });
});

describe('enforcement at the moment of use', () => {
  const use = (c: Awaited<ReturnType<typeof activeContract>>, over: Record<string, unknown> = {}) =>
    enforceContract(
      t.deps,
      { userId: c.op.userId, orgId: c.op.orgId, role: 'operator', tokenId: 'x' },
      {
        contractId: c.contractId,
        operation: 'sandbox',
        datasets: [{ id: c.datasetId, columns: ['district'] }],
        quota: 'count',
        ...over,
      },
    );
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'OK',
      (e: { code: string }) => e.code,
    );

  it('returns the effective policy and counts runs against the day’s quota', async () => {
    const c = await activeContract(t, { policy: { maxRunsPerDay: 2, minCellCount: 12 } });
    const first = await use(c);
    expect(first.policy).toMatchObject({ minCellCount: 12, maxRunsPerDay: 2 });
    expect(first.runsToday).toBe(1);
    expect((await use(c)).runsToday).toBe(2);
    expect(await code(use(c))).toBe('QUOTA_EXCEEDED');
    const http = await t.req('POST', `/v1/contracts/${c.contractId}/check`, {
      token: c.op.token,
      json: { operation: 'sandbox', datasets: [{ id: c.datasetId, columns: ['district'] }] },
    });
    expect(http.status).toBe(429);
    expect(Number(http.headers.get('retry-after'))).toBeGreaterThan(0);
    const saved = now;
    now = new Date(now.getTime() + 86_400_000);
    try {
      expect((await use(c)).runsToday).toBe(1);
    } finally {
      now = saved;
    }
  });

  it('refuses columns, datasets and operations outside the contract', async () => {
    const c = await activeContract(t);
    expect(await code(use(c, { datasets: [{ id: c.datasetId, columns: ['district', 'person_id'] }] }))).toBe(
      'COLUMN_NOT_LICENSED',
    );
    expect(await code(use(c, { datasets: [{ id: 'ds_other', columns: ['district'] }] }))).toBe(
      'DATASET_NOT_LICENSED',
    );
    expect(await code(use(c, { operation: 'psi' }))).toBe('OPERATION_NOT_LICENSED');
  });

  it('refuses after notAfter, before notBefore, after revocation, and another org’s contract', async () => {
    const c = await activeContract(t);
    const saved = now;
    try {
      now = new Date(Date.now() + 31 * 86_400_000);
      expect(await code(use(c))).toBe('CONTRACT_EXPIRED');
      now = new Date(Date.now() - 2 * 86_400_000);
      expect(await code(use(c))).toBe('CONTRACT_NOT_YET_VALID');
    } finally {
      now = saved;
    }
    const stranger = await t.user('operator');
    const foreign = await code(
      enforceContract(
        t.deps,
        { userId: stranger.userId, orgId: stranger.orgId, role: 'operator', tokenId: 'x' },
        {
          contractId: c.contractId,
          operation: 'sandbox',
          datasets: [],
          quota: 'check',
        },
      ),
    );
    expect(foreign).toBe('NOT_FOUND');
    await t.req('POST', `/v1/contracts/${c.contractId}/revoke`, {
      token: c.provider.token,
      json: { reason: '违规' },
    });
    expect(await code(use(c))).toBe('CONTRACT_REVOKED');
    const refused = await t.deps.db.query.auditEntries.findMany({
      orderBy: (a, { asc }) => asc(a.seq),
      where: (a, { and, eq }) => and(eq(a.objectId, c.contractId), eq(a.outcome, 'refused')),
    });
    expect(refused.map((r) => r.details.code)).toEqual([
      'CONTRACT_EXPIRED',
      'CONTRACT_NOT_YET_VALID',
      'CONTRACT_REVOKED',
    ]);
  });

  it('refuses a contract whose stored row was edited behind the platform’s back', async () => {
    const c = await activeContract(t);
    const [row] = await t.deps.db.select().from(contracts).where(eq(contracts.id, c.contractId));
    const payload = JSON.parse(Buffer.from(row!.jws.payload, 'base64url').toString());
    payload.datasets[0].columns.push('person_id');
    payload.term.notAfter = '2099-01-01T00:00:00.000Z';
    const forged = { ...row!.jws, payload: Buffer.from(JSON.stringify(payload)).toString('base64url') };
    await t.deps.db.execute(
      sql`update contracts set jws = ${JSON.stringify(forged)}::jsonb where id = ${c.contractId}`,
    );
    expect(await code(use(c, { datasets: [{ id: c.datasetId, columns: ['person_id'] }] }))).toBe(
      'CONTRACT_INTEGRITY_FAILED',
    );
  });

  it('stops every contract a revoked countersigning key signed, and keeps the key out of new applications', async () => {
    const c = await activeContract(t);
    expect(await code(use(c))).toBe('OK');
    const other = await t.user('operator');
    const path = `/v1/orgs/${c.op.orgId}/keys/${c.op.key.kid}/revoke`;
    expect((await t.req('POST', path, { token: other.token })).status).toBe(404);
    const revoked = await t.req('POST', path, { token: c.op.token });
    expect(revoked.status).toBe(200);
    expect(revoked.json.revokedAt).not.toBeNull();
    expect(await code(use(c))).toBe('CONTRACT_REVOKED');
    const again = await apply(t, c.op, [{ datasetId: c.datasetId, columns: ['district'] }]);
    expect(again.json.code).toBe('OPERATOR_KEY_REQUIRED');
    const [entry] = await t.deps.db.query.auditEntries.findMany({
      where: (a, { and, eq }) => and(eq(a.action, 'org.key_revoke'), eq(a.objectId, c.op.key.kid)),
    });
    expect(entry?.actorUserId).toBe(c.op.userId);
  });

  it('verifies contracts with the platform’s public keys only, as workers do, and refuses to sign with them', async () => {
    const c = await activeContract(t);
    const file = join(mkdtempSync(join(tmpdir(), 'enclave-jwks-')), 'jwks.json');
    writeFileSync(file, JSON.stringify(await t.deps.keys.jwks()));
    const worker = { ...t.deps, keys: createPublicKeyStore(file) };
    const actor = { userId: c.op.userId, orgId: c.op.orgId, role: 'operator' as const, tokenId: 'x' };
    const use = {
      contractId: c.contractId,
      operation: 'sandbox' as const,
      datasets: [],
      quota: 'skip' as const,
    };
    expect((await enforceContract(worker, actor, use)).contractId).toBe(c.contractId);
    await expect(worker.keys.ring()).rejects.toThrow(/public keys only/);
    const leaky = join(mkdtempSync(join(tmpdir(), 'enclave-jwks-')), 'jwks.json');
    const ring = await t.deps.keys.ring();
    writeFileSync(leaky, JSON.stringify({ keys: ring.keys.map((k) => k.privateJwk ?? k.publicJwk) }));
    await expect(createPublicKeyStore(leaky).jwks()).rejects.toThrow(/public keys only/);
  });

  it('refuses an unsigned contract', async () => {
    const a = await awaiting();
    const out = await code(
      enforceContract(
        t.deps,
        { userId: a.op.userId, orgId: a.op.orgId, role: 'operator', tokenId: 'x' },
        {
          contractId: a.contractId,
          operation: 'sandbox',
          datasets: [{ id: a.datasetId, columns: ['district'] }],
          quota: 'count',
        },
      ),
    );
    expect(out).toBe('CONTRACT_NOT_ACTIVE');
  });
});

describe('privacy budget', () => {
  it('lets exactly one of many concurrent spends win when only one fits', async () => {
    const c = await activeContract(t, { policy: { epsilon: 1 } });
    const actor = { userId: c.op.userId, orgId: c.op.orgId, role: 'operator' as const, tokenId: 'x' };
    const budget = budgetPolicy(c.contract.contract.policy, t.deps.settings.policy);
    const spend = (epsilon: number) =>
      t.deps.db.transaction((tx) =>
        spendPrivacyBudget(t.deps, tx, actor, { contractId: c.contractId, budget, epsilon }),
      );
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, () => spend(0.6)));
    const won = attempts.filter((a) => a.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const a of attempts) {
      if (a.status === 'rejected') expect((a.reason as { code: string }).code).toBe('BUDGET_EXHAUSTED');
    }
    const row = await t.deps.db.query.privacyBudgets.findFirst({
      where: (b, { eq }) => eq(b.contractId, c.contractId),
    });
    expect(row?.epsilonSpent).toBeCloseTo(0.6);
    await expect(spend(0.4)).resolves.toMatchObject({ remaining: expect.closeTo(0, 9) });
    await expect(spend(0.01)).rejects.toMatchObject({ code: 'BUDGET_EXHAUSTED' });
  });

  it('gives every new contract a budget and a dominance rule, and a contract issued without one the platform default, on the log', async () => {
    const c = await activeContract(t);
    const { policy } = c.contract.contract;
    expect(policy.dp).toEqual({ epsilon: 10, epsilonPerRun: 1 });
    expect(policy.dominance).toEqual({ n: 2, k: 0.85 });
    const monthly = await activeContract(t, { policy: { epsilon: 3, epsilonPerRun: 0.5, period: 'month' } });
    expect(monthly.contract.contract.policy.dp).toEqual({ epsilon: 3, epsilonPerRun: 0.5, period: 'month' });
    const shown = await t.req('GET', `/v1/contracts/${monthly.contractId}/budget`, {
      token: monthly.op.token,
    });
    expect(shown.json).toMatchObject({
      period: new Date().toISOString().slice(0, 7),
      granted: 3,
      spent: 0,
      source: 'contract',
    });

    // A payload signed before budgets were mandatory has none; it cannot change, so the platform's applies.
    const old = budgetPolicy({ ...policy, dp: undefined, dominance: undefined }, t.deps.settings.policy);
    expect(old).toMatchObject({ epsilon: 10, epsilonPerRun: 1, period: null, isDefault: true });
    const actor = { userId: c.op.userId, orgId: c.op.orgId, role: 'operator' as const, tokenId: 'x' };
    await t.deps.db.transaction((tx) =>
      spendPrivacyBudget(t.deps, tx, actor, { contractId: c.contractId, budget: old, epsilon: 0.25 }),
    );
    const opened = await t.deps.db.query.auditEntries.findFirst({
      where: (a, { and, eq }) => and(eq(a.contractId, c.contractId), eq(a.action, 'budget.open')),
    });
    expect(opened?.details).toMatchObject({ period: 'all', granted: 10, source: 'platform-default' });
  });

  it('refuses a policy that loosens the dominance rule or lets a run spend more than the budget', async () => {
    const provider = await t.user('provider');
    const datasetId = await publishRestricted(t, provider.token);
    const op = await operatorWithKey(t);
    const applied = await apply(t, op, [{ datasetId, columns: ['district'] }]);
    const decide = (policy: Record<string, unknown>) =>
      t.req('POST', `/v1/applications/${applied.json.id}/decisions`, {
        token: provider.token,
        json: { datasetId, decision: 'approve', policy },
      });
    const loose = await decide({ dominance: { n: 1, k: 0.9 } });
    expect(loose.status).toBe(400);
    expect(JSON.stringify(loose.json)).toContain('body.policy.dominance');
    const greedy = await decide({ epsilon: 1, epsilonPerRun: 2 });
    expect(greedy.status).toBe(400);
    expect(JSON.stringify(greedy.json)).toContain('body.policy.epsilonPerRun');
  });
});
