import { type SQL, sql } from 'drizzle-orm';
import { timelinessCounts } from '../catalogue/timeliness.ts';
import { type Db, rowsOf } from '../db/client.ts';
import { invalid } from '../errors.ts';
import { workingDaysBetween } from '../sharing/working-days.ts';

/*
 * The authority's monthly statistics (每月统计、调度、通报): per department (an org with a provider)
 * and for the platform, computed from the tables and the audit log for one calendar month in
 * Beijing time. Counts of things that happen (requests received, runs) are those of the month;
 * counts of states (entries published, overdue, open issues) are as the month ends, or as of now
 * while it is under way.
 */

const CST_MS = 8 * 3_600_000;

/** An instant as a query parameter; both drivers take the text (postgres.js refuses a Date in raw SQL). */
const at = (d: Date) => sql`${d.toISOString()}::timestamptz`;

export type TMonthWindow = { month: string; from: Date; to: Date; isComplete: boolean };

/** The month `YYYY-MM` in Beijing time, up to now while it runs; a month not yet begun is refused. */
export function monthWindow(month: string, now: Date): TMonthWindow {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw invalid([{ path: 'query.month', message: 'a month as YYYY-MM' }]);
  const [y, mo] = [Number(m[1]), Number(m[2])];
  const from = new Date(Date.UTC(y, mo - 1, 1) - CST_MS);
  const end = new Date(Date.UTC(y, mo, 1) - CST_MS);
  if (from > now) throw invalid([{ path: 'query.month', message: `${month} has not begun` }]);
  if (y < 2000) throw invalid([{ path: 'query.month', message: 'from 2000 on' }]);
  return { month, from, to: end < now ? end : now, isComplete: end <= now };
}

export type TRates = {
  /** 目录覆盖率: published entries of those registered. */
  coverage: number | null;
  /** 数据汇聚率: published entries holding data. */
  aggregation: number | null;
  /** 数据合格率: the mean quality score of entries with a report, as a share. */
  quality: number | null;
  /** 共享开放率: published entries shared with departments (unconditionally or on request) or open. */
  sharingOpen: number | null;
  /** 更新及时率: published entries not overdue (data or a change notice). */
  timeliness: number | null;
  /** 响应及时率: sharing requests and demands whose deadline fell in the month, met in time. */
  responsiveness: number | null;
};

export type TDepartmentStats = {
  orgId: string;
  name: string;
  rank: number;
  /** The mean of the rates the department has (0–100); null when it has none. */
  score: number | null;
  rates: TRates;
  catalogue: {
    registered: number;
    published: number;
    withData: number;
    byClassification: Record<'1' | '2' | '3' | '4', number>;
    byOpenness: Record<'open' | 'conditional' | 'closed', number>;
    bySharing: Record<'unconditional' | 'conditional' | 'none', number>;
    dataOverdue: number;
    changeOverdue: number;
    registrationOverdue: number;
  };
  quality: { score: number | null; reports: number; openIssues: number };
  sharing: {
    received: number;
    approved: number;
    refused: number;
    /** Deadlines that fell in the month and were missed. */
    overdue: number;
    dueInMonth: number;
    medianAnswerWorkingDays: number | null;
  };
  demands: { received: number; answered: number; overdue: number; dueInMonth: number };
  openData: { reads: number; downloads: number };
  computation: { sandboxRuns: number; jointComputations: number };
};

export type TMonthlyStatistics = {
  month: string;
  from: string;
  to: string;
  isComplete: boolean;
  platform: Omit<TDepartmentStats, 'orgId' | 'name' | 'rank'> & { departments: number };
  departments: TDepartmentStats[];
};

type TRow = Record<string, unknown> & { org: string };
const n = (v: unknown) => Number(v ?? 0);

async function byOrg(db: Db, query: SQL): Promise<Map<string, TRow>> {
  return new Map(rowsOf<TRow>(await db.execute(query)).map((r) => [r.org, r]));
}

