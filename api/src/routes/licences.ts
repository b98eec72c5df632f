import { z } from '@hono/zod-openapi';
import { APPLICATION_STATUSES, OPERATIONS, type orgKeys } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { actorOf, defineRoute } from '../http/access.ts';
import type { App } from '../http/env.ts';
import { isoOrNull, jsonBody, jsonResponse, problems, ZIdParam, ZInstant } from '../http/openapi.ts';
import { contractLogProof } from '../licences/contract-log-proof.ts';
import { countersignContract } from '../licences/countersign-contract.ts';
import { createApplication } from '../licences/create-application.ts';
import { decideApplicationPart } from '../licences/decide-application-part.ts';
import { enforceContract } from '../licences/enforce-contract.ts';
import { getApplication, listApplications, type TApplicationView } from '../licences/get-application.ts';
import {
  contractState,
  getContract,
  listContracts,
  payloadOf,
  type TContractRow,
} from '../licences/get-contract.ts';
import { listOrgKeys, revokeOrgKey } from '../licences/org-keys.ts';
import { budgetPolicy, ZPolicyInput } from '../licences/policy.ts';
import { currentBudget } from '../licences/privacy-budget.ts';
import { registerOrgKey } from '../licences/register-org-key.ts';
import { revokeContract } from '../licences/revoke-contract.ts';

const ZColumnNames = z.array(z.string().max(63)).min(1).max(200);

