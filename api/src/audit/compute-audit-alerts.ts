import { type SQL, sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.ts';
import type { Deps } from '../deps.ts';
import { findBursts } from './find-bursts.ts';

/** When an alert is raised. Counts are entries of the log; windows slide over entry times. */
export const ALERT_RULES = {
  /** Refused or failed contract uses and runs of one operator org (failures on dummy data are development). */
  refusedOrFailedBurst: { minCount: 5, windowMs: 10 * 60_000 },
  /** Real-data runs of one org under one contract with one query shape, in several variants. */
  nearIdenticalQueries: { minCount: 10, windowMs: 60 * 60_000, minVariants: 2 },
  /** Share of a contract's epsilon spent. */
  budgetNearlySpent: { fraction: 0.8 },
} as const;

/** Leaf indexes listed per alert; `count` gives the total. */
export const ALERT_ENTRIES_CAP = 100;

export const ALERT_KINDS = [
  'refused_or_failed_burst',
  'near_identical_queries',
  'contract_misuse',
  'budget_nearly_spent',
  'revoked_token_use',
] as const;
export const ALERT_SEVERITIES = ['high', 'medium'] as const;
export const ALERT_SUBJECT_TYPES = ['org', 'contract', 'token'] as const;

/** Refusal codes of a contract used outside its term or after revocation. */
export const MISUSE_CODES = ['CONTRACT_REVOKED', 'CONTRACT_EXPIRED', 'CONTRACT_NOT_YET_VALID'] as const;

export type TAlert = {
  kind: (typeof ALERT_KINDS)[number];
  severity: (typeof ALERT_SEVERITIES)[number];
  /** Who or what the alert is about; `orgId` is the operator org behind it, where known. */
  subject: { type: (typeof ALERT_SUBJECT_TYPES)[number]; id: string; orgId: string | null };
  /** Time of the first and the last entry behind the alert. */
  window: { from: string; to: string };
  /** Entries behind the alert. */
  count: number;
  message: string;
  details: Record<string, unknown>;
  /** Their leaf indexes, ascending, at most `ALERT_ENTRIES_CAP`. */
  entries: number[];
};

export type TAlertWindow = { from: Date; to: Date };

/**
 * The alerts a regulator should look at, computed on request from the log entries of a time
 * window (from inclusive, to exclusive): most severe first, then oldest first. Each names the
 * entries behind it, so it can be checked against the log and its proofs.
 */
export async function computeAuditAlerts(deps: Deps, window: TAlertWindow): Promise<TAlert[]> {
  const found = await Promise.all([
    refusedOrFailedBursts(deps, window),
    nearIdenticalQueries(deps, window),
    contractMisuse(deps, window),
    budgetsNearlySpent(deps, window),
    revokedTokenUse(deps, window),
  ]);
  const rank = (a: TAlert) => ALERT_SEVERITIES.indexOf(a.severity);
  return found.flat().sort((a, b) => rank(a) - rank(b) || a.window.from.localeCompare(b.window.from));
}

const inWindow = (w: TAlertWindow) =>
  sql`occurred_at >= ${w.from.toISOString()}::timestamptz and occurred_at < ${w.to.toISOString()}::timestamptz`;

/** Count, first and last time, and capped leaf indexes of the grouped entries. */
const GROUP_SUMMARY = sql`count(*)::int as count,
  (extract(epoch from min(occurred_at)) * 1000)::float8 as first_ms,
  (extract(epoch from max(occurred_at)) * 1000)::float8 as last_ms,
  to_json((array_agg(seq order by seq))[1:${sql.raw(String(ALERT_ENTRIES_CAP))}]) as entries`;

type TGroupRow = { count: number; first_ms: number; last_ms: number; entries: number[] };

async function grouped<T>(deps: Deps, query: SQL): Promise<(T & TGroupRow)[]> {
  return rowsOf<T & TGroupRow>(await deps.db.execute(query));
}

const span = (first: Date | number, last: Date | number) => ({
  from: new Date(first).toISOString(),
  to: new Date(last).toISOString(),
});
const minutes = (ms: number) => `${ms / 60_000} min`;

async function refusedOrFailedBursts(deps: Deps, w: TAlertWindow): Promise<TAlert[]> {
  const rule = ALERT_RULES.refusedOrFailedBurst;
  const events = sql`select seq, occurred_at as ts, actor_org_id as key, '' as variant from audit_entries
    where ${inWindow(w)} and outcome in ('refused', 'failed') and actor_org_id is not null
      and (action = 'contract.use' or action like 'sandbox.%' or action like 'mpc.%')
      and coalesce(details->>'target', '') <> 'dummy'`;
  const bursts = await findBursts(deps.db, events, rule, ALERT_ENTRIES_CAP);
  return bursts.map((b) => ({
    kind: 'refused_or_failed_burst',
    severity: b.count >= rule.minCount * 4 ? 'high' : 'medium',
    subject: { type: 'org', id: b.key, orgId: b.key },
    window: span(b.first, b.last),
    count: b.count,
    message: `${b.count} refused or failed contract uses or runs by org ${b.key} (threshold: ${rule.minCount} within ${minutes(rule.windowMs)})`,
    details: { threshold: { count: rule.minCount, windowMs: rule.windowMs } },
    entries: b.entries,
  }));
}

async function nearIdenticalQueries(deps: Deps, w: TAlertWindow): Promise<TAlert[]> {
  const rule = ALERT_RULES.nearIdenticalQueries;
  const events = sql`select seq, occurred_at as ts,
      json_build_array(actor_org_id, contract_id, details->>'queryShape')::text as key,
      coalesce(details->>'scriptSha256', '') || ':' || coalesce(details->>'paramsSha256', '') as variant
    from audit_entries
    where ${inWindow(w)} and action = 'sandbox.run_finish' and details->>'target' = 'real'
      and details->>'queryShape' is not null and actor_org_id is not null and contract_id is not null`;
  const bursts = await findBursts(deps.db, events, rule, ALERT_ENTRIES_CAP);
  return bursts
    .filter((b) => b.variants >= rule.minVariants)
    .map((b) => {
      const [orgId, contractId, queryShape] = JSON.parse(b.key) as [string, string, string];
      return {
        kind: 'near_identical_queries',
        severity: 'medium',
        subject: { type: 'contract', id: contractId, orgId },
        window: span(b.first, b.last),
        count: b.count,
        message: `${b.count} runs of one query shape in ${b.variants} variants (script or parameters) by org ${orgId} under contract ${contractId} (threshold: ${rule.minCount} within ${minutes(rule.windowMs)})`,
        details: {
          queryShape,
          variants: b.variants,
          threshold: { count: rule.minCount, windowMs: rule.windowMs, variants: rule.minVariants },
        },
        entries: b.entries,
      };
    });
}

async function contractMisuse(deps: Deps, w: TAlertWindow): Promise<TAlert[]> {
  const codes = sql.join(
    MISUSE_CODES.map((c) => sql`${c}`),
    sql`, `,
  );
  const rows = await grouped<{ contract_id: string; code: string; org: string | null }>(
    deps,
    sql`select contract_id, details->>'code' as code, actor_org_id as org, ${GROUP_SUMMARY}
      from audit_entries
      where ${inWindow(w)} and action = 'contract.use' and outcome = 'refused' and contract_id is not null
        and details->>'code' in (${codes})
      group by contract_id, details->>'code', actor_org_id
      order by min(seq)`,
  );
  const what: Record<string, string> = {
    CONTRACT_REVOKED: 'after its revocation',
    CONTRACT_EXPIRED: 'after its term ended',
    CONTRACT_NOT_YET_VALID: 'before its term began',
  };
  return rows.map((r) => ({
    kind: 'contract_misuse',
    severity: r.code === 'CONTRACT_REVOKED' ? 'high' : 'medium',
    subject: { type: 'contract', id: r.contract_id, orgId: r.org },
    window: span(r.first_ms, r.last_ms),
    count: r.count,
    message: `${r.count} attempted use(s) of contract ${r.contract_id} ${what[r.code] ?? r.code} by org ${r.org ?? 'unknown'}`,
    details: { code: r.code },
    entries: r.entries,
  }));
}

async function budgetsNearlySpent(deps: Deps, w: TAlertWindow): Promise<TAlert[]> {
  const { fraction } = ALERT_RULES.budgetNearlySpent;
  const rows = await grouped<{ contract_id: string; org: string | null; spent: number; granted: number }>(
    deps,
    sql`select contract_id, min(actor_org_id) as org, ${GROUP_SUMMARY},
        (array_agg((details->>'spent')::float8 order by seq desc))[1] as spent,
        (array_agg((details->>'granted')::float8 order by seq desc))[1] as granted
      from audit_entries
      where ${inWindow(w)} and action = 'budget.spend' and contract_id is not null
        and jsonb_typeof(details->'spent') = 'number' and jsonb_typeof(details->'granted') = 'number'
      group by contract_id
      order by min(seq)`,
  );
  return rows
    .filter((r) => r.granted > 0 && r.spent >= fraction * r.granted)
    .map((r) => {
      const share = r.spent / r.granted;
      return {
        kind: 'budget_nearly_spent',
        severity: share >= 1 - 1e-9 ? 'high' : 'medium',
        subject: { type: 'contract', id: r.contract_id, orgId: r.org },
        window: span(r.first_ms, r.last_ms),
        count: r.count,
        message: `contract ${r.contract_id} has spent ${Math.round(share * 100)}% of its privacy budget (epsilon ${r.spent} of ${r.granted}; threshold ${fraction * 100}%)`,
        details: { spent: r.spent, granted: r.granted, fraction: share, threshold: fraction },
        entries: r.entries,
      };
    });
}

async function revokedTokenUse(deps: Deps, w: TAlertWindow): Promise<TAlert[]> {
  const rows = await grouped<{
    token_id: string;
    reason: string;
    org: string | null;
    user_id: string | null;
  }>(
    deps,
    sql`select object_id as token_id, details->>'reason' as reason, actor_org_id as org, actor_user_id as user_id,
        ${GROUP_SUMMARY}
      from audit_entries
      where ${inWindow(w)} and action = 'auth.token_refused'
      group by object_id, details->>'reason', actor_org_id, actor_user_id
      order by min(seq)`,
  );
  return rows.map((r) => ({
    kind: 'revoked_token_use',
    severity: r.reason === 'revoked' ? 'high' : 'medium',
    subject: { type: 'token', id: r.token_id, orgId: r.org },
    window: span(r.first_ms, r.last_ms),
    count: r.count,
    message: `${r.count} request(s) with the ${r.reason} token ${r.token_id} of user ${r.user_id ?? 'unknown'}`,
    details: { reason: r.reason, userId: r.user_id },
    entries: r.entries,
  }));
}
