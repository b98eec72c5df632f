/** The licensing and sandbox shapes the operator workspace reads (see /v1/openapi.json). */
import { api } from '../../lib/api.ts';
import type { TDataset } from '../../lib/types.ts';

export const OPERATIONS = ['sandbox', 'he', 'psi'] as const;
export type TOperation = (typeof OPERATIONS)[number];
export type TStatus = 'pending' | 'approved' | 'rejected';

export type TApplication = {
  id: string;
  status: TStatus;
  purpose: string;
  scenario: string;
  operations: TOperation[];
  term: { notBefore: string; notAfter: string };
  licenseeKid: string;
  contractId: string | null;
  createdAt: string;
  parts: {
    datasetId: string;
    columns: string[];
    status: TStatus;
    reason: string | null;
    policy: Record<string, number>;
    decidedAt: string | null;
  }[];
};

export type TJwsSignature = { protected: string; signature: string };
export type TGeneralJws = { payload: string; signatures: TJwsSignature[] };

export type TPolicy = {
  minCellCount?: number;
  rounding?: number;
  dp?: { epsilon: number; delta?: number; epsilonPerRun?: number; period?: string };
  dominance?: { n: number; k: number };
  maxRunsPerDay?: number;
  maxCpuMsPerRun?: number;
  maxResultBytes?: number;
};

export type TContractPayload = {
  id: string;
  version: number;
  issuedAt: string;
  issuer: { org: string; kid: string };
  licensee: { org: string; kid: string };
  datasets: { id: string; version?: number; columns: string[] }[];
  purpose: string;
  scenario?: string;
  operations: TOperation[];
  policy: TPolicy;
  term: { notBefore: string; notAfter: string };
};

export type TContractState = 'awaiting_countersign' | 'active' | 'expired' | 'revoked';
export type TContract = {
  id: string;
  state: TContractState;
  contract: TContractPayload;
  jws: TGeneralJws;
  issuedAt: string;
  countersignedAt: string | null;
  revokedAt: string | null;
  revokeReason: string | null;
  transparency?: { index: number; checkpoint: string; proof: string[] } | null;
};

export type TOrgKey = {
  kid: string;
  orgId: string;
  publicJwk: Record<string, string>;
  createdAt: string;
  revokedAt: string | null;
};

export type TBudget = {
  contractId: string;
  period: string;
  granted: number;
  spent: number;
  remaining: number;
  epsilonPerRun: number;
  source: 'contract' | 'platform-default';
};

export type TRunStatus = 'queued' | 'running' | 'succeeded' | 'pending_review' | 'rejected' | 'failed';
export type TDisclosure = {
  cells: number;
  suppressedPrimary: number;
  suppressedSecondary: number;
  suppressedDominance: number;
  rounded: number;
  perturbed: number;
  dp: { epsilon: number; mechanism: string; statistics: number } | null;
  notes: string[];
  items: {
    aggregate: number;
    epsilon: number;
    noiseSd: Record<string, number>;
    suppressed: { cell: string; reason: string }[];
  }[];
};
export type TRun = {
  id: string;
  sessionId: string;
  contractId: string;
  target: 'real' | 'dummy';
  kind: 'aggregate' | 'rows';
  status: TRunStatus;
  errorCode: string | null;
  errorMessage: string | null;
  logs: string[] | null;
  result: unknown;
  disclosure: TDisclosure | null;
  usage: { cpuMs: number; wallMs: number; peakHeapBytes: number } | null;
  epsilon: number | null;
  epsilonCharged: number;
  holdReason: string | null;
  reviewReason: string | null;
  createdAt: string;
  finishedAt: string | null;
};

export const isSettled = (s: TRunStatus) => s !== 'queued' && s !== 'running';

/** The catalogue entries a contract or application names, by id (metadata is public). */
export async function datasetsById(ids: string[], signal?: AbortSignal): Promise<Map<string, TDataset>> {
  const unique = [...new Set(ids)];
  const rows = await Promise.all(
    unique.map((id) =>
      api<TDataset>('GET', `/v1/datasets/${encodeURIComponent(id)}`, undefined, signal ? { signal } : {}),
    ),
  );
  return new Map(rows.map((d) => [d.id, d]));
}
