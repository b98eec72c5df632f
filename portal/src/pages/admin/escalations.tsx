import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { PageTitle } from '../../components/layout.tsx';
import { Badge, Button, ErrorNote, Field, Form, Loading, useAction, useLoad } from '../../components/ui.tsx';
import { api, qs } from '../../lib/api.ts';
import { fmtDate, fmtDateTime, pick, t, useLang } from '../../lib/i18n.ts';
import type { TDataset } from '../../lib/types.ts';
import type { TDemand } from '../demands.tsx';
import type { TOrg, TSharingRequest, TUserRow } from './types.ts';

type TList<T> = { items: T[] };

/** What waits on the authority: overdue sharing requests, objections to rule on, demands to route. */
export function Escalations() {
  useLang();
  const orgs = useLoad((signal) => api<TList<TOrg>>('GET', '/v1/orgs', undefined, { signal }), []);
  const users = useLoad((signal) => api<TList<TUserRow>>('GET', '/v1/users', undefined, { signal }), []);
  const overdue = useLoad(
    (signal) =>
      api<TList<TSharingRequest>>(
        'GET',
        `/v1/sharing/requests${qs({ overdue: true, limit: 200 })}`,
        undefined,
        { signal },
      ),
    [],
  );
  const objected = useLoad(
    (signal) =>
      api<TList<TSharingRequest>>(
        'GET',
        `/v1/sharing/requests${qs({ status: 'objected', limit: 200 })}`,
        undefined,
        {
          signal,
        },
      ),
    [],
  );
  const demands = useLoad(
    (signal) =>
      api<TList<TDemand>>('GET', `/v1/demands${qs({ status: 'open', limit: 100 })}`, undefined, { signal }),
    [],
  );
  const ids = [
    ...new Set([...(overdue.data?.items ?? []), ...(objected.data?.items ?? [])].map((r) => r.datasetId)),
  ];
  const titles = useLoad(
    (signal) =>
      Promise.all(
        ids.map((id) =>
          api<TDataset>('GET', `/v1/datasets/${encodeURIComponent(id)}`, undefined, { signal }),
        ),
      ),
    [ids.join(',')],
  );
  const orgName = new Map((orgs.data?.items ?? []).map((o) => [o.id, pick(o.name, o.nameEn)]));
  const datasetTitle = new Map((titles.data ?? []).map((d) => [d.id, pick(d.title, d.titleEn)]));
  const departments = (orgs.data?.items ?? []).filter((o) =>
    users.data?.items.some((u) => u.orgId === o.id && u.role === 'provider'),
  );
  const names = {
    org: (id: string) => orgName.get(id) ?? id,
    dataset: (id: string) => datasetTitle.get(id) ?? id,
  };
  // Decided and routed items leave their list, so what happened is said above the lists.
  const [notice, setNotice] = useState<string | null>(null);
  const done = (reload: () => void) => (message: string) => {
    setNotice(message);
    reload();
  };
  return (
    <>
      <PageTitle sub={<p class="muted">{t('admin.escalations.lead')}</p>}>
        {t('admin.escalations.title')}
      </PageTitle>
      <ErrorNote error={orgs.error ?? users.error ?? titles.error} />
      <div role="status">{notice && <p class="note ok">{notice}</p>}</div>
      <section aria-labelledby="overdue-h">
        <h2 id="overdue-h">{t('admin.escalations.overdue')}</h2>
        <ErrorNote error={overdue.error} />
        {!overdue.data ? (
          overdue.loading && <Loading />
        ) : overdue.data.items.length === 0 ? (
          <p class="muted">{t('admin.escalations.overdueEmpty')}</p>
        ) : (
          overdue.data.items.map((r) => (
            <RequestCard key={r.id} r={r} names={names}>
              <Urge r={r} onDone={done(overdue.reload)} />
              <DecideInstead r={r} onDone={done(overdue.reload)} />
            </RequestCard>
          ))
        )}
      </section>
      <section aria-labelledby="objections-h">
        <h2 id="objections-h">{t('admin.escalations.objections')}</h2>
        <ErrorNote error={objected.error} />
        {!objected.data ? (
          objected.loading && <Loading />
        ) : objected.data.items.length === 0 ? (
          <p class="muted">{t('admin.escalations.objectionsEmpty')}</p>
        ) : (
          objected.data.items.map((r) => (
            <RequestCard key={r.id} r={r} names={names}>
              <Rule r={r} onDone={done(objected.reload)} />
            </RequestCard>
          ))
        )}
      </section>
      <section aria-labelledby="demands-h">
        <h2 id="demands-h">{t('admin.escalations.demands')}</h2>
        <ErrorNote error={demands.error} />
        {!demands.data ? (
          demands.loading && <Loading />
        ) : demands.data.items.length === 0 ? (
          <p class="muted">{t('admin.escalations.demandsEmpty')}</p>
        ) : (
          demands.data.items.map((d) => (
            <RouteDemand key={d.id} d={d} departments={departments} onDone={done(demands.reload)} />
          ))
        )}
      </section>
    </>
  );
}

