import { useState } from 'preact/hooks';
import { PageTitle } from '../../components/layout.tsx';
import { Badge, Button, ErrorNote, Field, Form, Loading, useAction, useLoad } from '../../components/ui.tsx';
import { api, qs } from '../../lib/api.ts';
import { fmtDate, fmtDateTime, fmtNumber, pick, t, useLang } from '../../lib/i18n.ts';
import { useSession } from '../../lib/session.ts';
import type { TDataset } from '../../lib/types.ts';
import type { TDemand } from '../demands.tsx';
import { loadMyDatasets } from './load.ts';

type TIssue = {
  id: string;
  datasetId: string;
  column: string;
  rule: number;
  kind: string;
  status: 'open' | 'rectified' | 'closed';
  firstVersion: number;
  lastVersion: number;
  checked: number;
  failing: number;
  responses: { note: string; at: string; isClosing: boolean }[];
};

/** Demands routed to the department or open for any department to take up. */
export function DemandsWork() {
  useLang();
  const { user } = useSession();
  const board = useLoad(
    async (signal) => {
      const [mine, open, datasets] = await Promise.all([
        api<{ items: TDemand[] }>('GET', `/v1/demands${qs({ org: user!.orgId, limit: 100 })}`, undefined, {
          signal,
        }),
        api<{ items: TDemand[] }>('GET', `/v1/demands${qs({ status: 'open', limit: 100 })}`, undefined, {
          signal,
        }),
        loadMyDatasets(user!.orgId, signal),
      ]);
      return {
        mine: mine.items,
        open: open.items,
        published: datasets.filter((d) => d.status === 'published'),
      };
    },
    [user?.orgId],
  );
  const d = board.data;
  const waiting =
    d?.mine.filter((x) => x.status === 'routed' || x.status === 'claimed' || x.status === 'planned') ?? [];
  const done = d?.mine.filter((x) => x.status === 'fulfilled' || x.status === 'refused') ?? [];
  return (
    <section>
      <PageTitle sub={<p class="muted">{t('provider.demands.lead')}</p>}>
        {t('provider.demands.title')}
      </PageTitle>
      <ErrorNote error={board.error} />
      {!d && board.loading && <Loading />}
      {d && (
        <>
          <h2>{t('provider.demands.mine', { n: waiting.length })}</h2>
          {waiting.length === 0 && <p class="muted">{t('provider.demands.noneMine')}</p>}
          <ul class="plain">
            {waiting.map((x) => (
              <DemandCard key={x.id} d={x} published={d.published} onChange={board.reload} />
            ))}
          </ul>
          <h2>{t('provider.demands.open', { n: d.open.length })}</h2>
          {d.open.length === 0 && <p class="muted">{t('provider.demands.noneOpen')}</p>}
          <ul class="plain">
            {d.open.map((x) => (
              <DemandCard key={x.id} d={x} published={d.published} onChange={board.reload} />
            ))}
          </ul>
          {done.length > 0 && (
            <>
              <h2>{t('provider.demands.done', { n: done.length })}</h2>
              <ul class="plain">
                {done.map((x) => (
                  <DemandCard key={x.id} d={x} published={d.published} onChange={board.reload} />
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}

function DemandCard({ d, published, onChange }: { d: TDemand; published: TDataset[]; onChange: () => void }) {
  const [outcome, setOutcome] = useState<'fulfilled' | 'planned' | 'refused'>('fulfilled');
  const [dataset, setDataset] = useState(published[0]?.id ?? '');
  const [plannedFor, setPlannedFor] = useState('');
  const [reason, setReason] = useState('');
  const claim = useAction(async () => {
    await api('POST', `/v1/demands/${d.id}/claim`);
    onChange();
  });
  const answer = useAction(async () => {
    const body =
      outcome === 'fulfilled'
        ? { outcome, dataset }
        : outcome === 'planned'
          ? { outcome, plannedFor }
          : { outcome, reason };
    await api('POST', `/v1/demands/${d.id}/answers`, body);
    onChange();
  });
  const canAnswer = d.status === 'routed' || d.status === 'claimed' || d.status === 'planned';
  const idp = `demand-${d.id}`;
  return (
    <li class="card">
      <h3>{d.title}</h3>
      <p class="prose">{d.purpose}</p>
      <p class="small">
        <Badge kind={d.isOverdue ? 'warn' : undefined}>{t(`demands.status.${d.status}`)}</Badge>{' '}
        {d.isOverdue && <Badge kind="warn">{t('provider.demands.overdue')}</Badge>}{' '}
        <span class="muted">
          {fmtDateTime(d.createdAt)}
          {d.dueAt && ` · ${t('demands.due', { date: fmtDate(d.dueAt) })}`}
          {d.suggestedHolder && ` · ${t('provider.demands.suggested', { holder: d.suggestedHolder })}`}
          {d.plannedFor && ` · ${t('demands.plannedFor', { date: fmtDate(d.plannedFor) })}`}
          {d.reason && ` · ${t('demands.reason', { reason: d.reason })}`}
        </span>
      </p>
      {d.status === 'open' && (
        <>
          <Button onClick={claim.go} pending={claim.pending}>
            {t('provider.demands.claim')}
          </Button>
          <ErrorNote error={claim.error} />
        </>
      )}
      {canAnswer && (
        <Form onSubmit={answer.go} class="stack answer-form">
          <fieldset>
            <legend>{t('provider.demands.answer')}</legend>
            {(['fulfilled', 'planned', 'refused'] as const).map((o) => (
              <label key={o} class="inline">
                <input
                  type="radio"
                  name={`${idp}-outcome`}
                  checked={outcome === o}
                  onChange={() => setOutcome(o)}
                />{' '}
                {t(`demands.status.${o}`)}
              </label>
            ))}
          </fieldset>
          {outcome === 'fulfilled' && (
            <Field label={t('provider.demands.dataset')} id={`${idp}-dataset`}>
              {(id) => (
                <select id={id} required value={dataset} onChange={(e) => setDataset(e.currentTarget.value)}>
                  {published.map((p) => (
                    <option key={p.id} value={p.id}>
                      {pick(p.title, p.titleEn)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          {outcome === 'planned' && (
            <Field label={t('provider.demands.plannedFor')} id={`${idp}-planned`}>
              {(id) => (
                <input
                  id={id}
                  type="date"
                  required
                  value={plannedFor}
                  onInput={(e) => setPlannedFor(e.currentTarget.value)}
                />
              )}
            </Field>
          )}
          {outcome === 'refused' && (
            <Field label={t('provider.demands.reason')} id={`${idp}-reason`}>
              {(id) => (
                <textarea
                  id={id}
                  required
                  rows={2}
                  value={reason}
                  onInput={(e) => setReason(e.currentTarget.value)}
                />
              )}
            </Field>
          )}
          <ErrorNote error={answer.error} />
          <Button type="submit" pending={answer.pending}>
            {t('provider.demands.send')}
          </Button>
        </Form>
      )}
    </li>
  );
}

/** Quality issues of the department's datasets: warning rules that failed, to answer or close. */
export function QualityIssues() {
  useLang();
  const { user } = useSession();
  const [status, setStatus] = useState<'open' | 'rectified' | 'closed'>('open');
  const list = useLoad(
    async (signal) => {
      const [issues, datasets] = await Promise.all([
        api<{ items: TIssue[] }>('GET', `/v1/quality/issues${qs({ status, limit: 200 })}`, undefined, {
          signal,
        }),
        loadMyDatasets(user!.orgId, signal),
      ]);
      return { issues: issues.items, byId: new Map(datasets.map((d) => [d.id, d])) };
    },
    [status, user?.orgId],
  );
  return (
    <section>
      <PageTitle sub={<p class="muted">{t('provider.issues.lead')}</p>}>
        {t('provider.issues.title')}
      </PageTitle>
      <label for="issue-status">{t('provider.issues.status')}</label>{' '}
      <select
        id="issue-status"
        value={status}
        onChange={(e) => setStatus(e.currentTarget.value as typeof status)}
      >
        {(['open', 'rectified', 'closed'] as const).map((s) => (
          <option key={s} value={s}>
            {t(`provider.issues.${s}`)}
          </option>
        ))}
      </select>
      <ErrorNote error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.issues.length === 0 && <p class="muted">{t('provider.issues.none')}</p>}
      <ul class="plain">
        {list.data?.issues.map((i) => {
          const ds = list.data!.byId.get(i.datasetId);
          return (
            <IssueCard
              key={i.id}
              i={i}
              title={ds ? pick(ds.title, ds.titleEn) : i.datasetId}
              onChange={list.reload}
            />
          );
        })}
      </ul>
    </section>
  );
}

function IssueCard({ i, title, onChange }: { i: TIssue; title: string; onChange: () => void }) {
  const [note, setNote] = useState('');
  const [close, setClose] = useState(false);
  const respond = useAction(async () => {
    await api('POST', `/v1/quality/issues/${i.id}/responses`, { note, close });
    setNote('');
    onChange();
  });
  return (
    <li class="card">
      <h3>{title}</h3>
      <p>
        {t('provider.issues.what', {
          column: i.column,
          rule: t(`provider.rule.${i.kind}`),
          failing: fmtNumber(i.failing),
          checked: fmtNumber(i.checked),
          first: i.firstVersion,
          last: i.lastVersion,
        })}
      </p>
      {i.responses.length > 0 && (
        <ul>
          {i.responses.map((r) => (
            <li key={r.at}>
              {r.note} <span class="muted small">{fmtDateTime(r.at)}</span>
              {r.isClosing && <Badge>{t('provider.issues.closing')}</Badge>}
            </li>
          ))}
        </ul>
      )}
      {i.status === 'open' && (
        <Form onSubmit={respond.go}>
          <Field label={t('provider.issues.note')} id={`issue-${i.id}-note`}>
            {(id) => (
              <textarea
                id={id}
                required
                rows={2}
                value={note}
                onInput={(e) => setNote(e.currentTarget.value)}
              />
            )}
          </Field>
          <label>
            <input type="checkbox" checked={close} onChange={(e) => setClose(e.currentTarget.checked)} />{' '}
            {t('provider.issues.close')}
          </label>
          <ErrorNote error={respond.error} />
          <Button type="submit" pending={respond.pending}>
            {t('provider.issues.respond')}
          </Button>
        </Form>
      )}
    </li>
  );
}
