import { freshServerDatabase, percentile, startApi, time } from './lib.ts';

const DEPARTMENTS = 1000;
const DATASETS = 10_000;
const AUDIT = Number(process.env.BENCH_STATS_AUDIT ?? 1_000_000);
const ROUNDS = 15;
const TOKEN = `enc_${'m'.repeat(43)}`;
const MONTH = '2026-11';
const FROM = '2026-10-31T16:00:00Z';
const TO = '2026-11-30T16:00:00Z';

/**
 * A platform of 1 000 departments, 10 000 entries and 1 M audit entries in the month, written
 * straight into the tables (with foreign-key triggers off while seeding); then November's
 * statistics through the API, as JSON, CSV and the report, against the plain counts underneath
 * them run directly on the database.
 */
const SEED = `
set session_replication_role = replica;
insert into orgs (id, name) select 'org_b' || g, '部门' || g from generate_series(1, ${DEPARTMENTS}) g;
insert into users (id, org_id, name, role) select 'usr_b' || g, 'org_b' || g, 'u' || g, 'provider' from generate_series(1, ${DEPARTMENTS}) g;
insert into datasets (id, slug, title, description, provider_org_id, theme, update_frequency, license,
    classification, openness, sharing, sharing_basis, columns, status, search_text, created_by, created_at, published_at, current_version)
  select 'ds_b' || g, 'bench-' || g, '数据 ' || g, 'd', 'org_b' || (1 + g % ${DEPARTMENTS}), 'economy',
    (array['daily','monthly','quarterly','yearly','irregular'])[1 + g % 5], 'CC-BY-4.0', 1 + g % 4,
    (array['open','conditional','closed'])[1 + g % 3],
    case when g % 3 = 0 then 'unconditional' when g % 3 = 1 then 'conditional' else 'none' end,
    case when g % 3 = 0 then null else '依据' end,
    '[]'::jsonb, case when g % 10 = 0 then 'draft' else 'published' end, 'x', 'usr_b' || (1 + g % ${DEPARTMENTS}),
    timestamptz '2026-06-01' + (g || ' minutes')::interval,
    case when g % 10 = 0 then null else timestamptz '2026-07-01' + (g || ' minutes')::interval end,
    case when g % 10 < 7 then 1 end
  from generate_series(1, ${DATASETS}) g;
insert into dataset_versions (dataset_id, version, status, mode, table_name, row_count, format, created_by, committed_at)
  select 'ds_b' || g, 1, 'committed', 'replace', 'ds_b' || g || '_v1', 1000, 'csv', 'usr_b1',
    timestamptz '2026-09-01' + ((g % 80) || ' days')::interval
  from generate_series(1, ${DATASETS}) g where g % 10 between 1 and 6;
insert into quality_reports (dataset_id, version, score, row_count, checked, failing, results, created_at)
  select 'ds_b' || g, 1, 80 + g % 21, 1000, 5000, 50, '[]'::jsonb, timestamptz '2026-09-01' + ((g % 80) || ' days')::interval
  from generate_series(1, ${DATASETS}) g where g % 10 between 1 and 6;
insert into quality_issues (id, dataset_id, "column", rule, kind, status, first_version, last_version, checked, failing, created_at, closed_at)
  select 'qi_b' || g, 'ds_b' || (g * 3), 'c', 0, 'pattern', case when g % 4 = 0 then 'closed' else 'open' end, 1, 1, 1000, 10,
    timestamptz '2026-10-01' + ((g % 50) || ' days')::interval,
    case when g % 4 = 0 then timestamptz '2026-11-20' end
  from generate_series(1, 3000) g;
insert into change_notices (id, dataset_id, what, recorded_by, recorded_at, due_at, is_due_official)
  select 'cn_b' || g, 'ds_b' || (g * 7), '职责调整', 'usr_b1', timestamptz '2026-10-01' + ((g % 40) || ' days')::interval,
    timestamptz '2026-10-29' + ((g % 40) || ' days')::interval, true
  from generate_series(1, 1000) g;
insert into sharing_requests (id, dataset_id, holder_org_id, requester_org_id, requested_by, columns, duty, purpose, systems,
    not_before, not_after, status, granted_columns, reason, due_at, is_due_official, decided_by, decided_at, created_at)
  select 'sr_b' || g, 'ds_b' || (1 + g % ${DATASETS}), 'org_b' || (1 + (1 + g % ${DATASETS}) % ${DEPARTMENTS}),
    'org_b' || (1 + (g * 7) % ${DEPARTMENTS}), 'usr_b1', array['c'], '职责', '目的', array['系统'],
    timestamptz '2026-11-01', timestamptz '2027-11-01',
    case when g % 10 < 6 then 'granted' when g % 10 = 6 then 'rejected' else 'pending' end,
    case when g % 10 < 6 then array['c'] end, case when g % 10 = 6 then '不符合' end,
    timestamptz '2026-10-20' + ((g % 40) || ' days')::interval, true,
    case when g % 10 < 7 then 'usr_b1' end,
    case when g % 10 < 7 then timestamptz '2026-10-10' + ((g % 50) || ' days')::interval end,
    timestamptz '2026-10-06' + ((g % 50) || ' days')::interval
  from generate_series(1, 20000) g;
insert into demands (id, title, purpose, status, assigned_org_id, routed_at, due_at, is_due_official, answered_at, created_at)
  select 'dm_b' || g, '需求', '用途', case when g % 2 = 0 then 'fulfilled' else 'routed' end, 'org_b' || (1 + g % ${DEPARTMENTS}),
    timestamptz '2026-11-01' + ((g % 25) || ' days')::interval, timestamptz '2026-11-14' + ((g % 25) || ' days')::interval, true,
    case when g % 2 = 0 then timestamptz '2026-11-05' + ((g % 25) || ' days')::interval end,
    timestamptz '2026-11-01' + ((g % 25) || ' days')::interval
  from generate_series(1, 5000) g;
insert into demand_events (demand_id, kind, org_id, due_at, at)
  select id, 'routed', assigned_org_id, due_at, routed_at from demands;
insert into open_data_reads (dataset_id, day, kind, anonymous, authenticated)
  select 'ds_b' || (g * 3), to_char(date '2026-11-01' + d, 'YYYY-MM-DD'), 'rows', g % 50, g % 7
  from generate_series(1, ${DATASETS / 3}) g, generate_series(0, 29) d;
insert into contract_datasets (contract_id, dataset_id, provider_org_id)
  select 'ct_b' || g, 'ds_b' || g, 'org_b' || (1 + g % ${DEPARTMENTS}) from generate_series(1, 2000) g;
insert into audit_entries (seq, occurred_at, action, object_type, object_id, contract_id, outcome, details)
  select (select coalesce(max(seq), 0) from audit_entries) + g, timestamptz '${FROM}' + (g * (2592000.0 / ${AUDIT}) || ' seconds')::interval,
    case when g % 20 = 0 then 'sandbox.run_finish' when g % 97 = 0 then 'mpc.computation_finish'
      when g % 3 = 0 then 'sharing.read' else 'catalogue.view' end,
    'x', 'x' || g, case when g % 20 = 0 or g % 97 = 0 then 'ct_b' || (1 + g % 2000) end, 'success', '{}'::jsonb
  from generate_series(1, ${AUDIT}) g;
set session_replication_role = origin;
analyze;
`;