/** Entries as the month ends: registered (not retired), published, holding data; by attribute. */
const catalogueSql = (w: TMonthWindow) => sql`
  with d as (
    select d.*, d.published_at < ${at(w.to)} and (d.retired_at is null or d.retired_at >= ${at(w.to)}) as is_published,
      exists (select 1 from dataset_versions v where v.dataset_id = d.id and v.status = 'committed'
        and v.committed_at < ${at(w.to)}) as has_data
    from datasets d
    where d.created_at < ${at(w.to)} and (d.retired_at is null or d.retired_at >= ${at(w.to)}))
  select provider_org_id as org, count(*) as registered,
    count(*) filter (where is_published) as published,
    count(*) filter (where is_published and has_data) as with_data,
    count(*) filter (where is_published and (sharing <> 'none' or openness = 'open')) as shared_or_open,
    count(*) filter (where classification = 1) as c1, count(*) filter (where classification = 2) as c2,
    count(*) filter (where classification = 3) as c3, count(*) filter (where classification = 4) as c4,
    count(*) filter (where openness = 'open') as o_open, count(*) filter (where openness = 'conditional') as o_conditional,
    count(*) filter (where openness = 'closed') as o_closed,
    count(*) filter (where sharing = 'unconditional') as s_unconditional,
    count(*) filter (where sharing = 'conditional') as s_conditional, count(*) filter (where sharing = 'none') as s_none
  from d group by provider_org_id`;

/** The latest quality report of each entry made by the month's end, and issues open then (not closed, not rectified by a version committed by then). */
const qualitySql = (w: TMonthWindow) => sql`
  with latest as (
    select distinct on (r.dataset_id) r.dataset_id, r.score
    from quality_reports r where r.created_at < ${at(w.to)}
    order by r.dataset_id, r.version desc),
  scores as (
    select d.provider_org_id as org, avg(l.score) as score, count(*) as reports
    from latest l join datasets d on d.id = l.dataset_id group by 1),
  issues as (
    select d.provider_org_id as org, count(*) as open_issues
    from quality_issues i join datasets d on d.id = i.dataset_id
    where i.created_at < ${at(w.to)} and (i.closed_at is null or i.closed_at >= ${at(w.to)})
      and not exists (select 1 from dataset_versions v where v.dataset_id = i.dataset_id
        and v.version = i.rectified_version and v.committed_at < ${at(w.to)})
    group by 1)
  select coalesce(s.org, i.org) as org, s.score, coalesce(s.reports, 0) as reports, coalesce(i.open_issues, 0) as open_issues
  from scores s full join issues i on i.org = s.org`;

/** Requests to each holder: received, decided, and deadlines in the month missed. */
const sharingSql = (w: TMonthWindow) => sql`
  select holder_org_id as org,
    count(*) filter (where created_at >= ${at(w.from)} and created_at < ${at(w.to)}) as received,
    count(*) filter (where decided_at >= ${at(w.from)} and decided_at < ${at(w.to)} and granted_columns is not null) as approved,
    count(*) filter (where decided_at >= ${at(w.from)} and decided_at < ${at(w.to)} and granted_columns is null) as refused,
    count(*) filter (where due_at >= ${at(w.from)} and due_at < ${at(w.to)}) as due,
    count(*) filter (where due_at >= ${at(w.from)} and due_at < ${at(w.to)} and (decided_at is null or decided_at > due_at)) as overdue,
    coalesce(json_agg(json_build_array(created_at, decided_at)) filter (
      where due_at is not null and decided_at >= ${at(w.from)} and decided_at < ${at(w.to)}), '[]') as answers
  from sharing_requests
  where created_at < ${at(w.to)}
  group by holder_org_id`;

/** Demands each department was given (routed or claimed) and answered; deadlines in the month missed. */
const demandsSql = (w: TMonthWindow) => sql`
  with given as (
    select e.org_id as org, count(*) filter (where e.at >= ${at(w.from)}) as received,
      count(*) filter (where e.due_at >= ${at(w.from)} and e.due_at < ${at(w.to)}) as due,
      count(*) filter (where e.due_at >= ${at(w.from)} and e.due_at < ${at(w.to)} and not exists (
        select 1 from demands x where x.id = e.demand_id and x.assigned_org_id = e.org_id
          and x.answered_at <= e.due_at)) as overdue
    from demand_events e
    where e.kind in ('routed', 'claimed') and e.at < ${at(w.to)}
    group by 1),
  answered as (
    select assigned_org_id as org, count(*) as answered from demands
    where answered_at >= ${at(w.from)} and answered_at < ${at(w.to)} group by 1)
  select coalesce(g.org, a.org) as org, coalesce(g.received, 0) as received, coalesce(g.due, 0) as due,
    coalesce(g.overdue, 0) as overdue, coalesce(a.answered, 0) as answered
  from given g full join answered a on a.org = g.org`;

/** Open-data reads and downloads of each provider's entries, per UTC day (as they are counted). */
const openDataSql = (w: TMonthWindow) => sql`
  select d.provider_org_id as org,
    sum(r.anonymous + r.authenticated) filter (where r.kind <> 'download') as reads,
    sum(r.anonymous + r.authenticated) filter (where r.kind = 'download') as downloads
  from open_data_reads r join datasets d on d.id = r.dataset_id
  where r.day >= ${w.from.toISOString().slice(0, 10)} and r.day < ${w.to.toISOString().slice(0, 10)}
  group by 1`;

