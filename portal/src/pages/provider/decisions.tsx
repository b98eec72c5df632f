import { useState } from 'preact/hooks';
import { PageTitle } from '../../components/layout.tsx';
import { Badge, Button, ErrorNote, Field, Form, Loading, useAction, useLoad } from '../../components/ui.tsx';
import { api, qs } from '../../lib/api.ts';
import { fmtDate, fmtDateTime, fmtNumber, pick, t, useLang } from '../../lib/i18n.ts';
import { useSession } from '../../lib/session.ts';
import type { TDataset, TDatasetPage } from '../../lib/types.ts';
import { DecideForm, NumberField } from './decide-form.tsx';
import { loadMyDatasets } from './load.ts';

type TPart = {
  datasetId: string;
  providerOrgId: string;
  columns: string[];
  status: 'pending' | 'approved' | 'rejected';
  reason: string | null;
  policy: Record<string, number>;
  decidedAt: string | null;
};
type TApplication = {
  id: string;
  operatorOrgId: string;
  status: string;
  purpose: string;
  scenario: string;
  operations: string[];
  term: { notBefore: string; notAfter: string };
  createdAt: string;
  parts: TPart[];
};
type TSharingRequest = {
  id: string;
  datasetId: string;
  requesterOrgId: string;
  columns: string[];
  duty: string;
  purpose: string;
  systems: string[];
  term: { notBefore: string; notAfter: string };
  status: string;
  grantedColumns: string[] | null;
  reason: string | null;
  dueAt: string | null;
  isOverdue: boolean;
  dailyCalls: number;
  revokedAt: string | null;
  revokeReason: string | null;
  createdAt: string;
};

type TContext = { datasets: Map<string, TDataset>; orgs: Map<string, string> };

/** Names of the departments that hold published entries (the catalogue's provider facet). */
async function orgNames(signal: AbortSignal): Promise<Map<string, string>> {
  const page = await api<TDatasetPage>('GET', '/v1/datasets?limit=1', undefined, { signal });
  return new Map(page.facets.provider.map((f) => [f.value, pick(f.name ?? f.value, f.nameEn)]));
}