type TNames = { org: (id: string) => string; dataset: (id: string) => string };

function RequestCard(props: { r: TSharingRequest; names: TNames; children: ComponentChildren }) {
  const { r, names } = props;
  return (
    <article class="escalation" aria-labelledby={`req-${r.id}`}>
      <h3 id={`req-${r.id}`}>
        <a href={`/datasets/${encodeURIComponent(r.datasetId)}`}>{names.dataset(r.datasetId)}</a>
      </h3>
      <dl class="facts">
        <dt>{t('admin.escalations.requester')}</dt>
        <dd>{names.org(r.requesterOrgId)}</dd>
        <dt>{t('admin.escalations.holder')}</dt>
        <dd>{names.org(r.holderOrgId)}</dd>
        <dt>{t('admin.escalations.columns')}</dt>
        <dd>{r.columns.join(', ')}</dd>
        <dt>{t('admin.escalations.duty')}</dt>
        <dd>{r.duty}</dd>
        <dt>{t('admin.escalations.purpose')}</dt>
        <dd>{r.purpose}</dd>
        {r.dueAt && (
          <>
            <dt>{t('admin.escalations.due')}</dt>
            <dd>
              {fmtDateTime(r.dueAt)}{' '}
              {r.urgeCount > 0 && (
                <Badge kind="warn">{t('admin.escalations.urged', { n: r.urgeCount })}</Badge>
              )}
            </dd>
          </>
        )}
        {r.reason && (
          <>
            <dt>{t('admin.escalations.reason')}</dt>
            <dd>{r.reason}</dd>
          </>
        )}
        {r.objection && (
          <>
            <dt>{t('admin.escalations.objection')}</dt>
            <dd>{r.objection}</dd>
          </>
        )}
      </dl>
      {props.children}
    </article>
  );
}

/** A small form acting on one request: its fields, its error, a success note. */
function ActionForm(props: {
  legend: string;
  submit: string;
  done: string;
  run: () => Promise<unknown>;
  onDone: (message: string) => void;
  children: ComponentChildren;
}) {
  const act = useAction(async () => {
    await props.run();
    props.onDone(props.done);
  });
  return (
    <details>
      <summary>{props.legend}</summary>
      <Form onSubmit={act.go}>
        {props.children}
        <ErrorNote error={act.error} />
        <Button type="submit" pending={act.pending}>
          {props.submit}
        </Button>
      </Form>
    </details>
  );
}

const post = (r: TSharingRequest, what: string, body: unknown) =>
  api<TSharingRequest>('POST', `/v1/sharing/requests/${encodeURIComponent(r.id)}/${what}`, body);

function Urge({ r, onDone }: { r: TSharingRequest; onDone: (message: string) => void }) {
  const [note, setNote] = useState('');
  return (
    <ActionForm
      legend={t('admin.escalations.urge')}
      submit={t('admin.escalations.urgeSend')}
      done={t('admin.escalations.urgedOk')}
      run={() => post(r, 'urge', { note: note.trim() })}
      onDone={onDone}
    >
      <TextArea
        label={t('admin.escalations.urgeNote')}
        id={`urge-${r.id}`}
        value={note}
        onValue={setNote}
        required
      />
    </ActionForm>
  );
}

