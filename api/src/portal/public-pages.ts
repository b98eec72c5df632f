import { en, zh } from '@enclave/portal/locales';
import { datasetIdOf } from '../catalogue/dataset-ref.ts';
import { getVisibleDataset, providerNames } from '../catalogue/get-dataset.ts';
import { searchDatasets, type TSearchInput } from '../catalogue/search-datasets.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { html, jsonLd, type THtml } from './html.ts';

export type TLang = 'zh' | 'en';
export type TPublicPage = { status: number; title: string; description: string; head: THtml; body: THtml };

const PAGE = 20;
const FACETS = ['theme', 'openness', 'sharing', 'classification', 'provider'] as const;

/** A dictionary lookup by dotted key, with `{{name}}` filled in (the portal's i18next syntax). */
function translator(lang: TLang) {
  const dict = lang === 'en' ? en : zh;
  return (key: string, vars: Record<string, string | number> = {}) => {
    let v: unknown = dict;
    for (const part of key.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
    const s = typeof v === 'string' ? v : key;
    return s.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(vars[k] ?? ''));
  };
}

const pick = (lang: TLang, zhValue: string, enValue: string | null | undefined) =>
  lang === 'en' && enValue ? enValue : zhValue;
const day = (lang: TLang, d: Date | null) =>
  d
    ? new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'zh-CN', {
        dateStyle: 'medium',
        timeZone: 'Asia/Shanghai',
      }).format(d)
    : '—';

const qs = (params: Record<string, string | number | undefined>) => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
};

/**
 * The catalogue as plain HTML for readers without script and for crawlers: the search is a GET
 * form and facets are links, so every state of the page has an address. Public entries only,
 * whoever asks (the app, once loaded, shows a signed-in person more).
 */
export async function renderCatalogue(
  deps: Deps,
  lang: TLang,
  query: Record<string, string>,
): Promise<TPublicPage> {
  const t = translator(lang);
  const input: TSearchInput = { limit: PAGE, offset: 0 };
  const q = query.q?.trim().slice(0, 200);
  if (q) input.q = q;
  const offset = Number(query.offset);
  if (Number.isInteger(offset) && offset > 0 && offset <= 100_000) input.offset = offset;
  const picked: Record<string, string> = {};
  for (const f of FACETS) {
    const v = query[f];
    if (v && v.length <= 64) picked[f] = v;
  }
  Object.assign(
    input,
    picked,
    picked.classification ? { classification: Number(picked.classification) || undefined } : {},
  );
  let result: Awaited<ReturnType<typeof searchDatasets>>;
  try {
    result = await searchDatasets(deps, null, input);
  } catch {
    result = await searchDatasets(deps, null, { limit: PAGE, offset: 0 });
  }
  const names = await providerNames(
    deps.db,
    result.items.map((d) => d.providerOrgId),
  );
  const base = { q, ...picked };
  const facetLabel = (f: string, v: { value: string; name?: string; nameEn?: string | null }) =>
    f === 'provider'
      ? pick(lang, v.name ?? v.value, v.nameEn)
      : f === 'classification'
        ? t('classification.level', { n: v.value })
        : t(`${f}.${v.value}`);
  const title = t('catalogue.title');
  const body = html`
    <h1>${title}</h1>
    <p class="muted">${t('catalogue.lead')}</p>
    <form role="search" method="get" action="/">
      <label for="q">${t('catalogue.searchLabel')}</label>
      <input id="q" name="q" type="search" value="${q ?? ''}" />
      <button type="submit">${t('catalogue.search')}</button>
    </form>
    <nav aria-label="${t('catalogue.facets')}">
      ${FACETS.map(
        (f) => html`<h2>${t(`catalogue.facet.${f}`)}</h2>
          <ul>
            ${result.facets[f].map(
              (v) =>
                html`<li><a href="/${qs({ ...base, [f]: picked[f] === v.value ? undefined : v.value })}">${facetLabel(f, v)}</a> (${v.count})</li>`,
            )}
          </ul>`,
      )}
    </nav>
    <p>${t(lang === 'en' && result.total === 1 ? 'catalogue.found_one' : 'catalogue.found_other', { n: result.total })}</p>
    <ul>
      ${result.items.map((d) => {
        const p = names.get(d.providerOrgId);
        return html`<li>
          <h2><a href="/datasets/${d.slug}">${pick(lang, d.title, d.titleEn)}</a></h2>
          <p>${p ? pick(lang, p.name, p.nameEn) : ''} · ${t(`theme.${d.theme}`)} · ${t(`openness.${d.openness}`)} · ${day(lang, d.publishedAt)}</p>
          <p>${pick(lang, d.description, d.descriptionEn)}</p>
        </li>`;
      })}
    </ul>
    <nav aria-label="${t('common.pages')}">
      ${(input.offset ?? 0) > 0 && html`<a href="/${qs({ ...base, offset: Math.max(0, input.offset - PAGE) || undefined })}">${t('common.previous')}</a>`}
      ${input.offset + PAGE < result.total && html`<a href="/${qs({ ...base, offset: input.offset + PAGE })}">${t('common.next')}</a>`}
    </nav>`;
  const url = deps.settings.publicUrl;
  const head = jsonLd({
    '@context': 'https://schema.org',
    '@type': 'DataCatalog',
    name: t('app.name'),
    url: `${url}/`,
    inLanguage: lang === 'en' ? 'en' : 'zh-CN',
    dataset: result.items.map((d) => ({
      '@type': 'Dataset',
      name: pick(lang, d.title, d.titleEn),
      url: `${url}/datasets/${d.slug}`,
    })),
  });
  return { status: 200, title, description: t('catalogue.lead'), head, body };
}

