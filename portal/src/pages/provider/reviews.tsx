import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { PageTitle } from '../../components/layout.tsx';
import { Badge, DataTable, ErrorNote, Loading, useAction, useLoad } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { fmtDateTime, fmtNumber, t, useLang } from '../../lib/i18n.ts';
import { useSession } from '../../lib/session.ts';
import { DecideForm } from './decide-form.tsx';
import { loadMyDatasets } from './load.ts';

type TFinding = { path: string; finding: string };
type TReport = {
  cells: number;
  suppressedPrimary: number;
  suppressedSecondary: number;
  suppressedDominance: number;
  rounded: number;
  perturbed: number;
  dp: { epsilon: number } | null;
  notes: string[];
};
type THeld = {
  touched?: string[];
  logs?: string[];
  errorCode?: string;
  errorMessage?: string;
  result?: unknown;
  releasable?: unknown;
  report?: TReport | null;
  unreleasable?: { aggregate: number; reason: string }[];
  findings?: TFinding[];
};
type TReview = {
  run: {
    id: string;
    contractId: string;
    status: string;
    epsilonCharged: number;
    usage: { cpuMs?: number; wallMs?: number; peakHeapBytes?: number } | null;
    createdAt: string;
  };
  script: string;
  params: unknown;
  held: THeld | null;
  decisions: { orgId: string; decision: string; reason: string; decidedAt: string }[];
  reviewers: string[];
};
type TContract = { contract: { datasets?: { id: string; columns: string[] }[] } };

/** Held row runs on the department's data: what the script is, read and produced, to release or not. */
export function Reviews() {
  useLang();
  const { user } = useSession();
  const list = useLoad(
    async (signal) => {
      const [reviews, mine] = await Promise.all([
        api<{ items: TReview[] }>('GET', '/v1/reviews', undefined, { signal }),
        loadMyDatasets(user!.orgId, signal),
      ]);
      // The columns each contract licenses, to say what a script could read of each table it touched.
      const contractIds = [...new Set(reviews.items.map((r) => r.run.contractId))];
      const contracts = await Promise.all(
        contractIds.map((id) =>
          api<TContract>('GET', `/v1/contracts/${id}`, undefined, { signal }).catch(() => null),
        ),
      );
      const licensed = new Map(contractIds.map((id, i) => [id, contracts[i]?.contract.datasets ?? []]));
      return { items: reviews.items, licensed, idBySlug: new Map(mine.map((d) => [d.slug, d.id])) };
    },
    [user?.orgId],
  );
  return (
    <section>
      <PageTitle sub={<p class="muted">{t('provider.reviews.lead')}</p>}>
        {t('provider.reviews.title')}
      </PageTitle>
      <ErrorNote error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.items.length === 0 && <p class="muted">{t('provider.reviews.none')}</p>}
      <ul class="plain">
        {list.data?.items.map((r) => (
          <ReviewCard
            key={r.run.id}
            r={r}
            columnsOf={(slug) => {
              const id = list.data!.idBySlug.get(slug);
              return list.data!.licensed.get(r.run.contractId)?.find((d) => d.id === id)?.columns ?? null;
            }}
            onDecided={list.reload}
          />
        ))}
      </ul>
    </section>
  );
}

