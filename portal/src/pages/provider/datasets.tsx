import { useEffect, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { PageTitle } from '../../components/layout.tsx';
import { Badge, Button, DataTable, ErrorNote, Loading, useAction, useLoad } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { fmtDate, fmtDateTime, fmtNumber, pick, t, useLang } from '../../lib/i18n.ts';
import { useSession } from '../../lib/session.ts';
import type { TDataset } from '../../lib/types.ts';
import { FeedbackList } from './feedback.tsx';
import { loadMyDatasets, STATUSES } from './load.ts';
import { SchemaEditor } from './schema-editor.tsx';
import { draftFromDataset, draftToBody, emptyDraft, type TDatasetDraft } from './schema-model.ts';
import { Upload } from './upload.tsx';

/** What is late about an entry, if anything: data, a change notice, or its registration. */
function Timeliness({ d }: { d: TDataset }) {
  const tl = d.timeliness as TDataset['timeliness'] & {
    isChangeOverdue?: boolean;
    isRegistrationOverdue?: boolean;
    registrationDueAt?: string | null;
  };
  const flags = [
    tl.isDataOverdue && t('provider.timeliness.data', { date: fmtDate(tl.dataDueAt) }),
    tl.isChangeOverdue && t('provider.timeliness.change'),
    tl.isRegistrationOverdue &&
      t('provider.timeliness.registration', { date: fmtDate(tl.registrationDueAt) }),
  ].filter((x): x is string => typeof x === 'string');
  if (flags.length === 0)
    return (
      <span class="muted small">
        {tl.dataDueAt
          ? t('provider.timeliness.due', { date: fmtDate(tl.dataDueAt) })
          : t('provider.timeliness.ok')}
      </span>
    );
  return (
    <>
      {flags.map((f) => (
        <Badge key={f} kind="warn">
          {f}
        </Badge>
      ))}
    </>
  );
}

export function MyDatasets() {
  useLang();
  const { user } = useSession();
  const [status, setStatus] = useState('');
  const list = useLoad((signal) => loadMyDatasets(user!.orgId, signal), [user?.orgId]);
  const items = (list.data ?? []).filter((d) => !status || d.status === status);
  return (
    <section>
      <PageTitle
        sub={
          <p>
            <a class="button" href="/provider/new">
              {t('provider.datasets.register')}
            </a>
          </p>
        }
      >
        {t('provider.datasets.title')}
      </PageTitle>
      <label for="ds-status-filter">{t('provider.datasets.filter')}</label>{' '}
      <select id="ds-status-filter" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
        <option value="">{t('provider.datasets.all', { n: list.data?.length ?? 0 })}</option>
        {STATUSES.map((s) => (
          <option key={s} value={s}>
            {t(`provider.status.${s}`)} ({list.data?.filter((d) => d.status === s).length ?? 0})
          </option>
        ))}
      </select>
      <ErrorNote error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && items.length === 0 && <p class="muted">{t('provider.datasets.none')}</p>}
      {items.length > 0 && (
        <DataTable
          caption={t('provider.datasets.title')}
          columns={[
            t('provider.datasets.name'),
            t('provider.datasets.status'),
            t('provider.datasets.openness'),
            t('provider.datasets.rows'),
            t('provider.datasets.updated'),
            t('provider.datasets.timeliness'),
          ]}
          numeric={[false, false, false, true, false, false]}
          rows={items.map((d) => [
            <a key="a" href={`/provider/datasets/${d.id}`}>
              {pick(d.title, d.titleEn)}
            </a>,
            <Badge
              key="s"
              kind={d.status === 'published' ? 'open' : d.status === 'retired' ? 'closed' : undefined}
            >
              {t(`provider.status.${d.status}`)}
            </Badge>,
            t(`openness.${d.openness}`),
            fmtNumber(d.rowCount),
            fmtDateTime(d.updatedAt),
            <Timeliness key="t" d={d} />,
          ])}
        />
      )}
    </section>
  );
}

/** Registering a new entry: the editor, then its page. */
export function NewDataset() {
  useLang();
  const { route } = useLocation();
  const [draft, setDraft] = useState<TDatasetDraft>(emptyDraft);
  const save = useAction(async () => {
    const created = await api<TDataset>('POST', '/v1/datasets', draftToBody(draft, true));
    route(`/provider/datasets/${created.id}?created=1`);
  });
  return (
    <section>
      <PageTitle sub={<p class="muted">{t('provider.editor.lead')}</p>}>
        {t('provider.editor.newTitle')}
      </PageTitle>
      <SchemaEditor
        draft={draft}
        onChange={setDraft}
        isNew
        onSave={save.go}
        pending={save.pending}
        error={save.error}
      />
    </section>
  );
}

const TABS = ['overview', 'edit', 'upload', 'feedback'] as const;

