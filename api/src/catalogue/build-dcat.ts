import { eq } from 'drizzle-orm';
import { datasets, orgs } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';

const FREQUENCY: Record<string, string> = {
  realtime: 'CONT',
  daily: 'DAILY',
  weekly: 'WEEKLY',
  monthly: 'MONTHLY',
  quarterly: 'QUARTERLY',
  yearly: 'ANNUAL',
  irregular: 'IRREG',
  once: 'NEVER',
};
const EU = 'http://publications.europa.eu/resource/authority';
const ACCESS: Record<string, string> = { open: 'PUBLIC', conditional: 'RESTRICTED', closed: 'NON_PUBLIC' };

const CONTEXT = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  /** Terms of our own: the sharing attribute (共享属性) between government departments. */
  enclave: 'urn:enclave:ns:',
  'dct:issued': { '@type': 'xsd:dateTime' },
  'dct:modified': { '@type': 'xsd:dateTime' },
  'dcat:accessURL': { '@type': '@id' },
  'dcat:downloadURL': { '@type': '@id' },
  'dcat:landingPage': { '@type': '@id' },
};

const lang = (zh: string, en: string | null) => [
  { '@value': zh, '@language': 'zh' },
  ...(en ? [{ '@value': en, '@language': 'en' }] : []),
];

/** The published catalogue as DCAT 2 in JSON-LD, restricted entries included (metadata only). */
export async function buildDcat(deps: Deps) {
  const base = deps.settings.publicUrl;
  const rows = await deps.db
    .select({ d: datasets, orgName: orgs.name, orgNameEn: orgs.nameEn })
    .from(datasets)
    .innerJoin(orgs, eq(orgs.id, datasets.providerOrgId))
    .where(eq(datasets.status, 'published'))
    .orderBy(datasets.slug);
  return {
    '@context': CONTEXT,
    '@id': `${base}/v1/catalog.jsonld`,
    '@type': 'dcat:Catalog',
    'dct:title': lang('公共数据资源目录', 'Public data catalogue'),
    'dct:publisher': { '@type': 'foaf:Agent', 'foaf:name': '数据主管部门' },
    'dcat:dataset': rows.map(({ d, orgName, orgNameEn }) => {
      const page = `${base}/v1/datasets/${d.id}`;
      const distributions =
        d.openness === 'open'
          ? (['csv', 'ndjson'] as const).map((f) => ({
              '@id': `${page}#${f}`,
              '@type': 'dcat:Distribution',
              'dct:title': f.toUpperCase(),
              'dcat:accessURL': `${base}/v1/open/${d.id}/rows`,
              'dcat:downloadURL': `${base}/v1/open/${d.id}/download?format=${f}`,
              'dcat:mediaType': {
                '@id': `https://www.iana.org/assignments/media-types/${f === 'csv' ? 'text/csv' : 'application/x-ndjson'}`,
              },
              'dct:format': { '@id': `${EU}/file-type/${f === 'csv' ? 'CSV' : 'JSON'}` },
              'dct:license': { '@id': licenseIri(d.license) },
            }))
          : [
              {
                '@id': `${page}#licensed`,
                '@type': 'dcat:Distribution',
                'dct:title':
                  d.openness === 'conditional' ? '授权运营 (licensed access)' : '不予开放 (not open)',
                'dcat:accessURL': page,
                'dct:license': { '@id': licenseIri(d.license) },
                'dct:accessRights': { '@id': `${EU}/access-right/${ACCESS[d.openness]}` },
              },
            ];
      return {
        '@id': page,
        '@type': 'dcat:Dataset',
        'dct:identifier': d.slug,
        'dct:title': lang(d.title, d.titleEn),
        'dct:description': lang(d.description, d.descriptionEn),
        'dct:publisher': {
          '@id': `${base}/v1/orgs/${d.providerOrgId}`,
          '@type': 'foaf:Organization',
          'foaf:name': lang(orgName, orgNameEn),
        },
        'dcat:theme': { '@id': `${base}/v1/themes/${d.theme}` },
        'dcat:keyword': d.tags,
        'dct:license': { '@id': licenseIri(d.license) },
        'dct:accessRights': { '@id': `${EU}/access-right/${ACCESS[d.openness]}` },
        'enclave:sharing': { '@id': `urn:enclave:sharing:${d.sharing}` },
        ...(d.sharingBasis ? { 'enclave:sharingBasis': d.sharingBasis } : {}),
        'dct:accrualPeriodicity': { '@id': `${EU}/frequency/${FREQUENCY[d.updateFrequency]}` },
        'dct:issued': d.publishedAt?.toISOString(),
        'dct:modified': d.updatedAt.toISOString(),
        'dcat:landingPage': page,
        'dcat:distribution': distributions,
      };
    }),
  };
}

const SPDX = /^[A-Za-z0-9.+-]+$/;
function licenseIri(license: string): string {
  if (/^https?:\/\//.test(license)) return license;
  return SPDX.test(license)
    ? `https://spdx.org/licenses/${license}`
    : `urn:enclave:license:${encodeURIComponent(license)}`;
}
