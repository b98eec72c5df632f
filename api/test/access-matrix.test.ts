import { countersignContract, generateSigningKey } from '@enclave/contracts';
import { answerPsi, createHeKeys, encryptModel, startPsi, type THeKeys } from '@enclave/mpc/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, sharingRequests, type TRole } from '../src/db/schema/index.ts';
import { datasetBody, publishDataset, uploadData } from './helpers/datasets.ts';
import { activeContract, apply } from './helpers/licences.ts';
import { runScript, socialRows } from './helpers/sandbox.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';
import { buildWorld, type TSide, type TUser, type TWorld } from './helpers/world.ts';

/**
 * The role × operation matrix, derived from the routes' own declarations (`x-enclave-access` in the
 * OpenAPI document): every operation is called as anonymous, as each role, and as a user of the same
 * role in another org, and each cell's status is asserted. Refused callers send a body that would
 * fail validation, so a 401 or 403 also shows that access is decided before the input is read.
 */

type TRequest = {
  path: string;
  json?: unknown;
  body?: string | Uint8Array<ArrayBuffer>;
  headers?: Record<string, string>;
};
/** What an admitted caller sends (building fresh objects of side A when the call changes them). */
type TCase = {
  success: number;
  make: (caller: TUser, side: TSide) => Promise<TRequest> | TRequest;
  /**
   * The status a same-role user of another org gets (default: success). 404 where the object is
   * side A's own; a regulator of another org still reads it (GET), as regulators read everything.
   */
  otherOrg?: number;
};

let t: TestApp;
let A: TSide;
let B: TSide;
let admin: TUser;
let fx: TWorld;
/** Side A's joint-computation fixtures: a contract licensing he and psi on loaded rows, keys, sessions. */
let mpc: {
  contractId: string;
  datasetId: string;
  keys: THeKeys;
  keys16: THeKeys;
  heSession: string;
  heSession16: string;
  modelId: string;
  computationId: string;
  psiSession: string;
};

beforeAll(async () => {
  t = await createTestApp({ sandbox: 1, graceMs: 100, env: { ENCLAVE_REGISTRATIONS_PER_HOUR: '1000' } });
  fx = await buildWorld(t);
  ({ A, B, admin } = fx);
  const c = await activeContract(t, {
    op: A.operator,
    provider: A.provider,
    columns: ['person_id', 'district', 'wage_base'],
    application: { operations: ['he', 'psi'] },
  });
  const rows = socialRows();
  const csv = `person_id,district,wage_base,birth_year\n${rows.map((r) => `${r.person_id},${r.district},${r.wage_base},${r.birth_year}`).join('\n')}\n`;
  created(await uploadData(t, A.provider.token, c.datasetId, csv));
  const keys = await createHeKeys('ckks-8192');
  const keys16 = await createHeKeys('ckks-16384', { relin: true });
  const open = async (paramSet: string) =>
    created(
      await t.req('POST', '/v1/mpc/he/sessions', {
        token: A.operator.token,
        json: { contractId: c.contractId, paramSet },
      }),
    ).id as string;
  const heSession = await open('ckks-8192');
  mpc = {
    contractId: c.contractId,
    datasetId: c.datasetId,
    keys,
    keys16,
    heSession,
    heSession16: await open('ckks-16384'),
    modelId: '',
    computationId: '',
    psiSession: '',
  };
  mpc.modelId = (await heModel()).id;
  mpc.computationId = created(
    await t.req('POST', '/v1/mpc/he/aggregate', { token: A.operator.token, json: scoreBody() }),
    202,
  ).id;
  mpc.psiSession = await readyPsiSession();
  await t.sandbox!.dispatcher.idle();
  sharing.requester = await t.user('provider');
  sharing.datasetId = await publishDataset(t, A.provider.token, {
    openness: 'closed',
    classification: 3,
    sharing: 'conditional',
    sharingBasis: '《政务信息资源共享管理暂行办法》第九条',
  });
  sharing.requestId = await pendingRequest();
  sharing.theirsId = await publishDataset(t, sharing.requester.token, { sharing: 'unconditional' });
  sharing.noneId = await publishDataset(t, sharing.requester.token, {
    openness: 'closed',
    classification: 4,
    sharing: 'none',
    sharingBasis: '《个人信息保护法》第十三条',
  });
}, 180_000);
afterAll(() => t.close());

const uniq = () => Math.random().toString(36).slice(2, 8);
const created = (res: { status: number; text: string; json: any }, status = 201) => {
  if (res.status !== status) throw new Error(`fixture: ${res.status} ${res.text}`);
  return res.json;
};
const draft = async () =>
  created(await t.req('POST', '/v1/datasets', { token: A.provider.token, json: datasetBody() })).id as string;