/** One own entry: its state and what can be done with it now. */
export function MyDataset() {
  useLang();
  const { params, query } = useRoute();
  const id = params.id!;
  const [tab, setTab] = useState<(typeof TABS)[number]>(query.created ? 'upload' : 'overview');
  const ds = useLoad(
    (signal) => api<TDataset>('GET', `/v1/datasets/${encodeURIComponent(id)}`, undefined, { signal }),
    [id],
  );
  const [draft, setDraft] = useState<TDatasetDraft | null>(null);
  const [saved, setSaved] = useState(false);
  // The form starts from the entry as the API holds it, and again after each save.
  useEffect(() => {
    if (ds.data) setDraft(draftFromDataset(ds.data));
  }, [ds.data]);
  const save = useAction(async () => {
    await api<TDataset>('PATCH', `/v1/datasets/${id}`, draftToBody(draft!, false));
    setSaved(true);
    ds.reload();
  });
  const submit = useAction(async () => {
    await api<TDataset>('POST', `/v1/datasets/${id}/submit`);
    ds.reload();
  });
  if (ds.error) return <ErrorNote error={ds.error} />;
  const d = ds.data;
  if (!d) return <Loading />;
  const tabs = TABS.filter((x) => x !== 'edit' || d.status === 'draft').filter(
    (x) => x !== 'upload' || d.status !== 'retired',
  );
  const current = tabs.includes(tab) ? tab : 'overview';
  return (
    <article>
      <PageTitle
        sub={
          <p>
            <Badge>{t(`provider.status.${d.status}`)}</Badge>{' '}
            <Badge kind={d.openness}>{t(`openness.${d.openness}`)}</Badge> <Timeliness d={d} />
          </p>
        }
      >
        {pick(d.title, d.titleEn)}
      </PageTitle>
      {query.created && (
        <p class="note ok" role="status">
          {t('provider.datasets.created')}
        </p>
      )}
      {d.reviewNote && d.status === 'draft' && (
        <p class="note">
          {t('provider.datasets.reviewNote')}: {d.reviewNote}
        </p>
      )}
      {d.status === 'draft' && (
        <div class="row">
          <Button onClick={submit.go} pending={submit.pending}>
            {t('provider.datasets.submit')}
          </Button>
          <span class="muted small">{t('provider.datasets.submitHint')}</span>
        </div>
      )}
      {d.status === 'submitted' && (
        <p class="note" role="status">
          {t('provider.datasets.waiting')}
        </p>
      )}
      <ErrorNote error={submit.error} />
      <div role="tablist" aria-label={t('provider.datasets.sections')} class="tabs">
        {tabs.map((x) => (
          <button
            type="button"
            role="tab"
            key={x}
            id={`ptab-${x}`}
            aria-selected={current === x ? 'true' : 'false'}
            aria-controls={`ppanel-${x}`}
            onClick={() => setTab(x)}
          >
            {t(`provider.datasets.tab.${x}`)}
          </button>
        ))}
      </div>
      <section role="tabpanel" id={`ppanel-${current}`} aria-labelledby={`ptab-${current}`}>
        {current === 'overview' && <Overview d={d} />}
        {current === 'edit' && draft && (
          <>
            {saved && !save.error && (
              <p class="note ok" role="status">
                {t('provider.editor.saved')}
              </p>
            )}
            <SchemaEditor
              draft={draft}
              onChange={(x) => {
                setSaved(false);
                setDraft(x);
              }}
              isNew={false}
              onSave={save.go}
              pending={save.pending}
              error={save.error}
            />
          </>
        )}
        {current === 'upload' && <Upload datasetId={d.id} onDone={ds.reload} />}
        {current === 'feedback' && <FeedbackList dataset={d} />}
      </section>
    </article>
  );
}

function Overview({ d }: { d: TDataset }) {
  return (
    <>
      <p class="prose">{pick(d.description, d.descriptionEn)}</p>
      <dl class="facts">
        <dt>{t('provider.datasets.slug')}</dt>
        <dd>
          <code>{d.slug}</code>
          {d.status === 'published' && (
            <>
              {' '}
              <a href={`/datasets/${d.slug}`}>{t('provider.datasets.publicPage')}</a>
            </>
          )}
        </dd>
        <dt>{t('dataset.frequency')}</dt>
        <dd>{t(`frequency.${d.updateFrequency}`)}</dd>
        <dt>{t('catalogue.facet.sharing')}</dt>
        <dd>
          {t(`sharing.${d.sharing}`)}
          {d.sharingBasis ? ` — ${d.sharingBasis}` : ''}
        </dd>
        <dt>{t('dataset.rows')}</dt>
        <dd>{fmtNumber(d.rowCount)}</dd>
        <dt>{t('provider.datasets.version')}</dt>
        <dd>{d.currentVersion ?? '—'}</dd>
        <dt>{t('dataset.lastData')}</dt>
        <dd>{fmtDateTime(d.timeliness.lastDataAt)}</dd>
        <dt>{t('provider.datasets.registered')}</dt>
        <dd>{fmtDateTime(d.createdAt)}</dd>
      </dl>
      <DataTable
        caption={t('dataset.tab.schema')}
        columns={[
          t('schema.name'),
          t('schema.type'),
          t('schema.sensitivity'),
          t('provider.datasets.constraints'),
        ]}
        rows={d.columns.map((c) => [
          c.name,
          t(`type.${c.type}`) + (c.nullable ? ` (${t('schema.nullable')})` : ''),
          t(`sensitivity.${c.sensitivity}`),
          [
            c.codes ? t('provider.datasets.codes', { n: c.codes.length }) : '',
            c.min !== undefined || c.max !== undefined ? `${c.min ?? '−∞'} … ${c.max ?? '∞'}` : '',
            ...(c.rules ?? []).map((r) => `${t(`provider.rule.${r.kind}`)} (${t(`quality.${r.severity}`)})`),
          ]
            .filter(Boolean)
            .join('；'),
        ])}
      />
    </>
  );
}
