import * as echarts from 'echarts';
import { csvField } from '../audit/audit-csv.ts';
import type { TDepartmentStats, TMonthlyStatistics, TRates } from './monthly.ts';

/*
 * The monthly statistics as a spreadsheet (CSV, one row per department) and as a report the
 * authority circulates (情况通报): one self-contained HTML page of tables and charts, the charts
 * drawn by Apache ECharts on the server as SVG, with no script, printable as it is.
 */

export const REPORT_LANGS = ['zh', 'en'] as const;
export type TReportLang = (typeof REPORT_LANGS)[number];

const RATE_KEYS = [
  'coverage',
  'aggregation',
  'quality',
  'sharingOpen',
  'timeliness',
  'responsiveness',
] as const;

/** The CSV's columns: a name and how to read it from a department. */
const CSV_COLUMNS: (readonly [string, (d: TDepartmentStats) => string | number | null])[] = [
  ['rank', (d) => d.rank || null],
  ['org_id', (d) => d.orgId],
  ['name', (d) => d.name],
  ['score', (d) => d.score],
  ...RATE_KEYS.map(
    (k) =>
      [`rate_${k}`, (d: TDepartmentStats) => (d.rates[k] === null ? null : round(d.rates[k]!, 4))] as const,
  ),
  ['registered', (d) => d.catalogue.registered],
  ['published', (d) => d.catalogue.published],
  ['with_data', (d) => d.catalogue.withData],
  ['classification_1', (d) => d.catalogue.byClassification['1']],
  ['classification_2', (d) => d.catalogue.byClassification['2']],
  ['classification_3', (d) => d.catalogue.byClassification['3']],
  ['classification_4', (d) => d.catalogue.byClassification['4']],
  ['open', (d) => d.catalogue.byOpenness.open],
  ['openness_conditional', (d) => d.catalogue.byOpenness.conditional],
  ['closed', (d) => d.catalogue.byOpenness.closed],
  ['sharing_unconditional', (d) => d.catalogue.bySharing.unconditional],
  ['sharing_conditional', (d) => d.catalogue.bySharing.conditional],
  ['sharing_none', (d) => d.catalogue.bySharing.none],
  ['data_overdue', (d) => d.catalogue.dataOverdue],
  ['change_overdue', (d) => d.catalogue.changeOverdue],
  ['registration_overdue', (d) => d.catalogue.registrationOverdue],
  ['quality_score', (d) => d.quality.score],
  ['quality_open_issues', (d) => d.quality.openIssues],
  ['sharing_received', (d) => d.sharing.received],
  ['sharing_approved', (d) => d.sharing.approved],
  ['sharing_refused', (d) => d.sharing.refused],
  ['sharing_overdue', (d) => d.sharing.overdue],
  ['sharing_median_working_days', (d) => d.sharing.medianAnswerWorkingDays],
  ['demands_received', (d) => d.demands.received],
  ['demands_answered', (d) => d.demands.answered],
  ['demands_overdue', (d) => d.demands.overdue],
  ['open_data_reads', (d) => d.openData.reads],
  ['open_data_downloads', (d) => d.openData.downloads],
  ['sandbox_runs', (d) => d.computation.sandboxRuns],
  ['joint_computations', (d) => d.computation.jointComputations],
];

