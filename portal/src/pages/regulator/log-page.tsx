import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { PageTitle } from '../../components/layout.tsx';
import { Button, DataTable, ErrorNote, Field, Form, Loading, useLoad } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { fmtDateTime, fmtNumber, t, useLang } from '../../lib/i18n.ts';
import { IntegrityPanel } from './integrity-panel.tsx';
import { ActionLabel, OutcomeBadge, roleLabel, ShortId } from './labels.tsx';
import {
  exportHref,
  filterOf,
  fromLocalInput,
  hasFilter,
  listPath,
  logHref,
  type TFilterKey,
  type TLogFilter,
  toLocalInput,
} from './log-filter.ts';
import { ACTION_CATEGORIES, KNOWN_ACTIONS } from './strings.ts';
import type { TAuditEntriesPage, TAuditEntry } from './types.ts';

const PAGE_SIZE = 50;
const TEXT_FILTERS: { key: TFilterKey; label: string }[] = [
  { key: 'actor_org', label: 'actorOrg' },
  { key: 'actor_user', label: 'actorUser' },
  { key: 'object_type', label: 'objectType' },
  { key: 'object_id', label: 'objectId' },
  { key: 'contract', label: 'contract' },
  { key: 'dataset', label: 'dataset' },
];

/** The audit log, filtered through the page's query string (so views can be linked), paged by index. */
export function LogPage() {
  useLang();
  const { query } = useLocation();
  const filter = filterOf(query);
  const after = /^\d+$/.test(query.after ?? '') ? Number(query.after) : undefined;
  const key = JSON.stringify([filter, after]);
  const page = useLoad(
    (signal) => api<TAuditEntriesPage>('GET', listPath(filter, after, PAGE_SIZE), undefined, { signal }),
    [key],
  );
  const items = page.data?.items ?? [];
  return (
    <>
      <PageTitle sub={<p class="muted">{t('regulator.log.lead')}</p>}>{t('regulator.log.title')}</PageTitle>
      <IntegrityPanel />
      <FilterForm filter={filter} />
      <ErrorNote error={page.error} />
      {page.loading && !page.data && <Loading />}
      {page.data && items.length === 0 && <p class="note">{t('regulator.log.none')}</p>}
      {items.length > 0 && (
        <>
          <p class="muted small" aria-live="polite">
            {t('regulator.log.pageInfo', {
              count: fmtNumber(items.length),
              from: items[0]!.index,
              to: items.at(-1)!.index,
            })}
          </p>
          <EntriesTable items={items} />
        </>
      )}
      <nav class="pager" aria-label={t('regulator.log.caption')}>
        {after !== undefined && <a href={logHref(filter)}>{t('regulator.log.first')}</a>}
        {page.data?.page.hasMore && page.data.page.nextAfter !== null && (
          <a href={logHref(filter, page.data.page.nextAfter)} rel="next">
            {t('regulator.log.next')}
          </a>
        )}
      </nav>
      <section aria-labelledby="export-title">
        <h2 id="export-title">{t('regulator.log.export')}</h2>
        <p class="row">
          <a class="button secondary" href={exportHref(filter, 'csv')} download="audit-log.csv">
            {t('regulator.log.exportCsv')}
          </a>
          <a class="button secondary" href={exportHref(filter, 'ndjson')} download="audit-log.ndjson">
            {t('regulator.log.exportNdjson')}
          </a>
        </p>
        <p class="muted small">{t('regulator.log.exportHint')}</p>
      </section>
    </>
  );
}

