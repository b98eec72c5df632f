/** The API's shapes as the authority's workspace reads them (see /v1/openapi.json). */
import type { TRole } from '../../lib/session.ts';

export type TOrg = { id: string; name: string; nameEn: string | null; createdAt: string };
export type TUserRow = {
  id: string;
  orgId: string;
  name: string;
  /** Present once password sign-in is on the server; null for a user who has none yet. */
  login?: string | null;
  role: TRole;
  createdAt: string;
};
export type TPasswordLink = { token: string; url: string; login: string; expiresAt: string };

export type TSharingRequest = {
  id: string;
  datasetId: string;
  holderOrgId: string;
  requesterOrgId: string;
  columns: string[];
  duty: string;
  purpose: string;
  status: 'pending' | 'granted' | 'rejected' | 'refused' | 'objected' | 'revoked';
  reason: string | null;
  dueAt: string | null;
  isOverdue: boolean;
  urgeCount: number;
  objection: string | null;
  createdAt: string;
};

export type TRates = Record<
  'coverage' | 'aggregation' | 'quality' | 'sharingOpen' | 'timeliness' | 'responsiveness',
  number | null
>;
export type TStatsSections = {
  score: number | null;
  rates: TRates;
  catalogue: {
    registered: number;
    published: number;
    withData: number;
    byOpenness: Record<'open' | 'conditional' | 'closed', number>;
  };
  quality: { score: number | null; reports: number; openIssues: number };
  sharing: { received: number; overdue: number };
  demands: { received: number; answered: number; overdue: number };
  openData: { reads: number; downloads: number };
  computation: { sandboxRuns: number; jointComputations: number };
};
export type TMonthly = {
  month: string;
  from: string;
  to: string;
  isComplete: boolean;
  platform: TStatsSections & { departments: number };
  departments: (TStatsSections & { orgId: string; name: string; rank: number })[];
};
