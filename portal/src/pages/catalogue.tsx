import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { PageTitle } from '../components/layout.tsx';
import { Badge, ErrorNote, Loading, useLoad } from '../components/ui.tsx';
import { api, qs } from '../lib/api.ts';
import { fmtDate, fmtNumber, pick, t, useLang } from '../lib/i18n.ts';
import type { TDataset, TDatasetPage, TFacet } from '../lib/types.ts';

const FACETS = ['theme', 'openness', 'sharing', 'classification', 'provider'] as const;
const PAGE = 20;

/** The catalogue (一本账): keyword search with facets; the state lives in the address. */
export function Catalogue() {
  useLang();
  const { query, route } = useLocation();
  const offset = Number(query.offset ?? 0) || 0;
  const [q, setQ] = useState(query.q ?? '');
  const params = { q: query.q, offset, limit: PAGE, ...Object.fromEntries(FACETS.map((f) => [f, query[f]])) };
  const { data, error, loading } = useLoad(
    (signal) => api<TDatasetPage>('GET', `/v1/datasets${qs(params)}`, undefined, { signal }),
    [JSON.stringify(params)],
  );
  const go = (change: Record<string, string | number | undefined>) =>
    route(`/${qs({ ...query, offset: undefined, ...change })}`);

  return (
    <div class="with-side">
      <PageTitle sub={<p class="muted">{t('catalogue.lead')}</p>}>{t('catalogue.title')}</PageTitle>
      {/* biome-ignore lint/a11y/useSemanticElements: the search element is too new for some readers */}
      <form
        role="search"
        class="search"
        onSubmit={(e) => {
          e.preventDefault();
          go({ q: q.trim() || undefined });
        }}
      >
        <label for="catalogue-q" class="sr-only">
          {t('catalogue.searchLabel')}
        </label>
        <input
          id="catalogue-q"
          type="search"
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
          placeholder={t('catalogue.searchPlaceholder')}
        />
        <button type="submit">{t('catalogue.search')}</button>
      </form>
      <aside class="facets" aria-label={t('catalogue.facets')}>
        {data &&
          FACETS.map((f) => (
            <FacetList
              key={f}
              name={f}
              items={data.facets[f]}
              selected={query[f]}
              onPick={(v) => go({ [f]: v })}
            />
          ))}
      </aside>
      <section class="results" aria-live="polite" aria-busy={loading ? 'true' : 'false'}>
        <ErrorNote error={error} />
        {!data && loading && <Loading />}
        {data && (
          <>
            <p class="muted" id="result-count">
              {t('catalogue.found', { count: data.page.total, n: fmtNumber(data.page.total) })}
            </p>
            <ul class="cards">
              {data.items.map((d) => (
                <DatasetCard key={d.id} d={d} />
              ))}
            </ul>
            <nav class="pager" aria-label={t('common.pages')}>
              {offset > 0 && (
                <a href={`/${qs({ ...query, offset: Math.max(0, offset - PAGE) || undefined })}`}>
                  {t('common.previous')}
                </a>
              )}
              {offset + PAGE < data.page.total && (
                <a href={`/${qs({ ...query, offset: offset + PAGE })}`}>{t('common.next')}</a>
              )}
            </nav>
          </>
        )}
      </section>
    </div>
  );
}

function FacetList(props: {
  name: string;
  items: TFacet[];
  selected?: string;
  onPick: (v?: string) => void;
}) {
  if (props.items.length === 0) return null;
  const label = (f: TFacet) =>
    props.name === 'provider'
      ? pick(f.name ?? f.value, f.nameEn)
      : props.name === 'classification'
        ? t('classification.level', { n: f.value })
        : t(`${props.name}.${f.value}`);
  return (
    <fieldset class="facet">
      <legend>{t(`catalogue.facet.${props.name}`)}</legend>
      <ul>
        {props.selected && (
          <li>
            <button type="button" class="link" onClick={() => props.onPick(undefined)}>
              {t('catalogue.any')}
            </button>
          </li>
        )}
        {props.items.map((f) => (
          <li key={f.value}>
            <button
              type="button"
              class="link"
              aria-pressed={props.selected === f.value ? 'true' : 'false'}
              onClick={() => props.onPick(props.selected === f.value ? undefined : f.value)}
            >
              {label(f)} <span class="muted">({fmtNumber(f.count)})</span>
            </button>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}

export function DatasetCard({ d }: { d: TDataset }) {
  return (
    <li class="card">
      <h2>
        <a href={`/datasets/${d.slug}`}>{pick(d.title, d.titleEn)}</a>
      </h2>
      <p class="muted small">
        {pick(d.providerName, d.providerNameEn)} · {t(`theme.${d.theme}`)} · {t('catalogue.published')}{' '}
        {fmtDate(d.publishedAt)}
      </p>
      <p class="clamp">{pick(d.description, d.descriptionEn)}</p>
      <p>
        <Badge kind={d.openness}>{t(`openness.${d.openness}`)}</Badge>{' '}
        <Badge>{t(`sharing.${d.sharing}`)}</Badge>{' '}
        <Badge>{t('classification.level', { n: d.classification })}</Badge>
        {d.timeliness.isDataOverdue && <Badge kind="warn">{t('catalogue.overdue')}</Badge>}
      </p>
    </li>
  );
}
