import { useLocation } from 'preact-iso';
import { Chart, type TChartSpec } from '../../components/chart.tsx';
import { PageTitle } from '../../components/layout.tsx';
import { DataTable, ErrorNote, Field, Loading, useLoad } from '../../components/ui.tsx';
import { api, qs } from '../../lib/api.ts';
import { fmtDateTime, fmtNumber, lang, t, useLang } from '../../lib/i18n.ts';
import { DistrictMap } from './district-map.tsx';
import type { TMonthly, TOrg, TRates } from './types.ts';

const RATES: (keyof TRates)[] = [
  'coverage',
  'aggregation',
  'quality',
  'sharingOpen',
  'timeliness',
  'responsiveness',
];
const OPENNESS = ['open', 'conditional', 'closed'] as const;

/** The month now in Beijing time, YYYY-MM. */
export const currentMonth = (now = Date.now()) => new Date(now + 8 * 3_600_000).toISOString().slice(0, 7);

const pct = (share: number | null) => (share === null ? '—' : `${fmtNumber(share * 100, 1)}%`);

/** The monthly statistics: totals, the ranking of departments, charts, the report and a district map. */
export function Statistics() {
  useLang();
  const { query, route } = useLocation();
  const month = /^\d{4}-\d{2}$/.test(query.month ?? '') ? query.month! : currentMonth();
  const stats = useLoad(
    (signal) => api<TMonthly>('GET', `/v1/statistics/monthly${qs({ month })}`, undefined, { signal }),
    [month],
  );
  const orgs = useLoad((signal) => api<{ items: TOrg[] }>('GET', '/v1/orgs', undefined, { signal }), []);
  const nameEn = new Map((orgs.data?.items ?? []).map((o) => [o.id, o.nameEn]));
  const deptName = (d: { orgId: string; name: string }) => (lang() === 'en' && nameEn.get(d.orgId)) || d.name;
  const s = stats.data;
  return (
    <>
      <PageTitle sub={<p class="muted">{t('admin.stats.lead')}</p>}>{t('admin.stats.title')}</PageTitle>
      <div class="row">
        <Field label={t('admin.stats.month')} hint={t('admin.stats.monthHint')} id="stats-month">
          {(id) => (
            <input
              id={id}
              type="month"
              value={month}
              max={currentMonth()}
              min="2000-01"
              onChange={(e) =>
                e.currentTarget.value && route(`/admin/statistics${qs({ month: e.currentTarget.value })}`)
              }
            />
          )}
        </Field>
      </div>
      <p class="row">
        <a
          class="button secondary"
          href={`/v1/statistics/monthly/report${qs({ month, lang: 'zh' })}`}
          target="_blank"
          rel="noopener"
        >
          {t('admin.stats.reportZh')}
        </a>
        <a
          class="button secondary"
          href={`/v1/statistics/monthly/report${qs({ month, lang: 'en' })}`}
          target="_blank"
          rel="noopener"
        >
          {t('admin.stats.reportEn')}
        </a>
        <a class="button secondary" href={`/v1/statistics/monthly/csv${qs({ month })}`} download>
          {t('admin.stats.csv')}
        </a>
      </p>
      <ErrorNote error={stats.error} />
      {!s ? (
        stats.loading && <Loading />
      ) : (
        <>
          {!s.isComplete && <p class="muted">{t('admin.stats.partial', { to: fmtDateTime(s.to) })}</p>}
          <Totals s={s} />
          <h2 id="ranking-h">{t('admin.stats.ranking')}</h2>
          {s.departments.length === 0 ? (
            <p class="note">{t('admin.stats.noDepartments')}</p>
          ) : (
            <>
              <DataTable
                caption={t('admin.stats.rankingCaption', { month: s.month })}
                columns={[
                  t('admin.stats.rank'),
                  t('admin.stats.department'),
                  t('admin.stats.score'),
                  ...RATES.map((r) => t(`admin.stats.rates.${r}`)),
                  t('admin.stats.published'),
                  t('admin.stats.registered'),
                ]}
                numeric={[true, false, true, true, true, true, true, true, true, true, true]}
                rows={s.departments.map((d) => [
                  d.rank || t('admin.stats.unranked'),
                  deptName(d),
                  d.score === null ? '—' : fmtNumber(d.score, 1),
                  ...RATES.map((r) => pct(d.rates[r])),
                  fmtNumber(d.catalogue.published),
                  fmtNumber(d.catalogue.registered),
                ])}
              />
              <DepartmentCharts s={s} deptName={deptName} />
            </>
          )}
        </>
      )}
      <DistrictMap />
    </>
  );
}