/** Licence applications naming the department's datasets and sharing requests to it. */
export function Decisions() {
  useLang();
  const { user } = useSession();
  const data = useLoad(
    async (signal) => {
      const [apps, requests, datasets, orgs] = await Promise.all([
        api<{ items: TApplication[] }>('GET', '/v1/applications', undefined, { signal }),
        api<{ items: TSharingRequest[] }>(
          'GET',
          `/v1/sharing/requests${qs({ side: 'incoming', limit: 200 })}`,
          undefined,
          {
            signal,
          },
        ),
        loadMyDatasets(user!.orgId, signal),
        orgNames(signal),
      ]);
      return {
        apps: apps.items,
        requests: requests.items,
        ctx: { datasets: new Map(datasets.map((d) => [d.id, d])), orgs },
      };
    },
    [user?.orgId],
  );
  const d = data.data;
  const mine = (a: TApplication) => a.parts.filter((p) => p.providerOrgId === user!.orgId);
  const pendingApps = d?.apps.filter((a) => mine(a).some((p) => p.status === 'pending')) ?? [];
  const decidedApps = d?.apps.filter((a) => !mine(a).some((p) => p.status === 'pending')) ?? [];
  const pendingReqs = d?.requests.filter((r) => r.status === 'pending') ?? [];
  const otherReqs = d?.requests.filter((r) => r.status !== 'pending') ?? [];
  return (
    <section>
      <PageTitle sub={<p class="muted">{t('provider.decisions.lead')}</p>}>
        {t('provider.decisions.title')}
      </PageTitle>
      <ErrorNote error={data.error} />
      {!d && data.loading && <Loading />}
      {d && (
        <>
          <h2>{t('provider.decisions.applications', { n: pendingApps.length })}</h2>
          {pendingApps.length === 0 && <p class="muted">{t('provider.decisions.noneApps')}</p>}
          <ul class="plain">
            {[...pendingApps, ...decidedApps].map((a) => (
              <ApplicationCard key={a.id} a={a} parts={mine(a)} ctx={d.ctx} onChange={data.reload} />
            ))}
          </ul>
          <h2>{t('provider.decisions.sharing', { n: pendingReqs.length })}</h2>
          {pendingReqs.length === 0 && <p class="muted">{t('provider.decisions.noneSharing')}</p>}
          <ul class="plain">
            {[...pendingReqs, ...otherReqs].map((r) => (
              <SharingCard key={r.id} r={r} ctx={d.ctx} onChange={data.reload} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

const titleOf = (ctx: TContext, id: string) => {
  const ds = ctx.datasets.get(id);
  return ds ? pick(ds.title, ds.titleEn) : id;
};

function ApplicationCard(props: { a: TApplication; parts: TPart[]; ctx: TContext; onChange: () => void }) {
  const { a, ctx } = props;
  return (
    <li class="card" data-testid="application">
      <h3>
        {t('provider.decisions.applicationFrom', { org: ctx.orgs.get(a.operatorOrgId) ?? a.operatorOrgId })}
      </h3>
      <dl class="facts">
        <dt>{t('provider.decisions.purpose')}</dt>
        <dd>{a.purpose}</dd>
        <dt>{t('provider.decisions.scenario')}</dt>
        <dd>{a.scenario}</dd>
        <dt>{t('provider.decisions.operations')}</dt>
        <dd>{a.operations.map((o) => t(`provider.operations.${o}`)).join('、')}</dd>
        <dt>{t('provider.decisions.term')}</dt>
        <dd>
          {fmtDate(a.term.notBefore)} – {fmtDate(a.term.notAfter)}
        </dd>
        <dt>{t('provider.decisions.filed')}</dt>
        <dd>{fmtDateTime(a.createdAt)}</dd>
      </dl>
      {props.parts.map((p) => (
        <PartDecision
          key={p.datasetId}
          appId={a.id}
          p={p}
          title={titleOf(ctx, p.datasetId)}
          onChange={props.onChange}
        />
      ))}
    </li>
  );
}

function PartDecision(props: { appId: string; p: TPart; title: string; onChange: () => void }) {
  const { p } = props;
  const [minCellCount, setMinCellCount] = useState('');
  const [epsilon, setEpsilon] = useState('');
  const [reason, setReason] = useState('');
  const decide = useAction(async (decision: 'approve' | 'reject') => {
    const policy = {
      ...(minCellCount ? { minCellCount: Number(minCellCount) } : {}),
      ...(epsilon ? { epsilon: Number(epsilon) } : {}),
    };
    await api(
      'POST',
      `/v1/applications/${props.appId}/decisions`,
      decision === 'approve'
        ? { datasetId: p.datasetId, decision, ...(Object.keys(policy).length ? { policy } : {}) }
        : { datasetId: p.datasetId, decision, reason },
    );
    props.onChange();
  });
  const idp = `app-${props.appId}-${p.datasetId}`;
  return (
    <div class="part">
      <h4>
        {props.title}{' '}
        <Badge kind={p.status === 'approved' ? 'open' : p.status === 'rejected' ? 'closed' : 'warn'}>
          {t(`provider.decisions.status.${p.status}`)}
        </Badge>
      </h4>
      <p class="small">
        {t('provider.decisions.columns')}: <code>{p.columns.join(', ')}</code>
      </p>
      {p.reason && <p class="small">{t('demands.reason', { reason: p.reason })}</p>}
      {p.status === 'pending' && (
        <DecideForm id={idp} reason={reason} onReason={setReason} action={decide} area="decisions">
          <div class="row">
            <NumberField
              id={`${idp}-mcc`}
              label={t('provider.decisions.minCellCount')}
              hint={t('provider.decisions.tightenHint')}
              value={minCellCount}
              onValue={setMinCellCount}
              min={1}
              isInteger
            />
            <NumberField
              id={`${idp}-eps`}
              label={t('provider.decisions.epsilon')}
              value={epsilon}
              onValue={setEpsilon}
              min={0}
            />
          </div>
        </DecideForm>
      )}
    </div>
  );
}

function SharingCard({ r, ctx, onChange }: { r: TSharingRequest; ctx: TContext; onChange: () => void }) {
  const [columns, setColumns] = useState<string[]>(r.columns);
  const [dailyCalls, setDailyCalls] = useState('');
  const [reason, setReason] = useState('');
  const act = useAction(async (what: 'approve' | 'reject' | 'revoke') => {
    if (what === 'revoke') await api('POST', `/v1/sharing/requests/${r.id}/revocation`, { reason });
    else
      await api(
        'POST',
        `/v1/sharing/requests/${r.id}/decisions`,
        what === 'approve'
          ? { decision: 'approve', columns, ...(dailyCalls ? { dailyCalls: Number(dailyCalls) } : {}) }
          : { decision: 'reject', reason },
      );
    onChange();
  });
  const idp = `share-${r.id}`;
  const title = titleOf(ctx, r.datasetId);
  return (
    <li class="card" data-testid="sharing-request">
      <h3>
        {t('provider.decisions.sharingFrom', {
          org: ctx.orgs.get(r.requesterOrgId) ?? r.requesterOrgId,
          dataset: title,
        })}
      </h3>
      <p class="small">
        <Badge kind={r.isOverdue ? 'warn' : undefined}>{t(`provider.sharing.${r.status}`)}</Badge>{' '}
        {r.dueAt && r.status === 'pending' && (
          <span class="muted">{t('provider.decisions.due', { date: fmtDate(r.dueAt) })}</span>
        )}
        {r.isOverdue && <Badge kind="warn">{t('provider.decisions.overdue')}</Badge>}
      </p>
      <dl class="facts">
        <dt>{t('provider.decisions.duty')}</dt>
        <dd>{r.duty}</dd>
        <dt>{t('provider.decisions.purpose')}</dt>
        <dd>{r.purpose}</dd>
        <dt>{t('provider.decisions.systems')}</dt>
        <dd>{r.systems.join('、')}</dd>
        <dt>{t('provider.decisions.term')}</dt>
        <dd>
          {fmtDate(r.term.notBefore)} – {fmtDate(r.term.notAfter)}
        </dd>
        {r.grantedColumns && (
          <>
            <dt>{t('provider.decisions.granted')}</dt>
            <dd>
              <code>{r.grantedColumns.join(', ')}</code> ·{' '}
              {t('provider.decisions.dailyCallsShown', { n: fmtNumber(r.dailyCalls) })}
            </dd>
          </>
        )}
        {(r.reason || r.revokeReason) && (
          <>
            <dt>{t('provider.decisions.reason')}</dt>
            <dd>{r.revokeReason ?? r.reason}</dd>
          </>
        )}
      </dl>
      {r.status === 'pending' && (
        <DecideForm id={idp} reason={reason} onReason={setReason} action={act} area="decisions">
          <fieldset>
            <legend>{t('provider.decisions.grantColumns')}</legend>
            <div class="checks">
              {r.columns.map((c) => (
                <label key={c}>
                  <input
                    type="checkbox"
                    checked={columns.includes(c)}
                    onChange={(e) =>
                      setColumns(e.currentTarget.checked ? [...columns, c] : columns.filter((x) => x !== c))
                    }
                  />{' '}
                  {c}
                </label>
              ))}
            </div>
          </fieldset>
          <NumberField
            id={`${idp}-calls`}
            label={t('provider.decisions.dailyCalls')}
            hint={t('provider.decisions.dailyCallsHint')}
            value={dailyCalls}
            onValue={setDailyCalls}
            min={1}
            isInteger
          />
        </DecideForm>
      )}
      {r.status === 'granted' && (
        <Form onSubmit={() => act.go('revoke')}>
          <Field label={t('provider.decisions.revokeReason')} id={`${idp}-revoke`}>
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
          <ErrorNote error={act.error} />
          <Button type="submit" class="secondary danger" pending={act.pending}>
            {t('provider.decisions.revoke')}
          </Button>
        </Form>
      )}
    </li>
  );
}
