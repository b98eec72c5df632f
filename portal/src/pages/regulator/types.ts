/** The audit routes' shapes as this workspace reads them (the OpenAPI document has all). */

export type TOutcome = 'success' | 'refused' | 'failed';

export type TAuditEntry = {
  index: number;
  v: 1;
  at: string;
  actor: { userId: string | null; orgId: string | null; role: string | null } | null;
  action: string;
  objectType: string;
  objectId: string;
  contractId: string | null;
  datasetId: string | null;
  outcome: TOutcome;
  details: Record<string, unknown>;
  requestId: string | null;
};

export type TAuditEntriesPage = {
  items: TAuditEntry[];
  page: { limit: number; maxLimit: number; hasMore: boolean; nextAfter: number | null };
};

export type TAlert = {
  kind:
    | 'refused_or_failed_burst'
    | 'near_identical_queries'
    | 'contract_misuse'
    | 'budget_nearly_spent'
    | 'revoked_token_use';
  severity: 'high' | 'medium';
  subject: { type: 'org' | 'contract' | 'token'; id: string; orgId: string | null };
  window: { from: string; to: string };
  count: number;
  message: string;
  details: Record<string, unknown>;
  entries: number[];
};

export type TAlerts = { window: { from: string; to: string }; items: TAlert[] };