/** Sandbox runs and joint computations that finished in the month, from the log, per provider whose data the contract covers. */
const computationSql = (w: TMonthWindow) => sql`
  with finished as (
    select contract_id, action, count(*) as runs from audit_entries
    where action in ('sandbox.run_finish', 'mpc.computation_finish')
      and occurred_at >= ${at(w.from)} and occurred_at < ${at(w.to)} and contract_id is not null
    group by 1, 2)
  select p.org, sum(f.runs) filter (where f.action = 'sandbox.run_finish') as sandbox,
    sum(f.runs) filter (where f.action = 'mpc.computation_finish') as joint
  from finished f
  join (select distinct contract_id, provider_org_id as org from contract_datasets) p on p.contract_id = f.contract_id
  group by 1`;

const departmentsSql = sql`
  select o.id as org, o.name from orgs o
  where exists (select 1 from users u where u.org_id = o.id and u.role = 'provider')`;

const median = (xs: number[]) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);

function ratesOf(
  s: Omit<TDepartmentStats, 'orgId' | 'name' | 'rank' | 'score' | 'rates'>,
  sharedOrOpen: number,
): TRates {
  const c = s.catalogue;
  const due = s.sharing.dueInMonth + s.demands.dueInMonth;
  return {
    coverage: share(c.published, c.registered),
    aggregation: share(c.withData, c.published),
    quality: s.quality.score === null ? null : s.quality.score / 100,
    sharingOpen: share(sharedOrOpen, c.published),
    timeliness: c.published > 0 ? Math.max(0, 1 - (c.dataOverdue + c.changeOverdue) / c.published) : null,
    responsiveness: share(due - s.sharing.overdue - s.demands.overdue, due),
  };
}

const scoreOf = (r: TRates) => {
  const xs = Object.values(r).filter((x): x is number => x !== null);
  return xs.length ? Math.round((1000 * xs.reduce((a, b) => a + b, 0)) / xs.length) / 10 : null;
};

/**
 * The month's statistics: each department's counts, rates and score (the mean of its rates, as a
 * percentage), ranked by score (departments with no score last, then by name), and the platform's
 * totals. Seven set-based queries; the answer times are counted in working days per request.
 */
export async function monthlyStatistics(db: Db, w: TMonthWindow): Promise<TMonthlyStatistics> {
  const [orgs, catalogue, quality, sharing, demands, openData, computation, overdue] = await Promise.all([
    byOrg(db, departmentsSql),
    byOrg(db, catalogueSql(w)),
    byOrg(db, qualitySql(w)),
    byOrg(db, sharingSql(w)),
    byOrg(db, demandsSql(w)),
    byOrg(db, openDataSql(w)),
    byOrg(db, computationSql(w)),
    timelinessCounts(db, w.to),
  ]);
  const answerDays = new Map<string, number[]>();
  for (const [org, r] of sharing) {
    const pairs = (typeof r.answers === 'string' ? JSON.parse(r.answers) : r.answers) as [string, string][];
    answerDays.set(
      org,
      pairs.map(([a, b]) => workingDaysBetween(new Date(a), new Date(b))),
    );
  }
  const sharedOrOpen = new Map<string, number>();
  const departments: TDepartmentStats[] = [...orgs.values()].map((o) => {
    const c = catalogue.get(o.org) ?? ({} as TRow);
    const q = quality.get(o.org);
    const sr = sharing.get(o.org) ?? ({} as TRow);
    const d = demands.get(o.org) ?? ({} as TRow);
    const od = openData.get(o.org) ?? ({} as TRow);
    const cp = computation.get(o.org) ?? ({} as TRow);
    const t = overdue.get(o.org);
    sharedOrOpen.set(o.org, n(c.shared_or_open));
    const body = {
      catalogue: {
        registered: n(c.registered),
        published: n(c.published),
        withData: n(c.with_data),
        byClassification: { '1': n(c.c1), '2': n(c.c2), '3': n(c.c3), '4': n(c.c4) },
        byOpenness: { open: n(c.o_open), conditional: n(c.o_conditional), closed: n(c.o_closed) },
        bySharing: {
          unconditional: n(c.s_unconditional),
          conditional: n(c.s_conditional),
          none: n(c.s_none),
        },
        dataOverdue: t?.dataOverdue ?? 0,
        changeOverdue: t?.changeOverdue ?? 0,
        registrationOverdue: t?.registrationOverdue ?? 0,
      },
      quality: {
        score: q?.score == null ? null : Math.round(Number(q.score) * 10) / 10,
        reports: n(q?.reports),
        openIssues: n(q?.open_issues),
      },
      sharing: {
        received: n(sr.received),
        approved: n(sr.approved),
        refused: n(sr.refused),
        overdue: n(sr.overdue),
        dueInMonth: n(sr.due),
        medianAnswerWorkingDays: median(answerDays.get(o.org) ?? []),
      },
      demands: {
        received: n(d.received),
        answered: n(d.answered),
        overdue: n(d.overdue),
        dueInMonth: n(d.due),
      },
      openData: { reads: n(od.reads), downloads: n(od.downloads) },
      computation: { sandboxRuns: n(cp.sandbox), jointComputations: n(cp.joint) },
    };
    const rates = ratesOf(body, n(c.shared_or_open));
    return { orgId: o.org, name: String(o.name), rank: 0, score: scoreOf(rates), rates, ...body };
  });
  departments.sort(
    (a, b) =>
      (b.score ?? -1) - (a.score ?? -1) ||
      a.name.localeCompare(b.name, 'zh') ||
      a.orgId.localeCompare(b.orgId),
  );
  departments.forEach((d, i) => {
    d.rank = d.score === null ? 0 : i + 1;
  });
  return {
    month: w.month,
    from: w.from.toISOString(),
    to: w.to.toISOString(),
    isComplete: w.isComplete,
    platform: platformOf(departments, [...answerDays.values()].flat(), [...sharedOrOpen.values()]),
    departments,
  };
}