function ReviewCard(props: {
  r: TReview;
  columnsOf: (slug: string) => string[] | null;
  onDecided: () => void;
}) {
  const { r } = props;
  const held = r.held ?? {};
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const decide = useAction(async (decision: 'approve' | 'reject') => {
    await api('POST', `/v1/reviews/${r.run.id}`, reason.trim() ? { decision, reason } : { decision });
    setDone(decision);
    props.onDecided();
  });
  const idp = `review-${r.run.id}`;
  return (
    <li class="card review" data-testid="review">
      <h2>{t('provider.reviews.run', { at: fmtDateTime(r.run.createdAt) })}</h2>
      <p class="small muted">
        {t('provider.reviews.meta', {
          epsilon: fmtNumber(r.run.epsilonCharged, 3),
          cpu: r.run.usage?.cpuMs !== undefined ? fmtNumber(r.run.usage.cpuMs) : '—',
          reviewers: r.reviewers.length,
          decided: r.decisions.length,
        })}
      </p>
      <h3>{t('provider.reviews.script')}</h3>
      <pre class="code">
        <code>{r.script}</code>
      </pre>
      {r.params !== null && r.params !== undefined && (
        <p class="small">
          {t('provider.reviews.params')}: <code>{JSON.stringify(r.params)}</code>
        </p>
      )}
      <h3>{t('provider.reviews.touched')}</h3>
      <ul>
        {(held.touched ?? []).map((slug) => {
          const cols = props.columnsOf(slug);
          return (
            <li key={slug}>
              <code>{slug}</code>
              {cols && (
                <span class="small muted">
                  {' '}
                  — {t('provider.reviews.columns', { columns: cols.join(', ') })}
                </span>
              )}
            </li>
          );
        })}
      </ul>
      <h3>{t('provider.reviews.findings')}</h3>
      {(held.findings ?? []).length === 0 ? (
        <p class="muted">{t('provider.reviews.noFindings')}</p>
      ) : (
        <ul class="findings">
          {held.findings!.map((f) => (
            <li key={f.path + f.finding}>
              <Badge kind="warn">{f.path}</Badge> {f.finding}
            </li>
          ))}
        </ul>
      )}
      {held.report && <Report report={held.report} />}
      {(held.unreleasable ?? []).length > 0 && (
        <ul>
          {held.unreleasable!.map((u) => (
            <li key={u.aggregate}>
              {t('provider.reviews.unreleasable', { n: u.aggregate, reason: u.reason })}
            </li>
          ))}
        </ul>
      )}
      {held.errorCode && (
        <p class="note error">
          {t('provider.reviews.failed', { code: held.errorCode })} {held.errorMessage}
        </p>
      )}
      <h3>{t('provider.reviews.output')}</h3>
      <Value v={held.result} label={t('provider.reviews.output')} />
      {held.releasable !== undefined && (
        <details>
          <summary>{t('provider.reviews.releasable')}</summary>
          <Value v={held.releasable} label={t('provider.reviews.releasable')} />
        </details>
      )}
      {(held.logs ?? []).length > 0 && (
        <details>
          <summary>{t('provider.reviews.logs', { n: held.logs!.length })}</summary>
          <pre class="code">
            <code>{held.logs!.join('\n')}</code>
          </pre>
        </details>
      )}
      {done ? (
        <p class="note ok" role="status">
          {t(`provider.reviews.done.${done}`)}
        </p>
      ) : (
        <DecideForm id={idp} reason={reason} onReason={setReason} action={decide} area="reviews"></DecideForm>
      )}
    </li>
  );
}

function Report({ report }: { report: TReport }) {
  return (
    <dl class="facts small">
      <dt>{t('provider.reviews.cells')}</dt>
      <dd>{fmtNumber(report.cells)}</dd>
      <dt>{t('provider.reviews.suppressed')}</dt>
      <dd>
        {t('provider.reviews.suppressedDetail', {
          primary: fmtNumber(report.suppressedPrimary),
          secondary: fmtNumber(report.suppressedSecondary),
          dominance: fmtNumber(report.suppressedDominance),
        })}
      </dd>
      <dt>{t('provider.reviews.rounded')}</dt>
      <dd>{fmtNumber(report.rounded)}</dd>
      <dt>{t('provider.reviews.perturbed')}</dt>
      <dd>
        {fmtNumber(report.perturbed)}
        {report.dp && ` (ε = ${fmtNumber(report.dp.epsilon, 3)})`}
      </dd>
      {report.notes.length > 0 && (
        <>
          <dt>{t('provider.reviews.notes')}</dt>
          <dd>{report.notes.join('；')}</dd>
        </>
      )}
    </dl>
  );
}

const isTable = (v: unknown): v is { columns: string[]; rows: unknown[][] } =>
  typeof v === 'object' &&
  v !== null &&
  Array.isArray((v as { columns?: unknown }).columns) &&
  Array.isArray((v as { rows?: unknown }).rows);

/** A script's output as tables where it holds tables, numbers formatted, anything else as JSON. */
function Value({ v, label, depth = 0 }: { v: unknown; label: string; depth?: number }): ComponentChildren {
  if (v === undefined || v === null) return <p class="muted">∅</p>;
  if (typeof v === 'number') return <p>{fmtNumber(v)}</p>;
  if (typeof v !== 'object') return <p>{String(v)}</p>;
  if (isTable(v))
    return (
      <DataTable
        caption={label}
        columns={v.columns.map(String)}
        rows={v.rows.slice(0, 200).map((r) => r.map((x) => (typeof x === 'number' ? fmtNumber(x) : x)))}
      />
    );
  if (!Array.isArray(v) && depth < 2)
    return (
      <dl class="result">
        {Object.entries(v as Record<string, unknown>).map(([k, x]) => (
          <div key={k}>
            <dt>
              <code>{k}</code>
            </dt>
            <dd>
              <Value v={x} label={`${label} · ${k}`} depth={depth + 1} />
            </dd>
          </div>
        ))}
      </dl>
    );
  return (
    <pre class="code">
      <code>{JSON.stringify(v, null, 2).slice(0, 20_000)}</code>
    </pre>
  );
}