function EntriesTable({ items }: { items: TAuditEntry[] }) {
  const rows = items.map((e) => [
    <a href={`/regulator/entries/${e.index}`} aria-label={t('regulator.log.open', { index: e.index })}>
      {e.index}
    </a>,
    fmtDateTime(e.at),
    <ActionLabel code={e.action} />,
    <OutcomeBadge outcome={e.outcome} />,
    e.actor ? (
      <>
        {roleLabel(e.actor.role)}{' '}
        {e.actor.orgId && (
          <a href={logHref({ actor_org: e.actor.orgId })} title={t('regulator.log.filterOrg')}>
            <ShortId id={e.actor.orgId} />
          </a>
        )}
      </>
    ) : (
      <span class="muted">{t('regulator.log.system')}</span>
    ),
    <>
      {e.objectType} <ShortId id={e.objectId} />
    </>,
  ]);
  return (
    <DataTable
      caption={t('regulator.log.caption')}
      columns={['colIndex', 'colAt', 'colAction', 'colOutcome', 'colActor', 'colObject'].map((c) =>
        t(`regulator.log.${c}`),
      )}
      rows={rows}
      numeric={[true]}
    />
  );
}

/** The filters as a form; applying it goes to the view's address, so the browser's back button works. */
function FilterForm({ filter }: { filter: TLogFilter }) {
  const { route } = useLocation();
  const [f, setF] = useState<TLogFilter>(filter);
  const key = JSON.stringify(filter);
  useEffect(() => setF(filter), [key]);
  const set = (k: TFilterKey) => (v: string) => setF((old) => ({ ...old, [k]: v || undefined }));
  return (
    <Form class="stack" onSubmit={() => route(logHref(filterOf(f)))}>
      <fieldset class="log-filters">
        <legend class="sr-only">{t('regulator.log.filters')}</legend>
        <Field label={t('regulator.log.action')} id="filter-action">
          {(id) => (
            <select id={id} value={f.action ?? ''} onChange={(e) => set('action')(e.currentTarget.value)}>
              <option value="">{t('regulator.log.anyAction')}</option>
              {ACTION_CATEGORIES.map((cat) => (
                <optgroup key={cat} label={t(`regulator.categories.${cat}`)}>
                  <option value={`${cat}.`}>
                    {t('regulator.log.everyOf', { category: t(`regulator.categories.${cat}`) })}
                  </option>
                  {KNOWN_ACTIONS.filter((a) => a.startsWith(`${cat}.`)).map((a) => (
                    <option key={a} value={a}>
                      {t(`regulator.actions.${a}`)}
                    </option>
                  ))}
                </optgroup>
              ))}
              {f.action && !f.action.endsWith('.') && !KNOWN_ACTIONS.includes(f.action) && (
                <option value={f.action}>{f.action}</option>
              )}
            </select>
          )}
        </Field>
        <Field label={t('regulator.log.outcome')} id="filter-outcome">
          {(id) => (
            <select id={id} value={f.outcome ?? ''} onChange={(e) => set('outcome')(e.currentTarget.value)}>
              <option value="">{t('regulator.log.anyOutcome')}</option>
              {['success', 'refused', 'failed'].map((o) => (
                <option key={o} value={o}>
                  {t(`regulator.outcomes.${o}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        {TEXT_FILTERS.map(({ key: k, label }) => (
          <Field key={k} label={t(`regulator.log.${label}`)} id={`filter-${k}`}>
            {(id) => (
              <input
                id={id}
                value={f[k] ?? ''}
                maxLength={200}
                onInput={(e) => set(k)(e.currentTarget.value)}
              />
            )}
          </Field>
        ))}
        {(['from', 'to'] as const).map((k) => (
          <Field key={k} label={t(`regulator.log.${k}`)} id={`filter-${k}`}>
            {(id) => (
              <input
                id={id}
                type="datetime-local"
                step={1}
                value={toLocalInput(f[k])}
                onInput={(e) => set(k)(fromLocalInput(e.currentTarget.value) ?? '')}
              />
            )}
          </Field>
        ))}
      </fieldset>
      <div class="row">
        <Button type="submit">{t('regulator.log.apply')}</Button>
        {hasFilter(filter) && (
          <a class="button secondary" href="/regulator">
            {t('regulator.log.clear')}
          </a>
        )}
      </div>
    </Form>
  );
}
