import { useState } from 'preact/hooks';
import { PageTitle } from '../../components/layout.tsx';
import { Badge, Button, ErrorNote, Field, Form, Loading, useAction, useLoad } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { fmtDate, fmtDateTime, pick, t, useLang } from '../../lib/i18n.ts';
import { useSession } from '../../lib/session.ts';
import type { TDataset, TDatasetPage } from '../../lib/types.ts';
import { OPERATIONS, type TApplication, type TOperation, type TOrgKey, type TStatus } from './api.ts';
import { applicationBody, defaultTerm, type TApplicationDraft } from './application-body.ts';
import { browserKeys } from './key-store.ts';

const STATUS_BADGE: Record<TStatus, string> = {
  pending: 'conditional',
  approved: 'open',
  rejected: 'closed',
};

/** Applying for a licence on conditional datasets, and the applications made, with each part's decision. */
export function Applications() {
  useLang();
  const { user } = useSession();
  const orgId = user?.orgId ?? '';
  const [tick, setTick] = useState(0);
  const catalogue = useLoad(
    async (signal) => {
      const [page, keys, local] = await Promise.all([
        api<TDatasetPage>('GET', '/v1/datasets?openness=conditional&limit=100', undefined, { signal }),
        api<{ items: TOrgKey[] }>('GET', `/v1/orgs/${encodeURIComponent(orgId)}/keys`, undefined, { signal }),
        browserKeys(orgId).catch(() => []),
      ]);
      return {
        datasets: page.items.filter((d) => d.status === 'published'),
        keys: keys.items.filter((k) => !k.revokedAt),
        local: new Set(local.map((k) => k.kid)),
      };
    },
    [orgId],
  );
  const list = useLoad(
    (signal) => api<{ items: TApplication[] }>('GET', '/v1/applications', undefined, { signal }),
    [tick],
  );
  const byId = new Map((catalogue.data?.datasets ?? []).map((d) => [d.id, d]));
  return (
    <>
      <PageTitle sub={<p class="muted">{t('operator.apply.intro')}</p>}>
        {t('operator.apply.title')}
      </PageTitle>
      <ErrorNote error={catalogue.error} />
      {!catalogue.data && !catalogue.error && <Loading />}
      {catalogue.data && (
        <ApplyForm
          datasets={catalogue.data.datasets}
          keys={catalogue.data.keys}
          local={catalogue.data.local}
          onApplied={() => setTick((n) => n + 1)}
        />
      )}
      <h2 id="mine">{t('operator.apply.mine')}</h2>
      <ErrorNote error={list.error} />
      {list.data?.items.length === 0 && <p class="muted">{t('operator.apply.noneYet')}</p>}
      <ul class="plain" aria-labelledby="mine">
        {list.data?.items.map((a) => (
          <ApplicationItem key={a.id} a={a} byId={byId} />
        ))}
      </ul>
    </>
  );
}

function ApplicationItem({ a, byId }: { a: TApplication; byId: Map<string, TDataset> }) {
  return (
    <li class="card" data-testid="application">
      <h3>
        <Badge kind={STATUS_BADGE[a.status]}>{t(`operator.apply.status.${a.status}`)}</Badge> {a.purpose}
      </h3>
      <p class="muted small">
        {t('operator.apply.madeAt', { at: fmtDateTime(a.createdAt) })} ·{' '}
        {a.operations.map((o) => t(`operator.operation.${o}`)).join('、')} ·{' '}
        {t('operator.apply.termShort', { from: fmtDate(a.term.notBefore), to: fmtDate(a.term.notAfter) })}
      </p>
      <ul>
        {a.parts.map((p) => {
          const d = byId.get(p.datasetId);
          return (
            <li key={p.datasetId}>
              <strong>{d ? pick(d.title, d.titleEn) : p.datasetId}</strong>{' '}
              <Badge kind={STATUS_BADGE[p.status]}>{t(`operator.apply.status.${p.status}`)}</Badge>{' '}
              <span class="muted small">{p.columns.join(', ')}</span>
              {p.reason && <p class="small">{t('operator.apply.reason', { reason: p.reason })}</p>}
              {Object.keys(p.policy).length > 0 && (
                <p class="small">
                  {t('operator.apply.tightened')}{' '}
                  {Object.entries(p.policy)
                    .map(([k, v]) => `${k} = ${v}`)
                    .join('; ')}
                </p>
              )}
            </li>
          );
        })}
      </ul>
      {a.contractId && (
        <p>
          <a href={`/operator/contracts/${a.contractId}`}>{t('operator.apply.openContract')}</a>
        </p>
      )}
    </li>
  );
}