/** The counts the statistics are built of, each as the plainest query, one after another. */
const PLAIN = [
  `select provider_org_id, count(*), count(*) filter (where published_at < '${TO}') from datasets where created_at < '${TO}' group by 1`,
  `select d.provider_org_id, count(*) from dataset_versions v join datasets d on d.id = v.dataset_id where v.committed_at < '${TO}' group by 1`,
  `select d.provider_org_id, avg(r.score) from quality_reports r join datasets d on d.id = r.dataset_id where r.created_at < '${TO}' group by 1`,
  `select d.provider_org_id, count(*) from quality_issues i join datasets d on d.id = i.dataset_id where i.created_at < '${TO}' and (i.closed_at is null or i.closed_at >= '${TO}') group by 1`,
  `select holder_org_id, count(*) from sharing_requests where created_at >= '${FROM}' and created_at < '${TO}' group by 1`,
  `select holder_org_id, count(*) from sharing_requests where decided_at >= '${FROM}' and decided_at < '${TO}' group by 1`,
  `select org_id, count(*) from demand_events where at >= '${FROM}' and at < '${TO}' group by 1`,
  `select assigned_org_id, count(*) from demands where answered_at >= '${FROM}' and answered_at < '${TO}' group by 1`,
  `select d.provider_org_id, sum(anonymous + authenticated) from open_data_reads r join datasets d on d.id = r.dataset_id where r.day >= '2026-11-01' and r.day < '2026-12-01' group by 1`,
  `select contract_id, count(*) from audit_entries where action in ('sandbox.run_finish', 'mpc.computation_finish') and occurred_at >= '${FROM}' and occurred_at < '${TO}' group by 1`,
];

