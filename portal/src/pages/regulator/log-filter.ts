import { qs } from '../../lib/api.ts';
import type { TAlert } from './types.ts';

/** The log filters, as the list and export routes name them in their query strings. */
export const FILTER_KEYS = [
  'action',
  'outcome',
  'actor_org',
  'actor_user',
  'object_type',
  'object_id',
  'contract',
  'dataset',
  'from',
  'to',
] as const;
export type TFilterKey = (typeof FILTER_KEYS)[number];
export type TLogFilter = Partial<Record<TFilterKey, string>>;

/** The filters of a page's query string; anything else (paging, unknown keys) left out. */
export function filterOf(query: Record<string, string | undefined>): TLogFilter {
  const out: TLogFilter = {};
  for (const k of FILTER_KEYS) {
    const v = query[k]?.trim();
    if (v) out[k] = v;
  }
  return out;
}

export const hasFilter = (f: TLogFilter) => FILTER_KEYS.some((k) => f[k]);

/** The workspace's log view with these filters (and a page start). */
export const logHref = (f: TLogFilter, after?: number) =>
  `/regulator${qs({ ...f, ...(after === undefined ? {} : { after }) })}`;

/** The list route for these filters. */
export const listPath = (f: TLogFilter, after: number | undefined, limit: number) =>
  `/v1/audit/entries${qs({ ...f, after, limit })}`;

/** A download of the filtered entries (the session cookie goes with a same-origin link). */
export const exportHref = (f: TLogFilter, format: 'csv' | 'ndjson') =>
  `/v1/audit/export${qs({ ...f, format })}`;

/** One millisecond on: an alert's window names its last entry's time, the filter's `to` excludes it. */
const justAfter = (iso: string) => new Date(new Date(iso).getTime() + 1).toISOString();

/**
 * The log view that holds an alert's entries: its subject and time window, narrowed to the kind
 * of entry the alert counts.
 */
export function alertFilter(a: TAlert): TLogFilter {
  const window = { from: a.window.from, to: justAfter(a.window.to) };
  switch (a.kind) {
    case 'refused_or_failed_burst':
      return { actor_org: a.subject.id, ...window };
    case 'near_identical_queries':
      return {
        contract: a.subject.id,
        action: 'sandbox.run_finish',
        ...(a.subject.orgId ? { actor_org: a.subject.orgId } : {}),
        ...window,
      };
    case 'contract_misuse':
      return { contract: a.subject.id, action: 'contract.use', outcome: 'refused', ...window };
    case 'budget_nearly_spent':
      return { contract: a.subject.id, action: 'budget.spend', ...window };
    case 'revoked_token_use':
      return { action: 'auth.token_refused', object_type: 'token', object_id: a.subject.id, ...window };
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as a `datetime-local` value in the browser's time zone, to the second. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A `datetime-local` value (the browser's time zone) as an ISO instant; empty stays empty. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