const submitted = async () => {
  const id = await draft();
  created(await t.req('POST', `/v1/datasets/${id}/submit`, { token: A.provider.token }), 200);
  return id;
};
/** An open quality issue of side A: a published dataset whose upload fails a warning rule. */
const qualityIssue = async () => {
  const columns = [
    ...(datasetBody().columns as object[]),
    {
      name: 'note',
      type: 'string',
      nullable: true,
      sensitivity: 'public',
      rules: [{ kind: 'required', severity: 'warning' }],
    },
  ];
  const id = await publishDataset(t, A.provider.token, { columns });
  created(await uploadData(t, A.provider.token, id, 'city_code,day,aqi,pm25,note\n330100,2024-01-02,40,,\n'));
  const issues = await t.req('GET', `/v1/datasets/${id}/quality/issues`, { token: A.provider.token });
  return created(issues, 200).items[0].id as string;
};
/** A contract of side A awaiting the operator's countersignature. */
const awaitingCountersign = async () => {
  const app = created(await apply(t, A.operator, [{ datasetId: fx.restrictedId, columns: ['district'] }]));
  const decided = await t.req('POST', `/v1/applications/${app.id}/decisions`, {
    token: A.provider.token,
    json: { datasetId: fx.restrictedId, decision: 'approve' },
  });
  return created(decided, 200).contractId as string;
};
const heldRun = async () => {
  const { run } = await runScript(t, { op: A.operator, sessionId: fx.sessionId }, 'return 1', {
    kind: 'rows',
    cpuMs: 50,
  });
  if (run?.status !== 'pending_review') throw new Error(`fixture: ${JSON.stringify(run)}`);
  return run.id as string;
};
/** Side A's provider holds a conditionally shared dataset; another department asks for it. */
const sharing = {
  requester: null as unknown as TUser,
  datasetId: '',
  requestId: '',
  theirsId: '',
  noneId: '',
};
const sharingBody = (dataset = sharing.datasetId) => ({
  dataset,
  columns: ['aqi'],
  duty: '履行环境监测职责',
  purpose: '空气质量考核',
  systems: ['环境监测平台'],
  term: {
    notBefore: new Date().toISOString(),
    notAfter: new Date(Date.now() + 86_400_000 * 30).toISOString(),
  },
});
const pendingRequest = async () =>
  created(
    await t.req('POST', '/v1/sharing/requests', { token: sharing.requester.token, json: sharingBody() }),
  ).id as string;
/** A pending request for side A's dataset, past its deadline: the authority's to urge or decide. */
const overdueRequest = async () => {
  const id = await pendingRequest();
  await t.deps.db
    .update(sharingRequests)
    .set({ dueAt: new Date(Date.now() - 86_400_000) })
    .where(eq(sharingRequests.id, id));
  return id;
};
/** `caller`'s department asks for a dataset that is not shared: refused, its to object to. */
const refusedRequest = async (caller: TUser) =>
  created(
    await t.req('POST', '/v1/sharing/requests', { token: caller.token, json: sharingBody(sharing.noneId) }),
  ).id as string;
/** A grant of side A's dataset to another department. */
const grantOfA = async () => {
  const id = await pendingRequest();
  created(
    await t.req('POST', `/v1/sharing/requests/${id}/decisions`, {
      token: A.provider.token,
      json: { decision: 'approve' },
    }),
    200,
  );
  return id;
};
/** A demand filed without a token, open on the board; its filer's follow token. */
const openDemand = async () =>
  created(
    await t.req('POST', '/v1/demands', {
      json: { title: '公共充电桩占用数据', purpose: '出行导航', contact: 'filer@example.cn' },
    }),
  ) as { id: string; followToken: string };
/** An open demand the authority has routed to side A's department. */
const demandWithA = async () => {
  const { id } = await openDemand();
  created(
    await t.req('POST', `/v1/demands/${id}/route`, { token: t.adminToken, json: { org: A.provider.orgId } }),
    200,
  );
  return id;
};
/** A read through a grant `caller`'s department holds (of an unconditionally shared dataset). */
const grantRead = async (caller: TUser, path: string, json?: unknown) => {
  const id = created(
    await t.req('POST', '/v1/sharing/requests', { token: caller.token, json: sharingBody(sharing.theirsId) }),
  ).id as string;
  return {
    path: `/v1/sharing/grants/${id}/${path}`,
    headers: { 'x-enclave-system': encodeURIComponent('环境监测平台') },
    ...(json === undefined ? {} : { json }),
  };
};
const octets = (body: Uint8Array) => ({
  body: body as Uint8Array<ArrayBuffer>,
  headers: { 'content-type': 'application/octet-stream' },
});
const heModel = async () =>
  created(
    await t.req('POST', `/v1/mpc/he/sessions/${mpc.heSession}/models`, {
      token: A.operator.token,
      ...octets(await encryptModel(mpc.keys, [1], 0)),
    }),
  );