/** A dataset's public page, with schema.org `Dataset` markup for dataset search engines. */
export async function renderDataset(deps: Deps, lang: TLang, ref: string): Promise<TPublicPage> {
  const t = translator(lang);
  let d: Awaited<ReturnType<typeof getVisibleDataset>>;
  try {
    d = await getVisibleDataset(deps.db, null, await datasetIdOf(deps.db, ref));
  } catch (e) {
    if (e instanceof AppError && (e.code === 'NOT_FOUND' || e.code === 'VALIDATION_FAILED'))
      return notFoundPage(lang);
    throw e;
  }
  const provider = (await providerNames(deps.db, [d.providerOrgId])).get(d.providerOrgId);
  const providerName = provider ? pick(lang, provider.name, provider.nameEn) : '';
  const title = pick(lang, d.title, d.titleEn);
  const description = pick(lang, d.description, d.descriptionEn);
  const url = deps.settings.publicUrl;
  const isOpen = d.openness === 'open' && d.status === 'published' && d.currentVersion !== null;
  const body = html`
    <article>
      <h1>${title}</h1>
      <p>${t(`openness.${d.openness}`)} · ${t(`sharing.${d.sharing}`)} · ${t('classification.level', { n: d.classification })}</p>
      <p>${description}</p>
      <dl>
        <dt>${t('dataset.provider')}</dt><dd>${providerName}</dd>
        <dt>${t('dataset.frequency')}</dt><dd>${t(`frequency.${d.updateFrequency}`)}</dd>
        <dt>${t('dataset.license')}</dt><dd>${d.license}</dd>
        <dt>${t('dataset.rows')}</dt><dd>${d.rowCount}</dd>
        <dt>${t('dataset.published')}</dt><dd>${day(lang, d.publishedAt)}</dd>
      </dl>
      ${
        isOpen
          ? html`<p><a href="/v1/open/${d.id}/download?format=csv">${t('dataset.downloadCsv')}</a> · <a href="/v1/open/${d.id}/download?format=ndjson">${t('dataset.downloadNdjson')}</a></p>`
          : html`<p>${d.openness === 'open' ? t('dataset.noDataYet') : t(`dataset.howToUse.${d.openness}`)}</p>`
      }
      <table>
        <caption>${t('dataset.tab.schema')}</caption>
        <thead><tr><th scope="col">${t('schema.name')}</th><th scope="col">${t('schema.type')}</th><th scope="col">${t('schema.description')}</th><th scope="col">${t('schema.sensitivity')}</th></tr></thead>
        <tbody>
          ${d.columns.map(
            (c) =>
              html`<tr><td>${c.name}</td><td>${t(`type.${c.type}`)}</td><td>${c.description}${c.unit ? ` [${c.unit}]` : ''}</td><td>${t(`sensitivity.${c.sensitivity}`)}</td></tr>`,
          )}
        </tbody>
      </table>
      <p><a href="/">${t('nav.catalogue')}</a></p>
    </article>`;
  const org = { '@type': 'GovernmentOrganization', name: providerName };
  const head = jsonLd({
    '@context': 'https://schema.org',
    '@type': 'Dataset',
    '@id': `${url}/datasets/${d.slug}`,
    url: `${url}/datasets/${d.slug}`,
    identifier: d.id,
    name: title,
    alternateName: lang === 'en' ? d.title : (d.titleEn ?? undefined),
    description: description.length >= 50 ? description : `${description} — ${title}`,
    keywords: [t(`theme.${d.theme}`), ...d.tags],
    license: d.license,
    inLanguage: 'zh-CN',
    isAccessibleForFree: d.openness === 'open',
    creator: org,
    publisher: org,
    datePublished: d.publishedAt?.toISOString(),
    dateModified: d.updatedAt.toISOString(),
    variableMeasured: d.columns.map((c) => ({
      '@type': 'PropertyValue',
      name: c.name,
      description: c.description || undefined,
      unitText: c.unit,
    })),
    includedInDataCatalog: { '@type': 'DataCatalog', name: t('app.name'), url: `${url}/` },
    ...(isOpen
      ? {
          distribution: [
            {
              '@type': 'DataDownload',
              encodingFormat: 'text/csv',
              contentUrl: `${url}/v1/open/${d.id}/download?format=csv`,
            },
            {
              '@type': 'DataDownload',
              encodingFormat: 'application/x-ndjson',
              contentUrl: `${url}/v1/open/${d.id}/download?format=ndjson`,
            },
          ],
        }
      : {}),
  });
  return { status: 200, title, description: description.slice(0, 200), head, body };
}

export function notFoundPage(lang: TLang): TPublicPage {
  const t = translator(lang);
  const title = t('notFound.title');
  return {
    status: 404,
    title,
    description: t('notFound.body'),
    head: html`<meta name="robots" content="noindex" />`,
    body: html`<h1>${title}</h1><p>${t('notFound.body')}</p><p><a href="/">${t('nav.catalogue')}</a></p>`,
  };
}