function ApplyForm(props: {
  datasets: TDataset[];
  keys: TOrgKey[];
  local: Set<string>;
  onApplied: () => void;
}) {
  const preferred = props.keys.find((k) => props.local.has(k.kid)) ?? props.keys[0];
  const [draft, setDraft] = useState<TApplicationDraft>(() => ({
    columns: {},
    operations: ['sandbox'],
    purpose: '',
    scenario: '',
    ...defaultTerm(new Date()),
    keyId: preferred?.kid ?? '',
  }));
  const [done, setDone] = useState(false);
  const set = (patch: Partial<TApplicationDraft>) => {
    setDone(false);
    setDraft({ ...draft, ...patch });
  };
  const apply = useAction(async () => {
    await api<TApplication>('POST', '/v1/applications', applicationBody(draft));
    setDone(true);
    setDraft({ ...draft, columns: {}, purpose: '', scenario: '' });
    props.onApplied();
  });
  const toggleDataset = (d: TDataset, on: boolean) => {
    const columns = { ...draft.columns };
    if (on) columns[d.id] = d.columns.filter((c) => c.sensitivity !== 'identifier').map((c) => c.name);
    else delete columns[d.id];
    set({ columns });
  };
  const toggleColumn = (id: string, name: string, on: boolean) =>
    set({
      columns: {
        ...draft.columns,
        [id]: on ? [...(draft.columns[id] ?? []), name] : (draft.columns[id] ?? []).filter((c) => c !== name),
      },
    });
  const toggleOp = (op: TOperation, on: boolean) =>
    set({ operations: on ? [...draft.operations, op] : draft.operations.filter((o) => o !== op) });
  return (
    <Form onSubmit={apply.go} class="stack card">
      <h2>{t('operator.apply.new')}</h2>
      <fieldset>
        <legend>{t('operator.apply.datasets')}</legend>
        {props.datasets.length === 0 && <p class="muted">{t('operator.apply.noDatasets')}</p>}
        {props.datasets.map((d) => {
          const chosen = draft.columns[d.id];
          return (
            <div key={d.id} class="op-dataset">
              <label>
                <input
                  type="checkbox"
                  checked={chosen !== undefined}
                  onChange={(e) => toggleDataset(d, e.currentTarget.checked)}
                />{' '}
                <strong>{pick(d.title, d.titleEn)}</strong>{' '}
                <span class="muted small">{pick(d.providerName, d.providerNameEn)}</span>
              </label>
              {chosen !== undefined && (
                <fieldset>
                  <legend>{t('operator.apply.columnsOf', { title: pick(d.title, d.titleEn) })}</legend>
                  <div class="checks">
                    {d.columns.map((c) => (
                      <label key={c.name} title={c.description}>
                        <input
                          type="checkbox"
                          checked={chosen.includes(c.name)}
                          onChange={(e) => toggleColumn(d.id, c.name, e.currentTarget.checked)}
                        />{' '}
                        {c.name} <span class="muted small">({t(`sensitivity.${c.sensitivity}`)})</span>
                      </label>
                    ))}
                  </div>
                </fieldset>
              )}
            </div>
          );
        })}
      </fieldset>
      <fieldset>
        <legend>{t('operator.apply.operations')}</legend>
        <div class="checks">
          {OPERATIONS.map((o) => (
            <label key={o}>
              <input
                type="checkbox"
                checked={draft.operations.includes(o)}
                onChange={(e) => toggleOp(o, e.currentTarget.checked)}
              />{' '}
              {t(`operator.operation.${o}`)}
            </label>
          ))}
        </div>
      </fieldset>
      {(['purpose', 'scenario'] as const).map((k) => (
        <Field key={k} label={t(`operator.apply.${k}`)} hint={t(`operator.apply.${k}Hint`)}>
          {(id) => (
            <textarea
              id={id}
              required
              rows={3}
              maxLength={2000}
              value={draft[k]}
              onInput={(e) => set({ [k]: e.currentTarget.value })}
            />
          )}
        </Field>
      ))}
      <div class="row">
        {(['notBefore', 'notAfter'] as const).map((k) => (
          <Field key={k} label={t(`operator.apply.${k}`)}>
            {(id) => (
              <input
                id={id}
                type="date"
                required
                value={draft[k]}
                onInput={(e) => set({ [k]: e.currentTarget.value })}
              />
            )}
          </Field>
        ))}
      </div>
      {props.keys.length === 0 ? (
        <p class="note">
          {t('operator.apply.needKey')} <a href="/operator/keys">{t('operator.nav.keys')}</a>
        </p>
      ) : (
        <Field label={t('operator.apply.key')} hint={t('operator.apply.keyHint')}>
          {(id) => (
            <select id={id} value={draft.keyId} onChange={(e) => set({ keyId: e.currentTarget.value })}>
              {props.keys.map((k) => (
                <option key={k.kid} value={k.kid}>
                  {k.kid.slice(0, 12)}… · {fmtDateTime(k.createdAt)}
                  {props.local.has(k.kid) ? ` · ${t('operator.keys.inThisBrowser')}` : ''}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <ErrorNote error={apply.error} />
      {done && (
        <p class="note ok" role="status">
          {t('operator.apply.sent')}
        </p>
      )}
      <div>
        <Button type="submit" pending={apply.pending} disabled={props.keys.length === 0}>
          {t('operator.apply.submit')}
        </Button>
      </div>
    </Form>
  );
}