function DecideInstead({ r, onDone }: { r: TSharingRequest; onDone: (message: string) => void }) {
  const [decision, setDecision] = useState<'approve' | 'reject'>('approve');
  const [reason, setReason] = useState('');
  return (
    <ActionForm
      legend={t('admin.escalations.decide')}
      submit={t('admin.escalations.decideSend')}
      done={t('admin.escalations.decidedOk')}
      run={() =>
        post(r, 'decisions', decision === 'approve' ? { decision } : { decision, reason: reason.trim() })
      }
      onDone={onDone}
    >
      <Choice
        legend={t('admin.escalations.decision')}
        name={`decision-${r.id}`}
        value={decision}
        options={[
          ['approve', t('admin.escalations.approveIt')],
          ['reject', t('admin.escalations.rejectIt')],
        ]}
        onValue={(v) => setDecision(v as 'approve' | 'reject')}
      />
      <TextArea
        label={t('admin.escalations.decisionReason')}
        hint={t('admin.escalations.decisionReasonHint')}
        id={`decide-${r.id}`}
        value={reason}
        onValue={setReason}
        required={decision === 'reject'}
      />
    </ActionForm>
  );
}

function Rule({ r, onDone }: { r: TSharingRequest; onDone: (message: string) => void }) {
  const [ruling, setRuling] = useState<'grant' | 'uphold'>('uphold');
  const [reason, setReason] = useState('');
  return (
    <ActionForm
      legend={t('admin.escalations.rule')}
      submit={t('admin.escalations.ruleSend')}
      done={t('admin.escalations.ruledOk')}
      run={() => post(r, 'rulings', { ruling, reason: reason.trim() })}
      onDone={onDone}
    >
      <Choice
        legend={t('admin.escalations.ruling')}
        name={`ruling-${r.id}`}
        value={ruling}
        options={[
          ['grant', t('admin.escalations.grant')],
          ['uphold', t('admin.escalations.uphold')],
        ]}
        onValue={(v) => setRuling(v as 'grant' | 'uphold')}
      />
      <TextArea
        label={t('admin.escalations.rulingReason')}
        id={`rule-${r.id}`}
        value={reason}
        onValue={setReason}
        required
      />
    </ActionForm>
  );
}

function RouteDemand(props: { d: TDemand; departments: TOrg[]; onDone: (message: string) => void }) {
  const { d } = props;
  const [org, setOrg] = useState('');
  const route = useAction(async () => {
    await api('POST', `/v1/demands/${encodeURIComponent(d.id)}/route`, { org });
    props.onDone(
      t('admin.escalations.routedOk', { title: d.title, org: pick(...nameOf(props.departments, org)) }),
    );
  });
  return (
    <article class="escalation" aria-labelledby={`demand-${d.id}`}>
      <h3 id={`demand-${d.id}`}>{d.title}</h3>
      <p class="prose">{d.purpose}</p>
      <p class="muted small">
        {t('admin.escalations.filed')} {fmtDate(d.createdAt)}
        {d.suggestedHolder && <> · {t('admin.escalations.suggested', { name: d.suggestedHolder })}</>}
      </p>
      <Form class="row" onSubmit={route.go}>
        <Field label={t('admin.escalations.routeTo')} id={`route-${d.id}`}>
          {(id) => (
            <select id={id} required value={org} onChange={(e) => setOrg(e.currentTarget.value)}>
              <option value="">{t('admin.escalations.chooseOrg')}</option>
              {props.departments.map((o) => (
                <option key={o.id} value={o.id}>
                  {pick(o.name, o.nameEn)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Button type="submit" pending={route.pending}>
          {t('admin.escalations.route')}
        </Button>
        <ErrorNote error={route.error} />
      </Form>
    </article>
  );
}

const nameOf = (orgs: TOrg[], id: string): [string, string | null] => {
  const o = orgs.find((x) => x.id === id);
  return [o?.name ?? id, o?.nameEn ?? null];
};

function TextArea(props: {
  label: string;
  id: string;
  value: string;
  onValue: (v: string) => void;
  hint?: string;
  required?: boolean;
}) {
  return (
    <Field label={props.label} id={props.id} {...(props.hint ? { hint: props.hint } : {})}>
      {(id) => (
        <textarea
          id={id}
          rows={2}
          maxLength={2000}
          required={props.required}
          value={props.value}
          onInput={(e) => props.onValue(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}

function Choice(props: {
  legend: string;
  name: string;
  value: string;
  options: [string, string][];
  onValue: (v: string) => void;
}) {
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      <div class="checks">
        {props.options.map(([v, label]) => (
          <label key={v}>
            <input
              type="radio"
              name={props.name}
              value={v}
              checked={props.value === v}
              onChange={() => props.onValue(v)}
            />{' '}
            {label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