function round(x: number, digits: number) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** RFC 4180 with CRLF, departments in rank order, formula-looking cells guarded. */
export function statisticsCsv(stats: TMonthlyStatistics): string {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const d of stats.departments) lines.push(CSV_COLUMNS.map(([, get]) => csvField(get(d))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

const T = {
  zh: {
    title: (m: string) => `政务数据共享开放工作情况通报（${m.replace('-', '年')}月）`,
    partial: (to: string) => `本月尚未结束，数据截至 ${to}（北京时间）。`,
    complete: '统计期为整月（北京时间）。',
    summary: '一、总体情况',
    ranking: '二、部门排名',
    details: '三、分项数据',
    notes: '四、指标说明',
    rank: '排名',
    dept: '部门',
    score: '综合得分',
    rates: {
      coverage: '目录覆盖率',
      aggregation: '数据汇聚率',
      quality: '数据合格率',
      sharingOpen: '共享开放率',
      timeliness: '更新及时率',
      responsiveness: '响应及时率',
    } satisfies Record<keyof TRates, string>,
    figures: [
      ['registered', '编目数据资源'],
      ['published', '已发布'],
      ['withData', '已汇聚数据'],
      ['overdue', '更新逾期'],
      ['qualityScore', '质量平均分'],
      ['openIssues', '未整改质量问题'],
      ['received', '收到共享申请'],
      ['approved', '同意'],
      ['refused', '不同意/不予共享'],
      ['sharingOverdue', '超期未答复'],
      ['median', '答复用时中位数（工作日）'],
      ['demands', '收到数据需求'],
      ['answered', '已答复需求'],
      ['demandsOverdue', '需求超期'],
      ['reads', '开放数据调用'],
      ['downloads', '开放数据下载'],
      ['runs', '沙箱运行'],
      ['joint', '联合计算'],
    ] as const,
    chartScore: '部门综合得分（前20名）',
    chartSharing: '共享申请办理情况（收到申请最多的15个部门）',
    chartCatalogue: '数据资源开放与共享属性',
    openness: { open: '无条件开放', conditional: '有条件开放', closed: '不予开放' },
    sharing: { unconditional: '无条件共享', conditional: '有条件共享', none: '不予共享' },
    noScore: '无',
    notesText: [
      '综合得分为各项比率的算术平均数乘以100；部门无相应业务的比率不计入。',
      '目录覆盖率＝已发布数据资源÷编目数据资源；数据汇聚率＝已汇聚数据的已发布资源÷已发布资源。',
      '数据合格率＝各资源最近一次质量报告得分的平均数÷100；共享开放率＝可共享或开放的已发布资源÷已发布资源。',
      '更新及时率＝1－（数据更新逾期＋目录变更逾期）÷已发布资源；响应及时率＝本月到期的共享申请与数据需求中按期答复的比例。',
      '答复用时按国务院公布的节假日安排计算工作日。开放数据调用按协调世界时日期计。',
    ],
  },
  en: {
    title: (m: string) => `Government data sharing and opening: monthly report, ${m}`,
    partial: (to: string) => `The month is under way; figures as of ${to} (Beijing time).`,
    complete: 'The whole calendar month (Beijing time).',
    summary: '1. Overview',
    ranking: '2. Ranking of departments',
    details: '3. Figures by department',
    notes: '4. Definitions',
    rank: 'Rank',
    dept: 'Department',
    score: 'Score',
    rates: {
      coverage: 'Catalogue coverage',
      aggregation: 'Aggregation',
      quality: 'Quality',
      sharingOpen: 'Shared or open',
      timeliness: 'Timeliness',
      responsiveness: 'Responsiveness',
    } satisfies Record<keyof TRates, string>,
    figures: [
      ['registered', 'Entries registered'],
      ['published', 'Published'],
      ['withData', 'Holding data'],
      ['overdue', 'Overdue'],
      ['qualityScore', 'Mean quality score'],
      ['openIssues', 'Open quality issues'],
      ['received', 'Sharing requests received'],
      ['approved', 'Approved'],
      ['refused', 'Refused'],
      ['sharingOverdue', 'Deadlines missed'],
      ['median', 'Median answer (working days)'],
      ['demands', 'Demands received'],
      ['answered', 'Demands answered'],
      ['demandsOverdue', 'Demand deadlines missed'],
      ['reads', 'Open-data reads'],
      ['downloads', 'Open-data downloads'],
      ['runs', 'Sandbox runs'],
      ['joint', 'Joint computations'],
    ] as const,
    chartScore: 'Score by department (top 20)',
    chartSharing: 'Sharing requests handled (the 15 departments that received most)',
    chartCatalogue: 'Openness and sharing attribute of the entries',
    openness: { open: 'Open', conditional: 'Open on conditions', closed: 'Not open' },
    sharing: {
      unconditional: 'Shared unconditionally',
      conditional: 'Shared on request',
      none: 'Not shared',
    },
    noScore: 'none',
    notesText: [
      'The score is the mean of the rates times 100; a rate the department has nothing for is left out.',
      'Coverage = published ÷ registered entries; aggregation = published entries holding data ÷ published.',
      'Quality = the mean score of each entry’s latest quality report ÷ 100; shared or open = published entries shared with departments or open ÷ published.',
      'Timeliness = 1 − (data overdue + catalogue changes overdue) ÷ published; responsiveness = the share of sharing requests and demands due in the month that were answered in time.',
      'Answer times count working days on the State Council’s holiday schedule. Open-data reads are counted per UTC day.',
    ],
  },
};

const esc = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function chart(option: echarts.EChartsOption, width: number, height: number): string {
  const c = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    c.setOption({ animation: false, textStyle: { fontFamily: 'sans-serif' }, ...option });
    return c.renderToSVGString();
  } finally {
    c.dispose();
  }
}

const pct = (x: number | null, none: string) => (x === null ? none : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null, none: string) => (x === null ? none : String(x));

function figuresOf(s: TMonthlyStatistics['platform']): Record<string, number | null> {
  return {
    registered: s.catalogue.registered,
    published: s.catalogue.published,
    withData: s.catalogue.withData,
    overdue: s.catalogue.dataOverdue + s.catalogue.changeOverdue,
    qualityScore: s.quality.score,
    openIssues: s.quality.openIssues,
    received: s.sharing.received,
    approved: s.sharing.approved,
    refused: s.sharing.refused,
    sharingOverdue: s.sharing.overdue,
    median: s.sharing.medianAnswerWorkingDays,
    demands: s.demands.received,
    answered: s.demands.answered,
    demandsOverdue: s.demands.overdue,
    reads: s.openData.reads,
    downloads: s.openData.downloads,
    runs: s.computation.sandboxRuns,
    joint: s.computation.jointComputations,
  };
}

/** The report: overview, ranking, figures per department, definitions; three charts. */
export function statisticsReport(stats: TMonthlyStatistics, lang: TReportLang): string {
  const t = T[lang];
  const none = t.noScore;
  const beijing = new Date(new Date(stats.to).getTime() + 8 * 3_600_000)
    .toISOString()
    .slice(0, 16)
    .replace('T', ' ');
  const figures = figuresOf(stats.platform);
  const ranked = stats.departments.filter((d) => d.score !== null);

  const top = ranked.slice(0, 20);
  const scoreChart = chart(
    {
      grid: { left: 160, right: 40, top: 30, bottom: 30 },
      xAxis: { type: 'value', max: 100 },
      yAxis: { type: 'category', inverse: true, data: top.map((d) => d.name) },
      series: [{ type: 'bar', data: top.map((d) => d.score), label: { show: true, position: 'right' } }],
    },
    760,
    60 + 24 * Math.max(top.length, 1),
  );
  const busiest = [...stats.departments]
    .sort((a, b) => b.sharing.received - a.sharing.received)
    .filter((d) => d.sharing.received > 0)
    .slice(0, 15);
  const [approved, refused, overdue] = [t.figures[7][1], t.figures[8][1], t.figures[9][1]];
  const sharingChart = chart(
    {
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: 90 },
      xAxis: { type: 'category', data: busiest.map((d) => d.name), axisLabel: { rotate: 30, interval: 0 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: approved, type: 'bar', stack: 's', data: busiest.map((d) => d.sharing.approved) },
        { name: refused, type: 'bar', stack: 's', data: busiest.map((d) => d.sharing.refused) },
        { name: overdue, type: 'bar', data: busiest.map((d) => d.sharing.overdue) },
      ],
    },
    760,
    340,
  );
  const c = stats.platform.catalogue;
  const catalogueChart = chart(
    {
      legend: { bottom: 0 },
      series: [
        {
          type: 'pie',
          radius: ['25%', '50%'],
          center: ['25%', '45%'],
          label: { formatter: '{b}\n{c}' },
          data: (['open', 'conditional', 'closed'] as const).map((k) => ({
            name: t.openness[k],
            value: c.byOpenness[k],
          })),
        },
        {
          type: 'pie',
          radius: ['25%', '50%'],
          center: ['75%', '45%'],
          label: { formatter: '{b}\n{c}' },
          data: (['unconditional', 'conditional', 'none'] as const).map((k) => ({
            name: t.sharing[k],
            value: c.bySharing[k],
          })),
        },
      ],
    },
    760,
    320,
  );

  const rateHeads = RATE_KEYS.map((k) => `<th>${esc(t.rates[k])}</th>`).join('');
  const rankingRows = stats.departments
    .map(
      (d) =>
        `<tr><td>${d.rank || '—'}</td><td>${esc(d.name)}</td><td>${num(d.score, none)}</td>${RATE_KEYS.map((k) => `<td>${pct(d.rates[k], none)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const detailHeads = t.figures.map(([, label]) => `<th>${esc(label)}</th>`).join('');
  const detailRows = stats.departments
    .map((d) => {
      const f = figuresOf({ ...d, departments: 1 });
      return `<tr><td>${esc(d.name)}</td>${t.figures.map(([k]) => `<td>${num(f[k] ?? null, none)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const summary = t.figures
    .map(([k, label]) => `<tr><th>${esc(label)}</th><td>${num(figures[k] ?? null, none)}</td></tr>`)
    .join('\n');

  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<title>${esc(t.title(stats.month))}</title>
<style>
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; margin: 2rem auto; max-width: 60rem; color: #1a1a1a; line-height: 1.5; }
h1 { font-size: 1.5rem; text-align: center; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { border: 1px solid #999; padding: 0.2rem 0.4rem; text-align: right; }
th:first-child, td:nth-child(2) { text-align: left; }
figure { margin: 1rem 0; page-break-inside: avoid; }
figcaption { font-weight: bold; font-size: 0.9rem; }
.wide { overflow-x: auto; }
@media print { body { margin: 0; max-width: none; } }
</style>
</head>
<body>
<h1>${esc(t.title(stats.month))}</h1>
<p>${esc(stats.isComplete ? t.complete : t.partial(beijing))}</p>
<h2>${esc(t.summary)}</h2>
<table>${summary}
<tr><th>${esc(t.score)}</th><td>${num(stats.platform.score, none)}</td></tr></table>
<figure><figcaption>${esc(t.chartCatalogue)}</figcaption>${catalogueChart}</figure>
<h2>${esc(t.ranking)}</h2>
<figure><figcaption>${esc(t.chartScore)}</figcaption>${scoreChart}</figure>
<div class="wide"><table><thead><tr><th>${esc(t.rank)}</th><th>${esc(t.dept)}</th><th>${esc(t.score)}</th>${rateHeads}</tr></thead>
<tbody>${rankingRows}</tbody></table></div>
<h2>${esc(t.details)}</h2>
<figure><figcaption>${esc(t.chartSharing)}</figcaption>${sharingChart}</figure>
<div class="wide"><table><thead><tr><th>${esc(t.dept)}</th>${detailHeads}</tr></thead>
<tbody>${detailRows}</tbody></table></div>
<h2>${esc(t.notes)}</h2>
<ol>${t.notesText.map((x) => `<li>${esc(x)}</li>`).join('')}</ol>
</body>
</html>
`;
}
