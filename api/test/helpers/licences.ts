import { countersignContract, generateSigningKey, type TSigningKey } from '@enclave/contracts';
import { publishDataset } from './datasets.ts';
import type { TestApp } from './test-app.ts';

/** The public code list of the restricted dataset's district column. */
export const DISTRICTS = ['上城区', '拱墅区', '西湖区', '滨江区', '萧山区', '余杭区'];

export const RESTRICTED_COLUMNS = [
  { name: 'person_id', type: 'string', nullable: false, sensitivity: 'identifier' },
  { name: 'district', type: 'string', nullable: false, sensitivity: 'public', codes: DISTRICTS },
  { name: 'wage_base', type: 'number', nullable: false, sensitivity: 'sensitive', min: 0, max: 100000 },
  { name: 'birth_year', type: 'integer', nullable: false, sensitivity: 'personal', min: 1900, max: 2030 },
];

/** A published conditional dataset of a provider; returns its id. */
export const publishRestricted = (t: TestApp, providerToken: string, over: Record<string, unknown> = {}) =>
  publishDataset(t, providerToken, {
    openness: 'conditional',
    sharing: 'conditional',
    sharingBasis: '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条',
    classification: 3,
    title: '社会保险缴费',
    columns: RESTRICTED_COLUMNS,
    ...over,
  });

export type TOperator = { token: string; orgId: string; userId: string; key: TSigningKey };

/** An operator with a registered countersigning key. */
export async function operatorWithKey(t: TestApp): Promise<TOperator> {
  const op = await t.user('operator');
  const key = await generateSigningKey();
  const res = await t.req('POST', `/v1/orgs/${op.orgId}/keys`, {
    token: op.token,
    json: { jwk: key.publicJwk },
  });
  if (res.status !== 201) throw new Error(`key: ${res.text}`);
  return { ...op, key };
}

const day = 86_400_000;
export const termFromNow = (startDays = -1, endDays = 30, now = Date.now()) => ({
  notBefore: new Date(now + startDays * day).toISOString(),
  notAfter: new Date(now + endDays * day).toISOString(),
});

export async function apply(
  t: TestApp,
  op: TOperator,
  datasets: { datasetId: string; columns: string[] }[],
  over: Record<string, unknown> = {},
) {
  return t.req('POST', '/v1/applications', {
    token: op.token,
    json: {
      datasets,
      purpose: '研究社保缴费基数的区域差异',
      scenario: '宏观统计分析',
      operations: ['sandbox'],
      term: termFromNow(),
      keyId: op.key.kid,
      ...over,
    },
  });
}

/**
 * The whole path to an active contract: a provider's conditional dataset, an operator's
 * application, the provider's approval (with `policy`), the operator's countersignature.
 */
export async function activeContract(
  t: TestApp,
  opts: {
    policy?: Record<string, unknown>;
    columns?: string[];
    application?: Record<string, unknown>;
    op?: TOperator;
    provider?: { token: string; orgId: string; userId: string };
  } = {},
) {
  const provider = opts.provider ?? (await t.user('provider'));
  const datasetId = await publishRestricted(t, provider.token);
  const op = opts.op ?? (await operatorWithKey(t));
  const applied = await apply(
    t,
    op,
    [{ datasetId, columns: opts.columns ?? ['district', 'wage_base'] }],
    opts.application,
  );
  if (applied.status !== 201) throw new Error(`apply: ${applied.text}`);
  const decided = await t.req('POST', `/v1/applications/${applied.json.id}/decisions`, {
    token: provider.token,
    json: { datasetId, decision: 'approve', ...(opts.policy ? { policy: opts.policy } : {}) },
  });
  if (decided.status !== 200) throw new Error(`decide: ${decided.text}`);
  const contractId = decided.json.contractId as string;
  const doc = await t.req('GET', `/v1/contracts/${contractId}`, { token: op.token });
  const signature = await countersignContract(doc.json.jws, op.key);
  const signed = await t.req('POST', `/v1/contracts/${contractId}/countersign`, {
    token: op.token,
    json: signature,
  });
  if (signed.status !== 200) throw new Error(`countersign: ${signed.text}`);
  return {
    provider,
    op,
    datasetId,
    contractId,
    applicationId: applied.json.id as string,
    contract: signed.json,
  };
}
