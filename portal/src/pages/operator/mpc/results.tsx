import { Chart } from '../../../components/chart.tsx';
import { DataTable, ErrorNote, useLoad } from '../../../components/ui.tsx';
import { api } from '../../../lib/api.ts';
import { fmtBytes, fmtNumber, t } from '../../../lib/i18n.ts';
import type { TBudget, TDisclosure, THeOutput, TPsiOutput } from './types.ts';

const label = (v: unknown) => (v === null || v === undefined ? t('mpc.result.noValue') : String(v));

/** What disclosure control did to the released numbers, and its notes (in the platform's words). */
function Disclosure({ report }: { report: TDisclosure }) {
  const items: [string, number][] = [
    ['cells', report.cells],
    ['suppressedPrimary', report.suppressedPrimary],
    ['suppressedSecondary', report.suppressedSecondary],
    ['suppressedDominance', report.suppressedDominance],
    ['rounded', report.rounded],
    ['perturbed', report.perturbed],
  ];
  return (
    <section aria-labelledby="mpc-disclosure" class="stack">
      <h3 id="mpc-disclosure">{t('mpc.result.disclosure')}</h3>
      <dl class="facts">
        {items.map(([k, v]) => (
          <div key={k}>
            <dt>{t(`mpc.result.report.${k}`)}</dt>
            <dd>{fmtNumber(v)}</dd>
          </div>
        ))}
        {report.dp && (
          <div>
            <dt>{t('mpc.result.report.dp')}</dt>
            <dd>
              {t('mpc.result.report.dpValue', {
                epsilon: fmtNumber(report.dp.epsilon, 4),
                n: fmtNumber(report.dp.statistics),
              })}
            </dd>
          </div>
        )}
      </dl>
      {report.notes.length > 0 && (
        <ul class="notes" lang="en">
          {report.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** What the computation cost: epsilon charged now, the budget left, the bytes that crossed, the time. */
function Charged(props: { contractId: string; epsilon: number; sent: number; received: number; ms: number }) {
  const { data, error } = useLoad(
    (signal) =>
      api<TBudget>('GET', `/v1/contracts/${encodeURIComponent(props.contractId)}/budget`, undefined, {
        signal,
      }),
    [props.contractId, props.epsilon],
  );
  return (
    <section aria-labelledby="mpc-charged" class="stack">
      <h3 id="mpc-charged">{t('mpc.result.charged')}</h3>
      <dl class="facts" data-testid="mpc-charged">
        <div>
          <dt>{t('mpc.result.epsilon')}</dt>
          <dd>{fmtNumber(props.epsilon, 4)}</dd>
        </div>
        {data && (
          <div>
            <dt>{t('mpc.result.remaining')}</dt>
            <dd>
              {t('mpc.result.remainingValue', {
                remaining: fmtNumber(data.remaining, 4),
                granted: fmtNumber(data.granted, 4),
              })}
            </dd>
          </div>
        )}
        <div>
          <dt>{t('mpc.result.traffic')}</dt>
          <dd>
            {t('mpc.result.trafficValue', { sent: fmtBytes(props.sent), received: fmtBytes(props.received) })}
          </dd>
        </div>
        <div>
          <dt>{t('mpc.result.time')}</dt>
          <dd>{t('mpc.stage.ms', { ms: fmtNumber(Math.round(props.ms)) })}</dd>
        </div>
      </dl>
      {error ? <ErrorNote error={error} /> : null}
    </section>
  );
}

/** What every released result carries: its disclosure report and what it cost. */
function Released(props: { out: THeOutput | TPsiOutput; contractId: string; ms: number }) {
  const { out } = props;
  return (
    <>
      <Disclosure report={out.result.disclosure} />
      <Charged
        contractId={props.contractId}
        epsilon={out.epsilonCharged}
        sent={out.bytesSent}
        received={out.bytesReceived}
        ms={props.ms}
      />
    </>
  );
}

/** The decrypted scores per released group, as a table and a bar chart. */
export function HeResult({ out, contractId, ms }: { out: THeOutput; contractId: string; ms: number }) {
  const groups = out.result.groups;
  const rows = groups.map((g, i) => [label(g.label), fmtNumber(g.count), fmtNumber(out.scores[i]!, 4)]);
  return (
    <section class="stack" aria-labelledby="mpc-result" data-testid="mpc-result">
      <h3 id="mpc-result">{t('mpc.result.heTitle')}</h3>
      <p class="muted">{t('mpc.result.heLead', { n: groups.length, id: out.computationId })}</p>
      <DataTable
        caption={t('mpc.result.heCaption')}
        columns={[t('mpc.result.group'), t('mpc.result.count'), t('mpc.result.score')]}
        rows={rows}
        numeric={[false, true, true]}
      />
      {groups.length > 1 && (
        <Chart
          spec={{
            kind: 'bar',
            title: t('mpc.result.heChart'),
            categories: groups.map((g) => label(g.label)),
            series: [{ name: t('mpc.result.score'), values: out.scores }],
          }}
        />
      )}
      <Released out={out} contractId={contractId} ms={ms} />
    </section>
  );
}

const headerOf = (c: string) => {
  if (c === 'count') return t('mpc.result.count');
  const m = /^(mean|sum)\((.+)\)$/.exec(c);
  return m ? t(`mpc.result.${m[1]}Of`, { column: m[2] }) : c;
};

/** The protected table over the intersection, with a chart of its counts when it is grouped. */
export function PsiResult({ out, contractId, ms }: { out: TPsiOutput; contractId: string; ms: number }) {
  const { columns, rows } = out.result;
  const grouped = columns[0] !== 'count';
  const countAt = columns.indexOf('count');
  return (
    <section class="stack" aria-labelledby="mpc-result" data-testid="mpc-result">
      <h3 id="mpc-result">{t('mpc.result.psiTitle')}</h3>
      <p class="muted">
        {t('mpc.result.psiLead', {
          read: fmtNumber(out.read),
          distinct: fmtNumber(out.distinct),
          id: out.computationId,
        })}
      </p>
      <DataTable
        caption={t('mpc.result.psiCaption')}
        columns={columns.map(headerOf)}
        rows={rows.map((r) =>
          r.map((v, j) =>
            typeof v === 'number' ? fmtNumber(v, j === countAt ? 0 : 2) : j === 0 && grouped ? label(v) : v,
          ),
        )}
        numeric={columns.map((_, j) => !(j === 0 && grouped))}
      />
      {grouped && rows.length > 1 && (
        <Chart
          spec={{
            kind: 'bar',
            title: t('mpc.result.psiChart'),
            categories: rows.map((r) => label(r[0])),
            series: [{ name: t('mpc.result.count'), values: rows.map((r) => r[countAt] as number | null) }],
          }}
        />
      )}
      <Released out={out} contractId={contractId} ms={ms} />
    </section>
  );
}