const ZOrgKey = z
  .object({
    kid: z.string(),
    orgId: z.string(),
    publicJwk: z.record(z.string(), z.string()),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('OrgKey');
const orgKeyOut = (k: typeof orgKeys.$inferSelect) => ({
  kid: k.kid,
  orgId: k.orgId,
  publicJwk: k.publicJwk,
  createdAt: k.createdAt.toISOString(),
  revokedAt: isoOrNull(k.revokedAt),
});

const ZCreateApplicationBody = z
  .strictObject({
    datasets: z
      .array(z.strictObject({ datasetId: z.string().max(64), columns: ZColumnNames }))
      .min(1)
      .max(20),
    purpose: z.string().trim().min(1).max(2000),
    scenario: z.string().trim().min(1).max(2000),
    operations: z
      .array(z.enum(OPERATIONS))
      .min(1)
      .max(3)
      .refine((ops) => new Set(ops).size === ops.length, { message: 'an operation is listed twice' }),
    term: z.strictObject({ notBefore: ZInstant, notAfter: ZInstant }),
    keyId: z.string().max(100).optional(),
  })
  .openapi('CreateApplicationBody');

const ZApplication = z
  .object({
    id: z.string(),
    operatorOrgId: z.string(),
    status: z.enum(APPLICATION_STATUSES),
    purpose: z.string(),
    scenario: z.string(),
    operations: z.array(z.enum(OPERATIONS)),
    term: z.object({ notBefore: z.string(), notAfter: z.string() }),
    licenseeKid: z.string(),
    contractId: z.string().nullable(),
    createdAt: z.string(),
    parts: z.array(
      z.object({
        datasetId: z.string(),
        providerOrgId: z.string(),
        columns: z.array(z.string()),
        status: z.enum(APPLICATION_STATUSES),
        reason: z.string().nullable(),
        policy: z.record(z.string(), z.number()),
        decidedAt: z.string().nullable(),
      }),
    ),
  })
  .openapi('Application');
const applicationOut = (a: TApplicationView): z.infer<typeof ZApplication> => ({
  id: a.id,
  operatorOrgId: a.operatorOrgId,
  status: a.status,
  purpose: a.purpose,
  scenario: a.scenario,
  operations: a.operations,
  term: { notBefore: a.notBefore.toISOString(), notAfter: a.notAfter.toISOString() },
  licenseeKid: a.licenseeKid,
  contractId: a.contractId,
  createdAt: a.createdAt.toISOString(),
  parts: a.parts.map((p) => ({
    datasetId: p.datasetId,
    providerOrgId: p.providerOrgId,
    columns: p.columns,
    status: p.status,
    reason: p.reason,
    policy: p.policy as Record<string, number>,
    decidedAt: isoOrNull(p.decidedAt),
  })),
});

const ZDecisionBody = z
  .discriminatedUnion('decision', [
    z.strictObject({
      datasetId: z.string().max(64),
      decision: z.literal('approve'),
      policy: ZPolicyInput.optional(),
    }),
    z.strictObject({
      datasetId: z.string().max(64),
      decision: z.literal('reject'),
      reason: z.string().trim().min(1).max(2000),
    }),
  ])
  .openapi('DecisionBody');

const ZJws = z.object({
  payload: z.string(),
  signatures: z.array(z.object({ protected: z.string(), signature: z.string() })),
});
const ZContract = z
  .object({
    id: z.string(),
    state: z.enum(['awaiting_countersign', 'active', 'expired', 'revoked']),
    contract: z.record(z.string(), z.unknown()).openapi({ description: 'The signed payload, decoded' }),
    jws: ZJws.openapi({
      description: 'General JSON serialization: the platform signature, then the operator’s',
    }),
    issuedAt: z.string(),
    countersignedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    revokeReason: z.string().nullable(),
    transparency: z
      .object({
        index: z.number().int(),
        entry: z.record(z.string(), z.unknown()),
        checkpoint: z.string(),
        proof: z.array(z.string()),
      })
      .nullable()
      .optional()
      .openapi({
        description:
          'The contract in the audit log (one contract only): its `contract.issue` entry with the payload digest, a signed checkpoint covering it and the RFC 9162 inclusion proof. `enclave contract verify --log-key` checks it; a contract never logged is refused.',
      }),
  })
  .openapi('Contract');

export function registerLicenceRoutes(app: App, deps: Deps) {
  const contractOut = (c: TContractRow): z.infer<typeof ZContract> => ({
    id: c.id,
    state: contractState(c, deps.clock.now()),
    contract: payloadOf(c),
    jws: c.jws,
    issuedAt: c.issuedAt.toISOString(),
    countersignedAt: isoOrNull(c.countersignedAt),
    revokedAt: isoOrNull(c.revokedAt),
    revokeReason: c.revokeReason,
  });

  app.openapi(
    defineRoute('anyone', {
      method: 'get',
      path: '/.well-known/jwks.json',
      tags: ['contracts'],
      summary: 'The platform’s contract-signing public keys, retired ones included',
      description:
        'Every key that ever signed contracts, public parts only, each with `validFrom` and (retired) `validUntil`: a contract issued outside its key’s period is refused.',
      responses: { 200: jsonResponse(z.object({ keys: z.array(z.record(z.string(), z.string())) }), 'JWKS') },
    }),
    async (c) => c.json((await deps.keys.jwks()) as { keys: Record<string, string>[] }, 200),
  );

  app.openapi(
    defineRoute(['operator'], {
      method: 'post',
      path: '/v1/orgs/{id}/keys',
      tags: ['contracts'],
      summary: 'Register an Ed25519 public JWK for countersigning (operator, own org)',
      description:
        'An Ed25519 public JWK the operator countersigns contracts with; its kid is the RFC 7638 thumbprint. Private keys and other key types are refused. Registering a known key again returns it.',
      request: {
        params: ZIdParam,
        body: jsonBody(z.strictObject({ jwk: z.unknown() }).openapi('RegisterKeyBody')),
      },
      responses: { 201: jsonResponse(ZOrgKey, 'Registered; kid is the RFC 7638 thumbprint'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      const key = await registerOrgKey(
        deps,
        actor,
        c.req.valid('param').id,
        c.req.valid('json').jwk,
        c.get('requestId'),
      );
      return c.json(orgKeyOut(key), 201);
    },
  );

  app.openapi(
    defineRoute(['operator', 'provider', 'admin', 'regulator', 'researcher'], {
      method: 'get',
      path: '/v1/orgs/{id}/keys',
      tags: ['contracts'],
      summary: 'An org’s registered public keys (its own members, admin, regulator)',
      description: 'Each key with its kid, when it was registered and when it was revoked.',
      request: { params: ZIdParam },
      responses: { 200: jsonResponse(z.object({ items: z.array(ZOrgKey) }), 'Keys'), ...problems },
    }),
    async (c) => {
      const rows = await listOrgKeys(deps, actorOf(c), c.req.valid('param').id);
      return c.json({ items: rows.map(orgKeyOut) }, 200);
    },
  );

  app.openapi(
    defineRoute(['operator', 'admin'], {
      method: 'post',
      path: '/v1/orgs/{id}/keys/{kid}/revoke',
      tags: ['contracts'],
      summary: 'Revoke a countersigning key (its org’s operator, admin)',
      description:
        'For a key that leaked: every contract it countersigned stops working at once (CONTRACT_REVOKED), and no new application can name it. Not undone.',
      request: {
        params: ZIdParam.extend({
          kid: z
            .string()
            .regex(/^[A-Za-z0-9_-]{43}$/, 'not a key id (an RFC 7638 thumbprint)')
            .openapi({ param: { name: 'kid', in: 'path' } }),
        }),
      },
      responses: { 200: jsonResponse(ZOrgKey, 'The key, revoked'), ...problems },
    }),
    async (c) => {
      const { id, kid } = c.req.valid('param');
      return c.json(orgKeyOut(await revokeOrgKey(deps, actorOf(c), id, kid, c.get('requestId'))), 200);
    },
  );

  app.openapi(
    defineRoute(['operator'], {
      method: 'post',
      path: '/v1/applications',
      tags: ['licences'],
      summary: 'Apply for a licence on conditional datasets (operator)',
      description:
        'For sandbox or joint computation on conditional datasets: datasets and columns, purpose, scenario, operations and term. Each dataset’s provider decides its part; once all approve, the platform issues the contract.',
      request: { body: jsonBody(ZCreateApplicationBody) },
      responses: { 201: jsonResponse(ZApplication, 'The application, pending'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      const body = c.req.valid('json');
      const created = await createApplication(
        deps,
        actor,
        {
          ...body,
          term: { notBefore: new Date(body.term.notBefore), notAfter: new Date(body.term.notAfter) },
        },
        c.get('requestId'),
      );
      return c.json(applicationOut(created), 201);
    },
  );

  app.openapi(
    defineRoute(['operator', 'provider', 'admin', 'regulator'], {
      method: 'get',
      path: '/v1/applications',
      tags: ['licences'],
      summary: 'Applications: an operator’s own; for a provider, the parts on its datasets',
      description: 'Newest first, at most 500; filter by status.',
      request: { query: z.strictObject({ status: z.enum(APPLICATION_STATUSES).optional() }) },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZApplication) }), 'At most 500, newest first'),
        ...problems,
      },
    }),
    async (c) => {
      const actor = actorOf(c);
      const items = await listApplications(deps.db, actor, c.req.valid('query'));
      return c.json({ items: items.map(applicationOut) }, 200);
    },
  );

  app.openapi(
    defineRoute(['operator', 'provider', 'admin', 'regulator'], {
      method: 'get',
      path: '/v1/applications/{id}',
      tags: ['licences'],
      summary: 'One application, as the caller may see it',
      description:
        'An operator sees its own; a provider the application if it holds a part; the admin and regulators all. Others get 404.',
      request: { params: ZIdParam },
      responses: { 200: jsonResponse(ZApplication, 'The application'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      return c.json(applicationOut(await getApplication(deps.db, actor, c.req.valid('param').id)), 200);
    },
  );

  app.openapi(
    defineRoute(['provider'], {
      method: 'post',
      path: '/v1/applications/{id}/decisions',
      tags: ['licences'],
      summary: 'Approve (optionally tightening the policy) or reject the part for an own dataset (provider)',
      description:
        'The provider of one dataset approves its part (a `policy` may tighten minimum cell counts, rounding, budget and dominance, never loosen them) or rejects it with a reason. When the last part is approved the contract is issued, signed by the platform and logged with its payload digest.',
      request: { params: ZIdParam, body: jsonBody(ZDecisionBody) },
      responses: {
        200: jsonResponse(
          ZApplication.extend({ contractId: z.string().nullable() }),
          'The application after the decision',
        ),
        ...problems,
      },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { id } = c.req.valid('param');
      await decideApplicationPart(deps, actor, id, c.req.valid('json'), c.get('requestId'));
      return c.json(applicationOut(await getApplication(deps.db, actor, id)), 200);
    },
  );

  app.openapi(
    defineRoute(['operator', 'provider', 'admin', 'regulator'], {
      method: 'get',
      path: '/v1/contracts',
      tags: ['contracts'],
      summary: 'Contracts the caller is party to (regulators and the admin: all)',
      description:
        'Newest first, at most 500, with their state (awaiting countersignature, active, expired, revoked).',
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZContract) }), 'At most 500, newest first'),
        ...problems,
      },
    }),
    async (c) => {
      const actor = actorOf(c);
      return c.json({ items: (await listContracts(deps.db, actor)).map(contractOut) }, 200);
    },
  );

  app.openapi(
    defineRoute(['operator', 'provider', 'admin', 'regulator'], {
      method: 'get',
      path: '/v1/contracts/{id}',
      tags: ['contracts'],
      summary: 'A contract and its JWS, for the parties',
      description:
        'The signed JWS and its decoded payload, with `transparency`: the log entry of its issue, a signed checkpoint and the inclusion proof, for `enclave contract verify`.',
      request: { params: ZIdParam },
      responses: { 200: jsonResponse(ZContract, 'The contract'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      const row = await getContract(deps.db, actor, c.req.valid('param').id);
      return c.json({ ...contractOut(row), transparency: await contractLogProof(deps, row.id) }, 200);
    },
  );

  app.openapi(
    defineRoute(['operator', 'provider', 'admin', 'regulator'], {
      method: 'get',
      path: '/v1/contracts/{id}/budget',
      tags: ['contracts'],
      summary: 'The contract’s privacy budget: epsilon granted, spent, remaining (parties)',
      description:
        'The current period of the differential-privacy budget: granted, spent and remaining epsilon, and the dominance rule.',
      request: { params: ZIdParam },
      responses: {
        200: jsonResponse(
          z
            .object({
              contractId: z.string(),
              period: z
                .string()
                .openapi({ description: '`all`, or the day, month or year the budget covers' }),
              granted: z.number(),
              spent: z.number(),
              remaining: z.number(),
              epsilonPerRun: z.number(),
              source: z.enum(['contract', 'platform-default']).openapi({
                description:
                  '`platform-default`: the contract was issued without a budget and runs under the platform’s',
              }),
            })
            .openapi('PrivacyBudget'),
          'The budget of the current period',
        ),
        ...problems,
      },
    }),
    async (c) => {
      const actor = actorOf(c);
      const contract = await getContract(deps.db, actor, c.req.valid('param').id);
      const budget = budgetPolicy(payloadOf(contract).policy, deps.settings.policy);
      const now = await currentBudget(deps, contract.id, budget);
      return c.json(
        {
          contractId: contract.id,
          ...now,
          epsilonPerRun: budget.epsilonPerRun,
          source: budget.isDefault ? ('platform-default' as const) : ('contract' as const),
        },
        200,
      );
    },
  );

  app.openapi(
    defineRoute(['operator'], {
      method: 'post',
      path: '/v1/contracts/{id}/countersign',
      tags: ['contracts'],
      summary: 'Countersign the contract’s payload with the org key it names (operator)',
      description:
        'The body is one JWS signature object over the same payload: protected header {"alg":"EdDSA","kid":<the contract’s licensee kid>,"typ":"enclave-contract+jws"}.',
      request: {
        params: ZIdParam,
        body: jsonBody(
          z
            .strictObject({ protected: z.string().max(4096), signature: z.string().max(4096) })
            .openapi('CountersignBody'),
        ),
      },
      responses: { 200: jsonResponse(ZContract, 'Active'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      const row = await countersignContract(
        deps,
        actor,
        c.req.valid('param').id,
        c.req.valid('json'),
        c.get('requestId'),
      );
      return c.json(contractOut(row), 200);
    },
  );

  app.openapi(
    defineRoute(['provider', 'admin'], {
      method: 'post',
      path: '/v1/contracts/{id}/revoke',
      tags: ['contracts'],
      summary: 'Revoke a contract with a reason (a provider of its data, or the admin)',
      description:
        'The contract stops at once: sessions and runs under it are refused with CONTRACT_REVOKED. Logged with the reason. Not undone.',
      request: {
        params: ZIdParam,
        body: jsonBody(z.strictObject({ reason: z.string().trim().min(1).max(2000) }).openapi('RevokeBody')),
      },
      responses: { 200: jsonResponse(ZContract, 'Revoked'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      const row = await revokeContract(
        deps,
        actor,
        c.req.valid('param').id,
        c.req.valid('json').reason,
        c.get('requestId'),
      );
      return c.json(contractOut(row), 200);
    },
  );

  app.openapi(
    defineRoute(['operator'], {
      method: 'post',
      path: '/v1/contracts/{id}/check',
      tags: ['contracts'],
      summary:
        'Check, without using it, that the contract permits an operation on datasets and columns (operator)',
      description:
        'Answers the effective policy if the operation is permitted on those datasets and columns now, or the refusal with its code; the refusal is logged. Uses nothing of the day’s runs.',
      request: {
        params: ZIdParam,
        body: jsonBody(
          z
            .strictObject({
              operation: z.enum(OPERATIONS),
              datasets: z
                .array(z.strictObject({ id: z.string().max(64), columns: ZColumnNames }))
                .min(1)
                .max(20),
            })
            .openapi('ContractCheckBody'),
        ),
      },
      responses: {
        200: jsonResponse(
          z.object({
            contractId: z.string(),
            policy: z.record(z.string(), z.unknown()),
            runsToday: z.number(),
          }),
          'Permitted; the effective policy',
        ),
        ...problems,
      },
    }),
    async (c) => {
      const actor = actorOf(c);
      const body = c.req.valid('json');
      const out = await enforceContract(
        deps,
        actor,
        {
          contractId: c.req.valid('param').id,
          operation: body.operation,
          datasets: body.datasets,
          quota: 'check',
        },
        c.get('requestId'),
      );
      return c.json({ contractId: out.contractId, policy: out.policy, runsToday: out.runsToday }, 200);
    },
  );
}