function Totals({ s }: { s: TMonthly }) {
  const p = s.platform;
  const figures: [string, string][] = [
    ['departments', fmtNumber(p.departments)],
    ['score', p.score === null ? '—' : fmtNumber(p.score, 1)],
    ['registered', fmtNumber(p.catalogue.registered)],
    ['published', fmtNumber(p.catalogue.published)],
    ['withData', fmtNumber(p.catalogue.withData)],
    ['qualityScore', p.quality.score === null ? '—' : fmtNumber(p.quality.score, 1)],
    ['openIssues', fmtNumber(p.quality.openIssues)],
    ['sharingReceived', fmtNumber(p.sharing.received)],
    ['sharingOverdue', fmtNumber(p.sharing.overdue)],
    ['demandsReceived', fmtNumber(p.demands.received)],
    ['reads', fmtNumber(p.openData.reads)],
    ['downloads', fmtNumber(p.openData.downloads)],
    ['runs', fmtNumber(p.computation.sandboxRuns)],
  ];
  return (
    <section aria-labelledby="totals-h">
      <h2 id="totals-h">{t('admin.stats.totals')}</h2>
      <dl class="figures">
        {figures.map(([k, v]) => (
          <div key={k}>
            <dt>{t(`admin.stats.${k}`)}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function DepartmentCharts({
  s,
  deptName,
}: {
  s: TMonthly;
  deptName: (d: { orgId: string; name: string }) => string;
}) {
  const names = s.departments.map(deptName);
  const byOpenness: TChartSpec = {
    kind: 'bar',
    title: t('admin.stats.byOpenness'),
    categories: names,
    series: OPENNESS.map((o) => ({
      name: t(`openness.${o}`),
      values: s.departments.map((d) => d.catalogue.byOpenness[o]),
    })),
  };
  const reads: TChartSpec = {
    kind: 'bar',
    title: t('admin.stats.readsChart'),
    categories: names,
    series: [
      { name: t('admin.stats.reads'), values: s.departments.map((d) => d.openData.reads) },
      { name: t('admin.stats.downloads'), values: s.departments.map((d) => d.openData.downloads) },
    ],
  };
  return (
    <>
      <section aria-labelledby="chart-openness-h">
        <h2 id="chart-openness-h">{byOpenness.title}</h2>
        <Chart spec={byOpenness} />
      </section>
      <section aria-labelledby="chart-reads-h">
        <h2 id="chart-reads-h">{reads.title}</h2>
        <Chart spec={reads} />
      </section>
      <details>
        <summary>{t('admin.stats.chartTable')}</summary>
        <DataTable
          caption={t('admin.stats.chartTable')}
          columns={[
            t('admin.stats.department'),
            ...OPENNESS.map((o) => t(`openness.${o}`)),
            t('admin.stats.reads'),
            t('admin.stats.downloads'),
          ]}
          numeric={[false, true, true, true, true, true]}
          rows={s.departments.map((d, i) => [
            names[i],
            ...OPENNESS.map((o) => fmtNumber(d.catalogue.byOpenness[o])),
            fmtNumber(d.openData.reads),
            fmtNumber(d.openData.downloads),
          ])}
        />
      </details>
    </>
  );
}