export async function benchStatistics() {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const db = await freshServerDatabase(url);
  const api = await startApi({
    DATABASE_URL: db.url,
    ENCLAVE_BOOTSTRAP_TOKEN: TOKEN,
    RATE_LIMIT_TOKEN: '1000000',
  });
  try {
    const seeded = await time(() => db.sql.unsafe(SEED));
    console.log(
      `statistics: seeded ${DEPARTMENTS} departments, ${DATASETS} entries, ${AUDIT} audit entries in ${(seeded.ms / 1000).toFixed(1)} s`,
    );
    const get = async (path: string) => {
      const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.text();
    };
    const measure = async (fn: () => Promise<unknown>) => {
      await fn();
      const xs: number[] = [];
      for (let i = 0; i < ROUNDS; i++) xs.push((await time(fn)).ms);
      xs.sort((a, b) => a - b);
      return { p50: percentile(xs, 50), p99: percentile(xs, 99) };
    };
    const json = await measure(() => get(`/v1/statistics/monthly?month=${MONTH}`));
    const csv = await measure(() => get(`/v1/statistics/monthly/csv?month=${MONTH}`));
    const report = await measure(() => get(`/v1/statistics/monthly/report?month=${MONTH}`));
    const plain = await measure(async () => {
      for (const q of PLAIN) await db.sql.unsafe(q);
    });
    const body = JSON.parse(await get(`/v1/statistics/monthly?month=${MONTH}`));
    if (body.departments.length !== DEPARTMENTS) throw new Error(`${body.departments.length} departments`);
    const result = {
      departments: DEPARTMENTS,
      datasets: DATASETS,
      auditEntries: AUDIT,
      jsonP50Ms: Math.round(json.p50),
      jsonP99Ms: Math.round(json.p99),
      csvP50Ms: Math.round(csv.p50),
      reportP50Ms: Math.round(report.p50),
      plainSqlP50Ms: Math.round(plain.p50),
      ratio: +(json.p50 / plain.p50).toFixed(2),
      platform: { score: body.platform.score, sandboxRuns: body.platform.computation.sandboxRuns },
    };
    console.log(
      `statistics ${MONTH}: JSON p50 ${result.jsonP50Ms} ms (p99 ${result.jsonP99Ms}), CSV ${result.csvP50Ms} ms, report ${result.reportP50Ms} ms; plain SQL counts ${result.plainSqlP50Ms} ms; ratio ×${result.ratio}`,
    );
    return result;
  } finally {
    await api.stop();
    await db.drop();
  }
}
