import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { PageTitle } from '../components/layout.tsx';
import { Badge, Button, ErrorNote, Field, Form, Loading, useAction, useLoad } from '../components/ui.tsx';
import { api, qs } from '../lib/api.ts';
import { fmtDate, t, useLang } from '../lib/i18n.ts';
import { useSession } from '../lib/session.ts';

export type TDemand = {
  id: string;
  title: string;
  purpose: string;
  suggestedHolder: string | null;
  status: 'open' | 'routed' | 'claimed' | 'fulfilled' | 'planned' | 'refused';
  assignedOrg: { id: string; name: string } | null;
  dueAt: string | null;
  isOverdue: boolean;
  datasetId: string | null;
  plannedFor: string | null;
  reason: string | null;
  createdAt: string;
};
const STATUSES = ['open', 'routed', 'claimed', 'fulfilled', 'planned', 'refused'];

/** The public demand board (供需对接): anyone files, departments answer. */
export function Demands() {
  useLang();
  const { query, route } = useLocation();
  const { user } = useSession();
  const board = useLoad(
    (signal) =>
      api<{ items: TDemand[]; page: { total: number } }>(
        'GET',
        `/v1/demands${qs({ status: query.status, limit: 50 })}`,
        undefined,
        { signal },
      ),
    [query.status],
  );
  const [f, setF] = useState({ title: '', purpose: '', suggestedHolder: '', contact: '' });
  const [filed, setFiled] = useState<{ followToken: string | null } | null>(null);
  const file = useAction(async () => {
    const body = {
      title: f.title.trim(),
      purpose: f.purpose.trim(),
      ...(f.suggestedHolder.trim() ? { suggestedHolder: f.suggestedHolder.trim() } : {}),
      ...(f.contact.trim() ? { contact: f.contact.trim() } : {}),
    };
    setFiled(await api<{ followToken: string | null }>('POST', '/v1/demands', body));
    setF({ title: '', purpose: '', suggestedHolder: '', contact: '' });
    board.reload();
  });
  return (
    <div class="two-col">
      <section>
        <PageTitle sub={<p class="muted">{t('demands.lead')}</p>}>{t('demands.title')}</PageTitle>
        <label for="demand-status">{t('demands.filterStatus')}</label>{' '}
        <select
          id="demand-status"
          value={query.status ?? ''}
          onChange={(e) => route(`/demands${qs({ status: e.currentTarget.value })}`)}
        >
          <option value="">{t('catalogue.any')}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`demands.status.${s}`)}
            </option>
          ))}
        </select>
        <ErrorNote error={board.error} />
        {!board.data && board.loading && <Loading />}
        <ul class="plain">
          {board.data?.items.map((d) => (
            <DemandItem key={d.id} d={d} />
          ))}
        </ul>
      </section>
      <section>
        <h2>{t('demands.file')}</h2>
        <Form onSubmit={file.go}>
          <Field label={t('demands.fTitle')} id="demand-title">
            {(id) => (
              <input
                id={id}
                required
                value={f.title}
                onInput={(e) => setF({ ...f, title: e.currentTarget.value })}
              />
            )}
          </Field>
          <Field label={t('demands.fPurpose')} id="demand-purpose">
            {(id) => (
              <textarea
                id={id}
                required
                rows={4}
                value={f.purpose}
                onInput={(e) => setF({ ...f, purpose: e.currentTarget.value })}
              />
            )}
          </Field>
          <Field label={t('demands.fHolder')} id="demand-holder">
            {(id) => (
              <input
                id={id}
                value={f.suggestedHolder}
                onInput={(e) => setF({ ...f, suggestedHolder: e.currentTarget.value })}
              />
            )}
          </Field>
          {!user && (
            <Field label={t('demands.fContact')} hint={t('demands.contactHint')} id="demand-contact">
              {(id) => (
                <input
                  id={id}
                  required
                  value={f.contact}
                  onInput={(e) => setF({ ...f, contact: e.currentTarget.value })}
                />
              )}
            </Field>
          )}
          <ErrorNote error={file.error} />
          {filed && (
            <div class="note ok" role="status">
              <p>{t('demands.filed')}</p>
              {filed.followToken && (
                <p>
                  {t('demands.followToken')} <code>{filed.followToken}</code>
                </p>
              )}
            </div>
          )}
          <Button type="submit" pending={file.pending}>
            {t('demands.submit')}
          </Button>
        </Form>
      </section>
    </div>
  );
}

export function DemandItem({ d }: { d: TDemand }) {
  return (
    <li class="card">
      <h3>{d.title}</h3>
      <p>{d.purpose}</p>
      <p class="small">
        <Badge kind={d.isOverdue ? 'warn' : undefined}>{t(`demands.status.${d.status}`)}</Badge>{' '}
        <span class="muted">
          {fmtDate(d.createdAt)}
          {d.assignedOrg && ` · ${d.assignedOrg.name}`}
          {d.dueAt && ` · ${t('demands.due', { date: fmtDate(d.dueAt) })}`}
        </span>
      </p>
      {d.status === 'fulfilled' && d.datasetId && (
        <a href={`/datasets/${d.datasetId}`}>{t('demands.seeDataset')}</a>
      )}
      {d.status === 'planned' && d.plannedFor && <p>{t('demands.plannedFor', { date: d.plannedFor })}</p>}
      {d.status === 'refused' && d.reason && <p>{t('demands.reason', { reason: d.reason })}</p>}
    </li>
  );
}