const scoreBody = () => ({
  sessionId: mpc.heSession,
  modelId: mpc.modelId,
  dataset: mpc.datasetId,
  groupBy: 'district',
  features: [{ statistic: 'mean', column: 'wage_base' }],
});
const psiBody = () => ({ contractId: mpc.contractId, dataset: mpc.datasetId, identifierColumn: 'person_id' });
/** A join session of side A whose platform points are ready. */
const readyPsiSession = async () => {
  const id = created(
    await t.req('POST', '/v1/mpc/psi/sessions', { token: A.operator.token, json: psiBody() }),
    202,
  ).id as string;
  await t.sandbox!.dispatcher.idle();
  return id;
};
const joinBody = async (session: string) => {
  const res = await t.app.request(`/v1/mpc/psi/sessions/${session}/points`, {
    headers: { authorization: `Bearer ${A.operator.token}` },
  });
  const points = new Uint8Array(await res.arrayBuffer());
  return answerPsi(await startPsi(['a', 'b']), points);
};
const checkpointSize = async () => Number((await t.req('GET', '/v1/audit/checkpoint')).text.split('\n')[1]);

/** A one-time password link for `user`, giving it a login if it has none. */
const passwordLink = async (user: TUser) => {
  const json = user === admin ? {} : { login: `m.${user.userId}` };
  return created(
    await t.req('POST', `/v1/users/${user.userId}/password-links`, { token: t.adminToken, json }),
  );
};
const MATRIX_PASSWORD = 'a matrix password';
/** Gives `user` the password {@link MATRIX_PASSWORD} through a link; returns its login. */
const withPassword = async (user: TUser) => {
  const link = await passwordLink(user);
  const set = await t.req('POST', '/v1/password', { json: { token: link.token, password: MATRIX_PASSWORD } });
  return created(set, 200).login as string;
};