/** Sums over the departments; the platform's median and score from all of it, not from the departments' own. */
function platformOf(
  ds: TDepartmentStats[],
  allAnswerDays: number[],
  sharedOrOpen: number[],
): TMonthlyStatistics['platform'] {
  const sum = (f: (d: TDepartmentStats) => number) => ds.reduce((a, d) => a + f(d), 0);
  const scored = ds.filter((d) => d.quality.score !== null);
  const reports = sum((d) => d.quality.reports);
  const body = {
    catalogue: {
      registered: sum((d) => d.catalogue.registered),
      published: sum((d) => d.catalogue.published),
      withData: sum((d) => d.catalogue.withData),
      byClassification: {
        '1': sum((d) => d.catalogue.byClassification['1']),
        '2': sum((d) => d.catalogue.byClassification['2']),
        '3': sum((d) => d.catalogue.byClassification['3']),
        '4': sum((d) => d.catalogue.byClassification['4']),
      },
      byOpenness: {
        open: sum((d) => d.catalogue.byOpenness.open),
        conditional: sum((d) => d.catalogue.byOpenness.conditional),
        closed: sum((d) => d.catalogue.byOpenness.closed),
      },
      bySharing: {
        unconditional: sum((d) => d.catalogue.bySharing.unconditional),
        conditional: sum((d) => d.catalogue.bySharing.conditional),
        none: sum((d) => d.catalogue.bySharing.none),
      },
      dataOverdue: sum((d) => d.catalogue.dataOverdue),
      changeOverdue: sum((d) => d.catalogue.changeOverdue),
      registrationOverdue: sum((d) => d.catalogue.registrationOverdue),
    },
    quality: {
      // Weighted by reports, so that the platform's score is the mean over entries, not departments.
      score:
        reports > 0
          ? Math.round(
              (10 * scored.reduce((a, d) => a + d.quality.score! * d.quality.reports, 0)) / reports,
            ) / 10
          : null,
      reports,
      openIssues: sum((d) => d.quality.openIssues),
    },
    sharing: {
      received: sum((d) => d.sharing.received),
      approved: sum((d) => d.sharing.approved),
      refused: sum((d) => d.sharing.refused),
      overdue: sum((d) => d.sharing.overdue),
      dueInMonth: sum((d) => d.sharing.dueInMonth),
      medianAnswerWorkingDays: median(allAnswerDays),
    },
    demands: {
      received: sum((d) => d.demands.received),
      answered: sum((d) => d.demands.answered),
      overdue: sum((d) => d.demands.overdue),
      dueInMonth: sum((d) => d.demands.dueInMonth),
    },
    openData: { reads: sum((d) => d.openData.reads), downloads: sum((d) => d.openData.downloads) },
    computation: {
      sandboxRuns: sum((d) => d.computation.sandboxRuns),
      jointComputations: sum((d) => d.computation.jointComputations),
    },
  };
  const rates = ratesOf(
    body,
    sharedOrOpen.reduce((a, b) => a + b, 0),
  );
  return { departments: ds.length, score: scoreOf(rates), rates, ...body };
}
