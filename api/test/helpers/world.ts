import type { TRole } from '../../src/db/schema/index.ts';
import { publishDataset, uploadData } from './datasets.ts';
import { operatorWithKey, type TOperator } from './licences.ts';
import { sandboxSession } from './sandbox.ts';
import type { TestApp } from './test-app.ts';

export type TUser = { userId: string; orgId: string; token: string };
/** One org per role, as a department or company would have. */
export type TSide = Record<Exclude<TRole, 'admin' | 'operator'>, TUser> & { operator: TOperator };
export type TWorld = {
  admin: TUser;
  /** The side that owns the objects below. */
  A: TSide;
  /** Users of the same roles in other orgs. */
  B: TSide;
  openId: string;
  restrictedId: string;
  slug: string;
  applicationId: string;
  contractId: string;
  sessionId: string;
  runId: string;
};

const side = async (t: TestApp): Promise<TSide> => ({
  provider: await t.user('provider'),
  operator: await operatorWithKey(t),
  researcher: await t.user('researcher'),
  regulator: await t.user('regulator'),
});

/**
 * A small platform in use: two sides of users in every role; side A's open dataset with rows, its
 * restricted dataset under an active contract with an open sandbox session and a run (finished if
 * the app runs workers, else queued), and a signed checkpoint of the audit log.
 */
export async function buildWorld(t: TestApp): Promise<TWorld> {
  const me = await t.req('GET', '/v1/me', { token: t.adminToken });
  const admin = { userId: me.json.id, orgId: me.json.orgId, token: t.adminToken };
  const A = await side(t);
  const B = await side(t);
  const s = await sandboxSession(t, { op: A.operator, provider: A.provider });
  const openId = await publishDataset(t, A.provider.token);
  const csv = 'city_code,day,aqi,pm25\n330100,2024-01-01,50,12.5\n330200,2024-01-01,80,30\n';
  const uploaded = await uploadData(t, A.provider.token, openId, csv);
  if (uploaded.status !== 201) throw new Error(`upload: ${uploaded.text}`);
  const queued = await t.req('POST', `/v1/sandbox/sessions/${s.sessionId}/runs`, {
    token: A.operator.token,
    json: { script: 'return 1', target: 'dummy' },
  });
  if (queued.status !== 202) throw new Error(`run: ${queued.text}`);
  // Finished when the app runs workers, so a long poll on it answers at once.
  await t.sandbox?.dispatcher.idle();
  const checkpoint = await t.req('POST', '/v1/audit/checkpoints', { token: t.adminToken });
  if (checkpoint.status !== 201) throw new Error(`checkpoint: ${checkpoint.text}`);
  return {
    admin,
    A,
    B,
    openId,
    restrictedId: s.datasetId,
    slug: s.slug,
    applicationId: s.applicationId,
    contractId: s.contractId,
    sessionId: s.sessionId,
    runId: queued.json.id,
  };
}
