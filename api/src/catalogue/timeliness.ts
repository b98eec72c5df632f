import { type SQL, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../db/client.ts';
import { datasets } from '../db/schema/index.ts';
import { addWorkingDays, overdueBefore } from '../sharing/working-days.ts';
import type { UPDATE_FREQUENCIES } from './dataset-input.ts';

/**
 * Working days allowed to register a new entry (from its creation to its publication), to revise an
 * entry after a change notice, and to ingest the first data of a published entry: 在20个工作日内.
 */
export const TIMELINESS_WORKING_DAYS = 20;
/** Working days of grace after a frequency's period ends before its data is overdue. */
export const DATA_GRACE_WORKING_DAYS = 1;

/**
 * How long a dataset's data stays current, by its update frequency, as a PostgreSQL interval added
 * in Beijing's calendar (a month from 31 January is 28 or 29 February). `irregular` and `once` have
 * no period: only their first data is due.
 */
export const UPDATE_PERIODS = {
  realtime: '1 day',
  daily: '1 day',
  weekly: '7 days',
  monthly: '1 month',
  quarterly: '3 months',
  yearly: '12 months',
  irregular: null,
  once: null,
} as const satisfies Record<(typeof UPDATE_FREQUENCIES)[number], string | null>;

/** Timeliness of one catalogue entry at an instant. */
export type TTimeliness = {
  /** When its last data was committed, or null when it has none. */
  lastDataAt: Date | null;
  /** When its data becomes overdue (published entries), or null when nothing is due. */
  dataDueAt: Date | null;
  isDataOverdue: boolean;
  /** Change notices not yet followed by a revision. */
  openChangeNotices: number;
  /** The earliest deadline of the open change notices. */
  changeDueAt: Date | null;
  isChangeOverdue: boolean;
  /** When an unpublished entry must be published (registered) by. */
  registrationDueAt: Date | null;
  isRegistrationOverdue: boolean;
};

export type TTimelinessCounts = { dataOverdue: number; changeOverdue: number; registrationOverdue: number };

const periodCase = sql.raw(
  `case d.update_frequency ${Object.entries(UPDATE_PERIODS)
    .filter(([, p]) => p !== null)
    .map(([f, p]) => `when '${f}' then interval '${p}'`)
    .join(' ')} end`,
);

/**
 * One row per dataset matching `where` (on `d`, the datasets table), with its timeliness as of
 * `at`: only versions committed by then, notices recorded by then and not followed by then, and
 * the entry's state then (published from `published_at` until `retired_at`). Working-day deadlines
 * become one instant each (`overdueBefore`), so rows are compared, not counted day by day.
 */
function timelinessRows(at: Date, where: SQL): SQL {
  const now = sql`${at.toISOString()}::timestamptz`;
  const cutGrace = sql`${overdueBefore(at, DATA_GRACE_WORKING_DAYS).toISOString()}::timestamptz`;
  const cutDays = sql`${overdueBefore(at, TIMELINESS_WORKING_DAYS).toISOString()}::timestamptz`;
  return sql`
    select t.*,
      coalesce(t.is_published and (t.period_end < ${cutGrace} or (t.last_data_at is null and t.published_at < ${cutDays})), false) as is_data_overdue,
      coalesce(t.is_published and t.overdue_notices > 0, false) as is_change_overdue,
      coalesce((t.published_at is null or t.published_at > ${now}) and t.created_at < ${cutDays}, false) as is_registration_overdue
    from (
      select d.id, d.provider_org_id, d.published_at, d.created_at,
        coalesce(d.published_at <= ${now} and (d.retired_at is null or d.retired_at > ${now}), false) as is_published,
        v.last_data_at,
        -- The period runs from the last data, or from publication if that came later.
        ((greatest(v.last_data_at, d.published_at) at time zone 'UTC' + interval '8 hours' + ${periodCase}
          - interval '8 hours') at time zone 'UTC') as period_end,
        n.open_notices, n.overdue_notices, n.change_due_at
      from datasets d
      left join lateral (
        select max(committed_at) as last_data_at from dataset_versions
        where dataset_id = d.id and status = 'committed' and committed_at <= ${now}
      ) v on true
      left join lateral (
        select count(*)::int as open_notices,
          (count(*) filter (where due_at < ${now}))::int as overdue_notices,
          min(due_at) as change_due_at
        from change_notices
        where dataset_id = d.id and recorded_at <= ${now} and (followed_at is null or followed_at > ${now})
      ) n on true
      where ${where}
    ) t`;
}

type TRow = {
  id: string;
  is_published: boolean;
  published_at_ms: number | null;
  created_at_ms: number;
  last_data_at_ms: number | null;
  period_end_ms: number | null;
  open_notices: number;
  change_due_at_ms: number | null;
  is_data_overdue: boolean;
  is_change_overdue: boolean;
  is_registration_overdue: boolean;
};
const ms = (column: string) => sql.raw(`(extract(epoch from ${column}) * 1000)::float8 as ${column}_ms`);
const dateOrNull = (v: number | null) => (v === null ? null : new Date(v));
const earliest = (...dates: (Date | null)[]) =>
  dates.reduce<Date | null>((a, b) => (a === null || (b !== null && b < a) ? b : a), null);

/**
 * The timeliness of the given datasets as of `at`, by id:
 * what the catalogue shows on each entry.
 */
export async function datasetTimeliness(db: Db, ids: string[], at: Date): Promise<Map<string, TTimeliness>> {
  if (ids.length === 0) return new Map();
  const rows = rowsOf<TRow>(
    await db.execute(sql`
      select id, is_published, ${ms('published_at')}, ${ms('created_at')}, ${ms('last_data_at')},
        ${ms('period_end')}, open_notices, ${ms('change_due_at')},
        is_data_overdue, is_change_overdue, is_registration_overdue
      from (${timelinessRows(
        at,
        sql`d.id in (${sql.join(
          ids.map((id) => sql`${id}`),
          sql`, `,
        )})`,
      )}) r`),
  );
  return new Map(
    rows.map((r) => {
      const publishedAt = dateOrNull(r.published_at_ms);
      const periodEnd = dateOrNull(r.period_end_ms);
      const dataDueAt =
        r.is_published && publishedAt
          ? earliest(
              periodEnd && addWorkingDays(periodEnd, DATA_GRACE_WORKING_DAYS).due,
              r.last_data_at_ms === null ? addWorkingDays(publishedAt, TIMELINESS_WORKING_DAYS).due : null,
            )
          : null;
      const isUnpublished = publishedAt === null || publishedAt > at;
      return [
        r.id,
        {
          lastDataAt: dateOrNull(r.last_data_at_ms),
          dataDueAt,
          isDataOverdue: r.is_data_overdue,
          openChangeNotices: r.open_notices,
          changeDueAt: dateOrNull(r.change_due_at_ms),
          isChangeOverdue: r.is_change_overdue,
          registrationDueAt: isUnpublished
            ? addWorkingDays(new Date(r.created_at_ms), TIMELINESS_WORKING_DAYS).due
            : null,
          isRegistrationOverdue: r.is_registration_overdue,
        },
      ];
    }),
  );
}

/**
 * Entries overdue as of `at`, counted per providing org, for the monthly statistics: published
 * entries whose data is overdue for their frequency, published entries with a change notice open
 * past its deadline, and entries not published within 20 working days of their registration. Ask
 * with a past instant (a month's end) for the counts as they stood then. Orgs with nothing overdue
 * are absent.
 *
 * @example
 * const counts = await timelinessCounts(db, new Date('2026-10-31T16:00:00Z')); // October's end in Beijing
 * counts.get(orgId)?.dataOverdue ?? 0
 */
export async function timelinessCounts(db: Db, at: Date): Promise<Map<string, TTimelinessCounts>> {
  const rows = rowsOf<{ org_id: string } & TTimelinessCounts>(
    await db.execute(sql`
      select provider_org_id as org_id,
        (count(*) filter (where is_data_overdue))::int as "dataOverdue",
        (count(*) filter (where is_change_overdue))::int as "changeOverdue",
        (count(*) filter (where is_registration_overdue))::int as "registrationOverdue"
      from (${timelinessRows(at, sql`true`)}) r
      where is_data_overdue or is_change_overdue or is_registration_overdue
      group by provider_org_id`),
  );
  return new Map(
    rows.map((r) => [
      r.org_id,
      {
        dataOverdue: r.dataOverdue,
        changeOverdue: r.changeOverdue,
        registrationOverdue: r.registrationOverdue,
      },
    ]),
  );
}

/** A condition on `datasets` for the catalogue search: the entry is overdue in any way at `at`. */
export function isOverdueSql(at: Date): SQL {
  return sql`${datasets.id} in (select id from (${timelinessRows(at, sql`true`)}) r
    where is_data_overdue or is_change_overdue or is_registration_overdue)`;
}
