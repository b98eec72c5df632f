import { Chart } from '../../components/chart.tsx';
import { Badge, DataTable } from '../../components/ui.tsx';
import { fmtBytes, fmtDateTime, fmtNumber, t } from '../../lib/i18n.ts';
import type { TDisclosure, TRun, TRunStatus } from './api.ts';
import { resultParts } from './result-shape.ts';

const STATUS_BADGE: Record<TRunStatus, string> = {
  queued: '',
  running: '',
  succeeded: 'open',
  pending_review: 'conditional',
  rejected: 'closed',
  failed: 'closed',
};

export function RunStatus({ status }: { status: TRunStatus }) {
  return <Badge kind={STATUS_BADGE[status]}>{t(`operator.run.status.${status}`)}</Badge>;
}

const show = (v: unknown) => (typeof v === 'number' ? fmtNumber(v, 4) : v);

/** A run: its state, what was released (tables and charts), the disclosure report, logs and usage. */
export function RunView({ run }: { run: TRun }) {
  const isOpen = run.status !== 'queued' && run.status !== 'running';
  return (
    <section class="card op-run" aria-labelledby={`run-${run.id}`} data-testid="run">
      <h3 id={`run-${run.id}`}>
        {t(`operator.run.target.${run.target}`)} · {t(`operator.run.kind.${run.kind}`)}{' '}
        <RunStatus status={run.status} />
      </h3>
      <p class="muted small" aria-live="polite">
        {run.id} · {fmtDateTime(run.createdAt)}
        {run.epsilonCharged > 0 &&
          ` · ${t('operator.run.charged', { epsilon: fmtNumber(run.epsilonCharged, 4) })}`}
        {!isOpen && ` · ${t('operator.run.waiting')}`}
      </p>
      {run.status === 'pending_review' && (
        <div class="note" role="status">
          <p>{t('operator.run.held')}</p>
        </div>
      )}
      {run.status === 'rejected' && (
        <p class="note error">{t('operator.run.rejected', { reason: run.reviewReason ?? '—' })}</p>
      )}
      {run.status === 'failed' && (
        <div class="note error">
          <p>
            {t(`operator.run.error.${run.errorCode ?? 'UNKNOWN'}`, {
              defaultValue: t('operator.run.error.UNKNOWN'),
            })}
          </p>
          {run.errorMessage && (
            <p>
              <code>{run.errorMessage}</code>
            </p>
          )}
        </div>
      )}
      {run.status === 'succeeded' && run.result !== null && run.result !== undefined && (
        <Result result={run.result} />
      )}
      {run.disclosure && <DisclosureReport d={run.disclosure} />}
      {run.logs && run.logs.length > 0 && (
        <details>
          <summary>{t('operator.run.logs', { n: run.logs.length })}</summary>
          <pre class="op-code">{run.logs.join('\n')}</pre>
        </details>
      )}
      {run.usage && (
        <p class="muted small">
          {t('operator.run.usage', {
            cpu: fmtNumber(run.usage.cpuMs, 0),
            wall: fmtNumber(run.usage.wallMs, 0),
            memory: fmtBytes(run.usage.peakHeapBytes),
          })}
        </p>
      )}
    </section>
  );
}

function Result({ result }: { result: unknown }) {
  const parts = resultParts(result);
  return (
    <div class="op-result" data-testid="run-result">
      <h4>{t('operator.run.result')}</h4>
      {parts.map((p) =>
        p.kind === 'table' ? (
          <div key={p.name}>
            <DataTable
              caption={
                p.suppressed.length > 0
                  ? t('operator.run.tableSuppressed', { name: p.name, n: p.suppressed.length })
                  : p.name
              }
              columns={p.columns}
              rows={p.rows.map((r) => r.map(show))}
              numeric={p.columns.map(
                (_, j) => p.rows.every((r) => typeof r[j] === 'number' || r[j] === null) && j > 0,
              )}
            />
            {p.chart && <Chart spec={p.chart} height={260} />}
          </div>
        ) : (
          <p key={p.name}>
            <strong>{p.name}</strong>: <code>{JSON.stringify(p.value)}</code>
          </p>
        ),
      )}
    </div>
  );
}

/** What disclosure control did to the released numbers, and why. */
export function DisclosureReport({ d }: { d: TDisclosure }) {
  const suppressed = d.items.flatMap((i) => i.suppressed.map((s) => ({ ...s, aggregate: i.aggregate })));
  return (
    <div class="op-disclosure" data-testid="disclosure">
      <h4>{t('operator.disclosure.title')}</h4>
      <ul>
        <li>{t('operator.disclosure.cells', { n: d.cells })}</li>
        <li>
          {t('operator.disclosure.suppressed', {
            primary: d.suppressedPrimary,
            secondary: d.suppressedSecondary,
            dominance: d.suppressedDominance,
          })}
        </li>
        <li>{t('operator.disclosure.rounded', { n: d.rounded })}</li>
        <li>{t('operator.disclosure.perturbed', { n: d.perturbed })}</li>
        {d.dp && (
          <li>
            {t('operator.disclosure.dp', {
              epsilon: fmtNumber(d.dp.epsilon, 4),
              statistics: d.dp.statistics,
            })}
          </li>
        )}
      </ul>
      {suppressed.length > 0 && (
        <DataTable
          caption={t('operator.disclosure.suppressedCells')}
          columns={[
            t('operator.disclosure.aggregate'),
            t('operator.disclosure.cell'),
            t('operator.disclosure.reason'),
          ]}
          rows={suppressed.map((s) => [s.aggregate, s.cell, s.reason])}
        />
      )}
      {d.items.length > 0 && (
        <DataTable
          caption={t('operator.disclosure.noise')}
          columns={[t('operator.disclosure.aggregate'), 'ε', t('operator.disclosure.noiseSd')]}
          rows={d.items.map((i) => [
            i.aggregate,
            fmtNumber(i.epsilon, 4),
            Object.entries(i.noiseSd)
              .map(([k, v]) => `${k}: ±${fmtNumber(v, 2)}`)
              .join('; '),
          ])}
        />
      )}
      {d.notes.length > 0 && (
        <details>
          <summary>{t('operator.disclosure.notes')}</summary>
          <ul lang="en">
            {d.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