const CASES: Record<string, TCase> = {
  'GET /v1/health': { success: 200, make: () => ({ path: '/v1/health' }) },
  'POST /v1/orgs': { success: 201, make: () => ({ path: '/v1/orgs', json: { name: `org ${uniq()}` } }) },
  'GET /v1/orgs': { success: 200, make: () => ({ path: '/v1/orgs' }) },
  'POST /v1/users': {
    success: 201,
    make: () => ({ path: '/v1/users', json: { orgId: A.provider.orgId, name: uniq(), role: 'researcher' } }),
  },
  'GET /v1/users': { success: 200, make: () => ({ path: '/v1/users' }) },
  'POST /v1/session': {
    success: 200,
    make: async () => ({
      path: '/v1/session',
      json: { login: await withPassword(A.researcher), password: MATRIX_PASSWORD },
    }),
  },
  'GET /v1/session': { success: 200, make: () => ({ path: '/v1/session' }) },
  'DELETE /v1/session': { success: 204, make: () => ({ path: '/v1/session' }) },
  'POST /v1/users/{id}/password-links': {
    success: 201,
    make: () => ({ path: `/v1/users/${A.researcher.userId}/password-links`, json: {} }),
  },
  'POST /v1/password': {
    success: 200,
    make: async () => ({
      path: '/v1/password',
      json: { token: (await passwordLink(A.researcher)).token, password: MATRIX_PASSWORD },
    }),
  },
  'POST /v1/me/password': {
    success: 204,
    make: async (caller) => {
      await withPassword(caller);
      return {
        path: '/v1/me/password',
        json: { currentPassword: MATRIX_PASSWORD, newPassword: 'another matrix password' },
      };
    },
  },
  'POST /v1/registrations': {
    success: 201,
    make: () => ({
      path: '/v1/registrations',
      json: { login: `r.${uniq()}`, name: uniq(), password: MATRIX_PASSWORD, institution: '某研究所' },
    }),
  },
  'GET /v1/me/tokens': { success: 200, make: () => ({ path: '/v1/me/tokens' }) },
  'POST /v1/me/tokens': { success: 201, make: () => ({ path: '/v1/me/tokens', json: { label: uniq() } }) },
  'POST /v1/me/tokens/{id}/revoke': {
    success: 200,
    make: async (caller) => {
      const own = await t.req('POST', '/v1/me/tokens', { token: caller.token, json: { label: uniq() } });
      return { path: `/v1/me/tokens/${created(own).id}/revoke` };
    },
  },
  'GET /v1/me': { success: 200, make: () => ({ path: '/v1/me' }) },
  'POST /v1/users/{id}/tokens': {
    success: 201,
    make: () => ({ path: `/v1/users/${A.researcher.userId}/tokens`, json: { label: uniq() } }),
  },
  'POST /v1/tokens/{id}/revoke': {
    otherOrg: 404,
    success: 200,
    // The caller's own token (the admin revokes a user's); another org's user may not touch it.
    make: async (caller, s) => {
      const owner = caller === admin || s !== A ? A.researcher : caller;
      const issued = created(
        await t.req('POST', `/v1/users/${owner.userId}/tokens`, {
          token: t.adminToken,
          json: { label: uniq() },
        }),
      );
      return { path: `/v1/tokens/${issued.id}/revoke` };
    },
  },
  'GET /v1/datasets': { success: 200, make: () => ({ path: '/v1/datasets' }) },
  'POST /v1/datasets': { success: 201, make: () => ({ path: '/v1/datasets', json: datasetBody() }) },
  'GET /v1/datasets/{id}': {
    success: 200,
    make: () => ({ path: `/v1/datasets/${fx.openId}` }),
  },
  'PATCH /v1/datasets/{id}': {
    otherOrg: 404,
    success: 200,
    make: async () => ({ path: `/v1/datasets/${await draft()}`, json: { title: '改名' } }),
  },
  'POST /v1/datasets/{id}/submit': {
    otherOrg: 404,
    success: 200,
    make: async () => ({ path: `/v1/datasets/${await draft()}/submit` }),
  },
  'POST /v1/datasets/{id}/review': {
    success: 200,
    make: async () => ({ path: `/v1/datasets/${await submitted()}/review`, json: { decision: 'approve' } }),
  },
  'POST /v1/datasets/{id}/retire': {
    otherOrg: 404,
    success: 200,
    make: async () => ({
      path: `/v1/datasets/${await publishDataset(t, A.provider.token)}/retire`,
      json: { reason: '停止更新' },
    }),
  },
  'POST /v1/datasets/{id}/change-notices': {
    otherOrg: 404,
    success: 201,
    make: () => ({ path: `/v1/datasets/${fx.openId}/change-notices`, json: { what: '职责调整' } }),
  },
  'GET /v1/datasets/{id}/change-notices': {
    success: 200,
    make: () => ({ path: `/v1/datasets/${fx.openId}/change-notices` }),
  },
  'POST /v1/datasets/{id}/feedback': {
    success: 201,
    make: () => ({ path: `/v1/datasets/${fx.openId}/feedback`, json: { kind: 'error', body: '数据有误' } }),
  },
  'GET /v1/datasets/{id}/feedback': {
    success: 200,
    make: () => ({ path: `/v1/datasets/${fx.openId}/feedback` }),
  },
  'POST /v1/feedback/{id}/answer': {
    otherOrg: 404,
    success: 200,
    make: async () => {
      const f = created(
        await t.req('POST', `/v1/datasets/${fx.openId}/feedback`, { json: { kind: 'other', body: '问' } }),
      );
      return { path: `/v1/feedback/${f.id}/answer`, json: { answer: '答' } };
    },
  },
  'GET /v1/datasets/{id}/versions': {
    success: 200,
    make: () => ({ path: `/v1/datasets/${fx.openId}/versions` }),
  },
  'GET /v1/catalog.jsonld': { success: 200, make: () => ({ path: '/v1/catalog.jsonld' }) },
  'GET /v1/datasets/{id}/quality': {
    success: 200,
    make: () => ({ path: `/v1/datasets/${fx.openId}/quality` }),
  },
  'GET /v1/datasets/{id}/quality/issues': {
    success: 200,
    make: () => ({ path: `/v1/datasets/${fx.openId}/quality/issues` }),
  },
  'GET /v1/quality/issues': { success: 200, make: () => ({ path: '/v1/quality/issues?status=open' }) },
  'POST /v1/quality/issues/{id}/responses': {
    otherOrg: 404,
    success: 200,
    make: async () => ({
      path: `/v1/quality/issues/${await qualityIssue()}/responses`,
      json: { note: '已核查' },
    }),
  },
  'POST /v1/datasets/{id}/data': {
    otherOrg: 404,
    success: 201,
    make: async () => ({
      path: `/v1/datasets/${await draft()}/data`,
      body: 'city_code,day,aqi,pm25\n330100,2024-01-02,40,\n',
      headers: { 'content-type': 'text/csv' },
    }),
  },
  'GET /v1/open/{id}/rows': {
    success: 200,
    make: () => ({ path: `/v1/open/${fx.openId}/rows` }),
  },
  'POST /v1/open/{id}/query': {
    success: 200,
    make: () => ({
      path: `/v1/open/${fx.openId}/query`,
      json: { aggregates: [{ fn: 'count', as: 'n' }] },
    }),
  },
  'GET /v1/open/{id}/download': {
    success: 200,
    make: () => ({ path: `/v1/open/${fx.openId}/download?format=csv` }),
  },
  'GET /.well-known/jwks.json': { success: 200, make: () => ({ path: '/.well-known/jwks.json' }) },
  'POST /v1/orgs/{id}/keys': {
    otherOrg: 404,
    success: 201,
    make: async (caller, s) => ({
      path: `/v1/orgs/${s === A ? caller.orgId : A.operator.orgId}/keys`,
      json: { jwk: (await generateSigningKey()).publicJwk },
    }),
  },
  'POST /v1/orgs/{id}/keys/{kid}/revoke': {
    success: 200,
    otherOrg: 404,
    make: async () => {
      const key = await generateSigningKey();
      const res = await t.req('POST', `/v1/orgs/${A.operator.orgId}/keys`, {
        token: A.operator.token,
        json: { jwk: key.publicJwk },
      });
      return { path: `/v1/orgs/${A.operator.orgId}/keys/${created(res).kid}/revoke` };
    },
  },
  'GET /v1/orgs/{id}/keys': {
    otherOrg: 404,
    success: 200,
    // Each caller's own org; another org's keys are for the admin and regulators only.
    make: (caller, s) => ({ path: `/v1/orgs/${s === A ? caller.orgId : A.operator.orgId}/keys` }),
  },
  'POST /v1/applications': {
    success: 201,
    make: () => ({
      path: '/v1/applications',
      json: {
        datasets: [{ datasetId: fx.restrictedId, columns: ['district'] }],
        purpose: '研究',
        scenario: '统计',
        operations: ['sandbox'],
        term: { notBefore: new Date().toISOString(), notAfter: new Date(Date.now() + 864e5).toISOString() },
      },
    }),
  },
  'GET /v1/applications': { success: 200, make: () => ({ path: '/v1/applications' }) },
  'GET /v1/applications/{id}': {
    otherOrg: 404,
    success: 200,
    make: () => ({ path: `/v1/applications/${fx.applicationId}` }),
  },
  'POST /v1/applications/{id}/decisions': {
    otherOrg: 404,
    success: 200,
    make: async () => {
      const app = created(
        await apply(t, A.operator, [{ datasetId: fx.restrictedId, columns: ['district'] }]),
      );
      return {
        path: `/v1/applications/${app.id}/decisions`,
        json: { datasetId: fx.restrictedId, decision: 'reject', reason: '用途不明' },
      };
    },
  },
  'GET /v1/contracts': { success: 200, make: () => ({ path: '/v1/contracts' }) },
  'GET /v1/contracts/{id}': {
    otherOrg: 404,
    success: 200,
    make: () => ({ path: `/v1/contracts/${fx.contractId}` }),
  },
  'GET /v1/contracts/{id}/budget': {
    otherOrg: 404,
    success: 200,
    make: () => ({ path: `/v1/contracts/${fx.contractId}/budget` }),
  },
  'POST /v1/contracts/{id}/countersign': {
    otherOrg: 404,
    success: 200,
    make: async () => {
      const id = await awaitingCountersign();
      const doc = await t.req('GET', `/v1/contracts/${id}`, { token: A.operator.token });
      return {
        path: `/v1/contracts/${id}/countersign`,
        json: await countersignContract(doc.json.jws, A.operator.key),
      };
    },
  },
  'POST /v1/contracts/{id}/revoke': {
    otherOrg: 404,
    success: 200,
    make: async () => {
      const c = await activeContract(t, { op: A.operator, provider: A.provider });
      return { path: `/v1/contracts/${c.contractId}/revoke`, json: { reason: '违约' } };
    },
  },
  'POST /v1/contracts/{id}/check': {
    otherOrg: 404,
    success: 200,
    make: () => ({
      path: `/v1/contracts/${fx.contractId}/check`,
      json: { operation: 'sandbox', datasets: [{ id: fx.restrictedId, columns: ['district'] }] },
    }),
  },
  'POST /v1/sandbox/sessions': {
    otherOrg: 404,
    success: 201,
    make: () => ({ path: '/v1/sandbox/sessions', json: { contractId: fx.contractId } }),
  },
  'POST /v1/sandbox/sessions/{id}/runs': {
    otherOrg: 404,
    success: 202,
    make: () => ({
      path: `/v1/sandbox/sessions/${fx.sessionId}/runs`,
      json: { script: 'return 2', target: 'dummy' },
    }),
  },
  'GET /v1/sandbox/sessions/{id}/runs': {
    otherOrg: 404,
    success: 200,
    make: () => ({ path: `/v1/sandbox/sessions/${fx.sessionId}/runs` }),
  },
  'GET /v1/sandbox/runs/{id}': {
    otherOrg: 404,
    success: 200,
    make: () => ({ path: `/v1/sandbox/runs/${fx.runId}` }),
  },
  'GET /v1/reviews': { success: 200, make: () => ({ path: '/v1/reviews' }) },
  'POST /v1/reviews/{id}': {
    otherOrg: 404,
    success: 200,
    make: async () => ({
      path: `/v1/reviews/${await heldRun()}`,
      json: { decision: 'reject', reason: '不予发布' },
    }),
  },
  'GET /v1/audit/checkpoint': { success: 200, make: () => ({ path: '/v1/audit/checkpoint' }) },
  'POST /v1/audit/checkpoints': {
    success: 201,
    // The log grows first, so there is something new to sign.
    make: async () => {
      created(await t.req('POST', '/v1/orgs', { token: t.adminToken, json: { name: `org ${uniq()}` } }));
      return { path: '/v1/audit/checkpoints' };
    },
  },
  'GET /v1/audit/key': { success: 200, make: () => ({ path: '/v1/audit/key' }) },
  'GET /v1/audit/proofs/inclusion': {
    success: 200,
    make: async () => ({ path: `/v1/audit/proofs/inclusion?index=0&size=${await checkpointSize()}` }),
  },
  'GET /v1/audit/proofs/consistency': {
    success: 200,
    make: async () => ({ path: `/v1/audit/proofs/consistency?from=1&to=${await checkpointSize()}` }),
  },
  'GET /v1/audit/entries': { success: 200, make: () => ({ path: '/v1/audit/entries' }) },
  'GET /v1/audit/entries/{index}': {
    success: 200,
    make: () => ({ path: '/v1/audit/entries/0' }),
  },
  'GET /v1/audit/export': { success: 200, make: () => ({ path: '/v1/audit/export' }) },
  'GET /v1/audit/alerts': { success: 200, make: () => ({ path: '/v1/audit/alerts' }) },
  'POST /v1/sharing/requests': {
    success: 201,
    // A department asks another's: the third department's open dataset.
    make: () => ({ path: '/v1/sharing/requests', json: sharingBody(sharing.theirsId) }),
  },
  'POST /v1/sharing/requests/{id}/decisions': {
    otherOrg: 404,
    success: 200,
    // Overdue, so that the authority may decide in the holder's place.
    make: async () => ({
      path: `/v1/sharing/requests/${await overdueRequest()}/decisions`,
      json: { decision: 'approve' },
    }),
  },
  'POST /v1/sharing/requests/{id}/urge': {
    success: 200,
    make: async () => ({
      path: `/v1/sharing/requests/${await overdueRequest()}/urge`,
      json: { note: '请于三个工作日内办结' },
    }),
  },
  'POST /v1/sharing/requests/{id}/objections': {
    success: 200,
    make: async (caller) => ({
      path: `/v1/sharing/requests/${await refusedRequest(caller)}/objections`,
      json: { objection: '依法履职需要' },
    }),
  },
  'POST /v1/sharing/requests/{id}/rulings': {
    success: 200,
    make: async () => {
      const id = await refusedRequest(A.provider);
      created(
        await t.req('POST', `/v1/sharing/requests/${id}/objections`, {
          token: A.provider.token,
          json: { objection: '依法履职需要' },
        }),
        200,
      );
      return { path: `/v1/sharing/requests/${id}/rulings`, json: { ruling: 'uphold', reason: '维持' } };
    },
  },
  'POST /v1/sharing/requests/{id}/revocation': {
    otherOrg: 404,
    success: 200,
    make: async () => ({
      path: `/v1/sharing/requests/${await grantOfA()}/revocation`,
      json: { reason: '履职依据失效' },
    }),
  },
  'GET /v1/sharing/grants/{id}/rows': { success: 200, make: (caller) => grantRead(caller, 'rows') },
  'GET /v1/sharing/grants/{id}/changes': {
    success: 200,
    make: (caller) => grantRead(caller, 'changes?since=0'),
  },
  'POST /v1/sharing/grants/{id}/query': {
    success: 200,
    make: (caller) => grantRead(caller, 'query', { aggregates: [{ fn: 'count', as: 'n' }] }),
  },
  'GET /v1/sharing/grants/{id}/download': {
    success: 200,
    make: (caller) => grantRead(caller, 'download'),
  },
  'GET /v1/sharing/requests': { success: 200, make: () => ({ path: '/v1/sharing/requests' }) },
  'GET /v1/sharing/requests/{id}': {
    otherOrg: 404,
    success: 200,
    make: () => ({ path: `/v1/sharing/requests/${sharing.requestId}` }),
  },
  'POST /v1/demands': {
    success: 201,
    make: () => ({
      path: '/v1/demands',
      json: { title: '数据需求', purpose: '研究', contact: '+86 138 0013 8000' },
    }),
  },
  'GET /v1/demands': { success: 200, make: () => ({ path: '/v1/demands' }) },
  'GET /v1/demands/{id}': {
    success: 200,
    make: async () => ({ path: `/v1/demands/${(await openDemand()).id}` }),
  },
  'POST /v1/demands/{id}/route': {
    success: 200,
    make: async () => ({
      path: `/v1/demands/${(await openDemand()).id}/route`,
      json: { org: A.provider.orgId },
    }),
  },
  'POST /v1/demands/{id}/claim': {
    success: 200,
    make: async () => ({ path: `/v1/demands/${(await openDemand()).id}/claim` }),
  },
  'POST /v1/demands/{id}/answers': {
    // Another department sees the demand on the board, but it is not with them.
    otherOrg: 403,
    success: 200,
    make: async () => ({
      path: `/v1/demands/${await demandWithA()}/answers`,
      json: { outcome: 'refused', reason: '不掌握该数据' },
    }),
  },
  'GET /v1/notifications': {
    success: 200,
    // Whoever holds a follow token reads its notifications, with or without a token of their own.
    make: async () => ({ path: `/v1/notifications?follow=${(await openDemand()).followToken}` }),
  },
  'POST /v1/notifications/read': {
    success: 200,
    make: async () => ({
      path: '/v1/notifications/read',
      json: { follow: (await openDemand()).followToken },
    }),
  },
  'GET /v1/statistics/monthly': {
    success: 200,
    make: () => ({ path: '/v1/statistics/monthly?month=2026-01' }),
  },
  'GET /v1/statistics/monthly/csv': {
    success: 200,
    make: () => ({ path: '/v1/statistics/monthly/csv?month=2026-01' }),
  },
  'GET /v1/statistics/monthly/report': {
    success: 200,
    make: () => ({ path: '/v1/statistics/monthly/report?month=2026-01' }),
  },
  'GET /v1/mpc/params': { success: 200, make: () => ({ path: '/v1/mpc/params' }) },
  'POST /v1/mpc/he/sessions': {
    otherOrg: 404,
    success: 201,
    make: () => ({
      path: '/v1/mpc/he/sessions',
      json: { contractId: mpc.contractId, paramSet: 'ckks-8192' },
    }),
  },
  'PUT /v1/mpc/he/sessions/{id}/relin-keys': {
    otherOrg: 404,
    success: 200,
    make: () => ({
      path: `/v1/mpc/he/sessions/${mpc.heSession16}/relin-keys`,
      ...octets(mpc.keys16.relinKeys!),
    }),
  },
  'POST /v1/mpc/he/sessions/{id}/models': {
    otherOrg: 404,
    success: 201,
    make: async () => ({
      path: `/v1/mpc/he/sessions/${mpc.heSession}/models`,
      ...octets(await encryptModel(mpc.keys, [1], 0)),
    }),
  },
  'POST /v1/mpc/he/aggregate': {
    otherOrg: 404,
    success: 202,
    make: () => ({ path: '/v1/mpc/he/aggregate', json: scoreBody() }),
  },
  'POST /v1/mpc/psi/sessions': {
    otherOrg: 404,
    success: 202,
    make: () => ({ path: '/v1/mpc/psi/sessions', json: psiBody() }),
  },
  'GET /v1/mpc/psi/sessions/{id}': {
    otherOrg: 404,
    success: 200,
    make: () => ({ path: `/v1/mpc/psi/sessions/${mpc.psiSession}` }),
  },
  'GET /v1/mpc/psi/sessions/{id}/points': {
    otherOrg: 404,
    success: 200,
    make: () => ({ path: `/v1/mpc/psi/sessions/${mpc.psiSession}/points` }),
  },
  'POST /v1/mpc/psi/sessions/{id}/join': {
    otherOrg: 404,
    success: 202,
    make: async () => {
      const session = await readyPsiSession();
      return { path: `/v1/mpc/psi/sessions/${session}/join`, ...octets(await joinBody(session)) };
    },
  },
  'GET /v1/mpc/computations/{id}': {
    otherOrg: 404,
    success: 200,
    make: () => ({ path: `/v1/mpc/computations/${mpc.computationId}` }),
  },
  'GET /v1/mpc/computations/{id}/output': {
    otherOrg: 404,
    success: 200,
    make: () => ({ path: `/v1/mpc/computations/${mpc.computationId}/output` }),
  },
};

