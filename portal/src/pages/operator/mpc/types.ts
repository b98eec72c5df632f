import type { TDisclosureReport } from '@enclave/sandbox';
import type { TColumn, TDataset } from '../../../lib/types.ts';

/** What the joint-computation page sends and shows (the API's shapes: /v1/openapi.json). */

export type TStatistic = 'mean' | 'sum';
export type TMeasure = { statistic: TStatistic; column: string; bounds?: { min: number; max: number } };

/** The disclosure report of a release, as the sandbox writes it. */
export type TDisclosure = TDisclosureReport;

export type THeInput = {
  userId: string;
  contractId: string;
  dataset: string;
  groupBy: string;
  features: (TMeasure & { weight: number })[];
  bias: number;
  polynomial: number[] | null;
};

export type THeOutput = {
  computationId: string;
  paramSet: string;
  result: {
    groups: { label: string | number | boolean | null; count: number }[];
    disclosure: TDisclosure;
    datasetVersion: number;
  };
  scores: number[];
  epsilonCharged: number;
  bytesSent: number;
  bytesReceived: number;
};

export type TPsiInput = {
  contractId: string;
  dataset: string;
  identifierColumn: string;
  groupBy: string | null;
  measures: TMeasure[];
  /** The operator's identifiers: one a line, or a CSV whose column `idsColumn` holds them. */
  identifiers: string;
  idsColumn: string | null;
};

export type TPsiOutput = {
  computationId: string;
  result: {
    columns: string[];
    rows: (string | number | boolean | null)[][];
    suppressed: number[];
    disclosure: TDisclosure;
    identifiers: number;
    datasetVersion: number;
  };
  epsilonCharged: number;
  read: number;
  duplicates: number;
  distinct: number;
  bytesSent: number;
  bytesReceived: number;
};

export type TStage =
  | 'send'
  | 'join'
  | 'keys'
  | 'encrypt'
  | 'upload'
  | 'compute'
  | 'decrypt'
  | 'prepare'
  | 'hash'
  | 'blind'
  | 'answer';
export type TStageDetail = {
  done?: number;
  total?: number;
  bytes?: number;
  reused?: boolean;
  paramSet?: string;
};
export type TProgress = (stage: TStage, state: 'active' | 'done', detail?: TStageDetail) => void;

export type TContract = {
  id: string;
  state: 'awaiting_countersign' | 'active' | 'expired' | 'revoked';
  contract: {
    purpose: string;
    operations: string[];
    datasets: { id: string; columns: string[] }[];
    policy: { minCellCount?: number; rounding?: number };
    term: { notBefore: string; notAfter: string };
  };
  issuedAt: string;
};

export type TBudget = { granted: number; spent: number; remaining: number; period: string };

/** A dataset of the contract with the columns the contract licenses on it. */
export type TLicensed = { dataset: TDataset; columns: TColumn[] };