type TOperation = { method: string; path: string; access: ('anonymous' | TRole)[]; description: string };
let operations: TOperation[] = [];

const callerOf = (s: TSide, role: TRole): TUser => (role === 'admin' ? admin : s[role]);
const send = (method: string, token: string | null, r: TRequest) =>
  t.req(method, r.path, {
    token,
    ...(r.json !== undefined ? { json: r.json } : {}),
    ...(r.body !== undefined ? { body: r.body } : {}),
    ...(r.headers ? { headers: r.headers } : {}),
  });
/** A request the route would refuse as invalid (bad id, unknown parameter and field), to show that access is decided first. */
const invalidRequest = (op: TOperation): TRequest => {
  const path = `${op.path.replace(/\{\w+\}/g, 'NOT-AN-ID')}?bogus=%00`;
  return op.method === 'GET' ? { path } : { path, json: { bogus: true } };
};

describe('the role × operation matrix', () => {
  beforeAll(async () => {
    const doc = (await t.req('GET', '/v1/openapi.json')).json;
    type TDocOp = { 'x-enclave-access'?: TOperation['access']; description?: string };
    operations = Object.entries<Record<string, TDocOp>>(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        access: op['x-enclave-access'] ?? [],
        description: String(op.description ?? ''),
      })),
    );
  });

  it('covers every operation, and every operation says what it does and who may call it', () => {
    expect(operations.length).toBeGreaterThanOrEqual(103);
    for (const op of operations) {
      expect(op.access.length, `${op.method} ${op.path}`).toBeGreaterThan(0);
      // Said in words too: what it does, then who may call it.
      expect(op.description, `${op.method} ${op.path}`).toMatch(/^[^\n]{20,}[\s\S]*\n\nAccess: /);
    }
    expect(operations.map((o) => `${o.method} ${o.path}`).sort()).toEqual(Object.keys(CASES).sort());
  });

  it('asserts every cell: anonymous, each role, and a user of another org', {
    timeout: 600_000,
  }, async () => {
    const table: string[] = [];
    let cells = 0;
    const check = (op: TOperation, who: string, status: number, expected: number, text: string) => {
      cells++;
      if (status !== expected)
        table.push(
          `${op.method} ${op.path} as ${who}: ${status}, expected ${expected}: ${text.slice(0, 200)}`,
        );
    };
    for (const op of operations) {
      const c = CASES[`${op.method} ${op.path}`]!;
      // Anonymous.
      if (op.access.includes('anonymous')) {
        const res = await send(op.method, null, await c.make(A.provider, A));
        check(op, 'anonymous', res.status, c.success, res.text);
      } else {
        const res = await send(op.method, null, invalidRequest(op));
        check(op, 'anonymous', res.status, 401, res.text);
      }
      for (const role of ROLES) {
        const caller = callerOf(A, role);
        if (op.access.includes(role)) {
          const res = await send(op.method, caller.token, await c.make(caller, A));
          check(op, role, res.status, c.success, res.text);
          if (role === 'admin') continue;
          const other = callerOf(B, role);
          const res2 = await send(op.method, other.token, await c.make(other, B));
          const expected =
            role === 'regulator' && op.method === 'GET' ? c.success : (c.otherOrg ?? c.success);
          check(op, `${role} of another org`, res2.status, expected, res2.text);
        } else {
          const res = await send(op.method, caller.token, invalidRequest(op));
          check(op, role, res.status, 403, res.text);
        }
      }
    }
    expect(table).toEqual([]);
    expect(cells).toBeGreaterThan(300);
  });
});
