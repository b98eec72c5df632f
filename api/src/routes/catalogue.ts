import { z } from '@hono/zod-openapi';
import { buildDcat } from '../catalogue/build-dcat.ts';
import { changeDatasetStatus } from '../catalogue/change-dataset-status.ts';
import { listChangeNotices, recordChangeNotice, type TChangeNoticeRow } from '../catalogue/change-notices.ts';
import { createDataset } from '../catalogue/create-dataset.ts';
import { THEMES, ZCreateDatasetBody, ZUpdateDatasetBody } from '../catalogue/dataset-input.ts';
import { datasetIdOf, ZDatasetParam } from '../catalogue/dataset-ref.ts';
import { ZColumn } from '../catalogue/dataset-schema.ts';
import { answerFeedback, fileFeedback, listFeedback } from '../catalogue/feedback.ts';
import { getVisibleDataset, providerNames, type TDatasetRow } from '../catalogue/get-dataset.ts';
import { listVersions } from '../catalogue/list-versions.ts';
import { SEARCH_MAX_LIMIT, searchDatasets } from '../catalogue/search-datasets.ts';
import { datasetTimeliness, TIMELINESS_WORKING_DAYS, type TTimeliness } from '../catalogue/timeliness.ts';
import { updateDataset } from '../catalogue/update-dataset.ts';
import { DATASET_STATUSES, type datasetFeedback, OPENNESS, SHARING } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { actorOf, defineRoute } from '../http/access.ts';
import type { App } from '../http/env.ts';
import { isoOrNull, jsonBody, jsonResponse, problems, registerRawRoute, ZIdParam } from '../http/openapi.ts';

const ZTimeliness = z
  .object({
    lastDataAt: z.string().nullable().openapi({ description: 'When the last data was committed' }),
    dataDueAt: z
      .string()
      .nullable()
      .openapi({
        description: `A published entry's data is due one working day after its update frequency's period (realtime and daily 1 day, weekly 7 days, monthly 1 month, quarterly 3 months, yearly 12 months) from its last data or its publication, whichever is later; any entry's first data within ${TIMELINESS_WORKING_DAYS} working days of publication. Irregular and once: only the first data is due.`,
      }),
    isDataOverdue: z.boolean(),
    openChangeNotices: z
      .number()
      .int()
      .openapi({ description: 'Change notices not yet followed by a revision' }),
    changeDueAt: z
      .string()
      .nullable()
      .openapi({ description: 'The earliest deadline of the open change notices' }),
    isChangeOverdue: z.boolean(),
    registrationDueAt: z
      .string()
      .nullable()
      .openapi({
        description: `An unpublished entry is due to be published within ${TIMELINESS_WORKING_DAYS} working days of its registration`,
      }),
    isRegistrationOverdue: z.boolean(),
  })
  .openapi('Timeliness');

export const ZDataset = z
  .object({
    id: z.string(),
    slug: z.string(),
    title: z.string(),
    titleEn: z.string().nullable(),
    description: z.string(),
    descriptionEn: z.string().nullable(),
    providerOrgId: z.string(),
    providerName: z.string(),
    providerNameEn: z.string().nullable(),
    theme: z.string(),
    tags: z.array(z.string()),
    updateFrequency: z.string(),
    license: z.string(),
    classification: z.number().int(),
    openness: z.enum(OPENNESS),
    sharing: z.enum(SHARING),
    sharingBasis: z.string().nullable(),
    columns: z.array(ZColumn),
    status: z.enum(DATASET_STATUSES),
    reviewNote: z.string().nullable(),
    currentVersion: z.number().int().nullable(),
    rowCount: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    publishedAt: z.string().nullable(),
    retiredAt: z.string().nullable(),
    timeliness: ZTimeliness,
  })
  .openapi('Dataset');

export function datasetOut(
  d: TDatasetRow,
  timeliness: TTimeliness,
  provider: { name: string; nameEn: string | null },
): z.infer<typeof ZDataset> {
  return {
    id: d.id,
    slug: d.slug,
    title: d.title,
    titleEn: d.titleEn,
    description: d.description,
    descriptionEn: d.descriptionEn,
    providerOrgId: d.providerOrgId,
    providerName: provider.name,
    providerNameEn: provider.nameEn,
    theme: d.theme,
    tags: d.tags,
    updateFrequency: d.updateFrequency,
    license: d.license,
    classification: d.classification,
    openness: d.openness,
    sharing: d.sharing,
    sharingBasis: d.sharingBasis,
    columns: d.columns,
    status: d.status,
    reviewNote: d.reviewNote,
    currentVersion: d.currentVersion,
    rowCount: d.rowCount,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    publishedAt: isoOrNull(d.publishedAt),
    retiredAt: isoOrNull(d.retiredAt),
    timeliness: {
      lastDataAt: isoOrNull(timeliness.lastDataAt),
      dataDueAt: isoOrNull(timeliness.dataDueAt),
      isDataOverdue: timeliness.isDataOverdue,
      openChangeNotices: timeliness.openChangeNotices,
      changeDueAt: isoOrNull(timeliness.changeDueAt),
      isChangeOverdue: timeliness.isChangeOverdue,
      registrationDueAt: isoOrNull(timeliness.registrationDueAt),
      isRegistrationOverdue: timeliness.isRegistrationOverdue,
    },
  };
}

/** Entries as the API shows them, with their timeliness now (one query for all of them). */
async function datasetsOut(deps: Deps, rows: TDatasetRow[]) {
  const [timeliness, byId] = await Promise.all([
    datasetTimeliness(
      deps.db,
      rows.map((d) => d.id),
      deps.clock.now(),
    ),
    providerNames(
      deps.db,
      rows.map((d) => d.providerOrgId),
    ),
  ]);
  return rows.map((d) =>
    datasetOut(
      d,
      timeliness.get(d.id)!,
      byId.get(d.providerOrgId) ?? { name: d.providerOrgId, nameEn: null },
    ),
  );
}
const oneOut = async (deps: Deps, row: TDatasetRow) => (await datasetsOut(deps, [row]))[0]!;

const ZSearchQuery = z.strictObject({
  q: z.string().trim().max(200).optional(),
  theme: z.enum(THEMES).optional(),
  openness: z.enum(OPENNESS).optional(),
  sharing: z.enum(SHARING).optional(),
  provider: z.string().max(64).optional(),
  tag: z.string().max(40).optional(),
  classification: z.coerce.number().int().min(1).max(4).optional(),
  status: z.enum(DATASET_STATUSES).optional(),
  overdue: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .openapi({
      description:
        'Only entries overdue in some way (data, a change notice, registration), or only those that are not',
    }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(SEARCH_MAX_LIMIT)
    .default(20)
    .openapi({ description: `Page size, at most ${SEARCH_MAX_LIMIT}` }),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

const ZDatasetPage = z
  .object({
    items: z.array(ZDataset),
    page: z.object({ limit: z.number(), maxLimit: z.number(), offset: z.number(), total: z.number() }),
    facets: z
      .record(
        z.enum(['theme', 'openness', 'sharing', 'provider', 'classification']),
        z.array(
          z.object({
            value: z.string(),
            count: z.number().int(),
            name: z.string().optional(),
            nameEn: z.string().nullable().optional(),
          }),
        ),
      )
      .openapi({
        description:
          'Entries per value of each facet, counted under every filter but that facet’s own (providers with their names)',
      }),
  })
  .openapi('DatasetPage');

const ZVersion = z
  .object({
    version: z.number().int(),
    mode: z.enum(['append', 'replace']),
    format: z.enum(['csv', 'ndjson']),
    rowCount: z.number().int(),
    addedRows: z.number().int(),
    digest: z.string().nullable(),
    committedAt: z.string().nullable(),
  })
  .openapi('DatasetVersion');

const ZReviewBody = z
  .discriminatedUnion('decision', [
    z.strictObject({ decision: z.literal('approve'), reason: z.string().trim().max(2000).optional() }),
    z.strictObject({ decision: z.literal('reject'), reason: z.string().trim().min(1).max(2000) }),
  ])
  .openapi('ReviewBody');
const ZRetireBody = z.strictObject({ reason: z.string().trim().max(2000).optional() }).openapi('RetireBody');

const ZFeedbackBody = z
  .strictObject({
    kind: z.enum(['error', 'objection', 'request', 'other']),
    body: z.string().trim().min(1).max(5000),
    contact: z.string().trim().max(200).optional(),
  })
  .openapi('FeedbackBody');
const ZFeedback = z
  .object({
    id: z.string(),
    datasetId: z.string(),
    kind: z.string(),
    body: z.string(),
    contact: z.string().nullable(),
    status: z.enum(['open', 'answered']),
    answer: z.string().nullable(),
    createdAt: z.string(),
    answeredAt: z.string().nullable(),
  })
  .openapi('Feedback');
const feedbackOut = (f: typeof datasetFeedback.$inferSelect) => ({
  id: f.id,
  datasetId: f.datasetId,
  kind: f.kind,
  body: f.body,
  contact: f.contact,
  status: f.status,
  answer: f.answer,
  createdAt: f.createdAt.toISOString(),
  answeredAt: isoOrNull(f.answeredAt),
});

const ZChangeNoticeBody = z
  .strictObject({
    what: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .openapi({ description: 'What changed in the duties or the catalogue information' }),
  })
  .openapi('ChangeNoticeBody');
const ZChangeNotice = z
  .object({
    id: z.string(),
    datasetId: z.string(),
    what: z.string(),
    recordedAt: z.string(),
    dueAt: z.string().openapi({
      description: `${TIMELINESS_WORKING_DAYS} working days after the notice, official calendar`,
    }),
    isDueOfficial: z.boolean(),
    followedAt: z.string().nullable().openapi({ description: 'When a revision of the entry followed it' }),
    isOverdue: z.boolean(),
  })
  .openapi('ChangeNotice');
const changeNoticeOut = (n: TChangeNoticeRow, at: Date) => ({
  id: n.id,
  datasetId: n.datasetId,
  what: n.what,
  recordedAt: n.recordedAt.toISOString(),
  dueAt: n.dueAt.toISOString(),
  isDueOfficial: n.isDueOfficial,
  followedAt: isoOrNull(n.followedAt),
  isOverdue: n.followedAt === null && at > n.dueAt,
});

const ok = (description: string) => ({ 200: jsonResponse(ZDataset, description), ...problems });

export function registerCatalogueRoutes(app: App, deps: Deps) {
  app.openapi(
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/datasets',
      tags: ['catalogue'],
      summary: 'Search the catalogue (一本账)',
      description: `Keyword search over titles, descriptions and tags in Chinese and English (substring), with filters. Published entries by default; drafts and submissions only for their provider and the admin. At most ${SEARCH_MAX_LIMIT} per page.`,
      request: { query: ZSearchQuery },
      responses: { 200: jsonResponse(ZDatasetPage, 'A page of entries'), ...problems },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const { items, total, facets } = await searchDatasets(deps, c.get('actor'), query);
      return c.json(
        {
          items: await datasetsOut(deps, items),
          facets,
          page: { limit: query.limit, maxLimit: SEARCH_MAX_LIMIT, offset: query.offset, total },
        },
        200,
      );
    },
  );

  app.openapi(
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/datasets/{id}/versions',
      tags: ['catalogue'],
      summary: 'Versions of an entry’s data',
      description:
        'Committed versions, newest first (at most 500): how each was made (append or replace), its rows in all and added, and the SHA-256 of the uploaded file. Visible to whoever may see the entry.',
      request: { params: ZDatasetParam },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZVersion) }), 'The versions'),
        ...problems,
      },
    }),
    async (c) => {
      const id = await datasetIdOf(deps.db, c.req.valid('param').id);
      return c.json({ items: await listVersions(deps, c.get('actor'), id) }, 200);
    },
  );

  app.openapi(
    defineRoute(['provider'], {
      method: 'post',
      path: '/v1/datasets',
      tags: ['catalogue'],
      summary: 'Register a dataset as a draft (provider)',
      description:
        'A catalogue entry (一本账) with its schema: columns with types, sensitivity, bounds and code lists, openness and classification. It stays a draft, visible to its provider and the admin, until submitted and approved. The slug is unique and names the dataset in paths and sandbox scripts.',
      request: { body: jsonBody(ZCreateDatasetBody) },
      responses: { 201: jsonResponse(ZDataset, 'The new draft'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      const row = await createDataset(deps, actor, c.req.valid('json'), c.get('requestId'));
      return c.json(await oneOut(deps, row), 201);
    },
  );

  app.openapi(
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/datasets/{id}',
      tags: ['catalogue'],
      summary: 'A catalogue entry',
      description:
        'By id or slug. Published entries for anyone; drafts and submissions only for their provider and the admin (others get 404).',
      request: { params: ZDatasetParam },
      responses: ok('The entry'),
    }),
    async (c) =>
      c.json(
        await oneOut(
          deps,
          await getVisibleDataset(
            deps.db,
            c.get('actor'),
            await datasetIdOf(deps.db, c.req.valid('param').id),
          ),
        ),
        200,
      ),
  );

  app.openapi(
    defineRoute(['provider'], {
      method: 'patch',
      path: '/v1/datasets/{id}',
      tags: ['catalogue'],
      summary: 'Edit a draft, or revise a published entry (provider)',
      description:
        'Fields of a draft (a rejected submission is a draft again). The slug cannot change. On a published entry only the descriptive metadata can be revised (title, titleEn, description, descriptionEn, theme, tags, updateFrequency, license; 409 for any other field): the revision is on the log with the fields it changed and follows every open change notice.',
      request: { params: ZDatasetParam, body: jsonBody(ZUpdateDatasetBody) },
      responses: ok('The edited draft or revised entry'),
    }),
    async (c) => {
      const actor = actorOf(c);
      const row = await updateDataset(
        deps,
        actor,
        await datasetIdOf(deps.db, c.req.valid('param').id),
        c.req.valid('json'),
        c.get('requestId'),
      );
      return c.json(await oneOut(deps, row), 200);
    },
  );

  app.openapi(
    defineRoute(['provider'], {
      method: 'post',
      path: '/v1/datasets/{id}/submit',
      tags: ['catalogue'],
      summary: 'Submit a draft for review (provider)',
      description: 'Draft → submitted: the admin reviews it. 409 from any other state.',
      request: { params: ZDatasetParam },
      responses: ok('Submitted'),
    }),
    async (c) => {
      const actor = actorOf(c);
      const row = await changeDatasetStatus(
        deps,
        actor,
        await datasetIdOf(deps.db, c.req.valid('param').id),
        { action: 'submit' },
        c.get('requestId'),
      );
      return c.json(await oneOut(deps, row), 200);
    },
  );

  app.openapi(
    defineRoute(['admin'], {
      method: 'post',
      path: '/v1/datasets/{id}/review',
      tags: ['catalogue'],
      summary: 'Approve (publish) or reject a submission with a reason (admin)',
      description:
        'Submitted → published (`approve`) or back to draft (`reject`, with a reason the provider sees). Logged with the reason.',
      request: { params: ZDatasetParam, body: jsonBody(ZReviewBody) },
      responses: ok('Published, or back to draft'),
    }),
    async (c) => {
      const actor = actorOf(c);
      const body = c.req.valid('json');
      const change =
        body.decision === 'approve'
          ? ({ action: 'approve', reason: body.reason } as const)
          : ({ action: 'reject', reason: body.reason } as const);
      const row = await changeDatasetStatus(
        deps,
        actor,
        await datasetIdOf(deps.db, c.req.valid('param').id),
        change,
        c.get('requestId'),
      );
      return c.json(await oneOut(deps, row), 200);
    },
  );

  app.openapi(
    defineRoute(['provider', 'admin'], {
      method: 'post',
      path: '/v1/datasets/{id}/retire',
      tags: ['catalogue'],
      summary: 'Retire a published dataset (provider, admin)',
      description:
        'Published → retired: it leaves the published catalogue and the open-data API. Not undone.',
      request: { params: ZDatasetParam, body: jsonBody(ZRetireBody) },
      responses: ok('Retired'),
    }),
    async (c) => {
      const actor = actorOf(c);
      const { reason } = c.req.valid('json');
      const row = await changeDatasetStatus(
        deps,
        actor,
        await datasetIdOf(deps.db, c.req.valid('param').id),
        { action: 'retire', reason },
        c.get('requestId'),
      );
      return c.json(await oneOut(deps, row), 200);
    },
  );

  app.openapi(
    defineRoute(['provider', 'admin'], {
      method: 'post',
      path: '/v1/datasets/{id}/change-notices',
      tags: ['catalogue'],
      summary: 'Record a change in a published entry’s duties or catalogue information (provider, admin)',
      description: `职责或目录信息发生变化: the holding department (or the authority) records it, and the entry is due to be revised (\`PATCH /v1/datasets/{id}\`) within ${TIMELINESS_WORKING_DAYS} working days; past that, it is flagged overdue until a revision follows. Only a published entry; another org's dataset is 404.`,
      request: { params: ZDatasetParam, body: jsonBody(ZChangeNoticeBody) },
      responses: { 201: jsonResponse(ZChangeNotice, 'Recorded'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      const row = await recordChangeNotice(
        deps,
        actor,
        await datasetIdOf(deps.db, c.req.valid('param').id),
        c.req.valid('json').what,
        c.get('requestId'),
      );
      return c.json(changeNoticeOut(row, deps.clock.now()), 201);
    },
  );

  app.openapi(
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/datasets/{id}/change-notices',
      tags: ['catalogue'],
      summary: 'Change notices on an entry, followed or not',
      description: 'For whoever may see the entry, oldest first.',
      request: { params: ZDatasetParam },
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZChangeNotice) }), 'Change notices'),
        ...problems,
      },
    }),
    async (c) => {
      const rows = await listChangeNotices(
        deps,
        c.get('actor'),
        await datasetIdOf(deps.db, c.req.valid('param').id),
      );
      const at = deps.clock.now();
      return c.json({ items: rows.map((n) => changeNoticeOut(n, at)) }, 200);
    },
  );

  app.openapi(
    defineRoute('anyone', {
      method: 'post',
      path: '/v1/datasets/{id}/feedback',
      tags: ['catalogue'],
      summary: 'File feedback on a dataset (异议反馈); anyone',
      description:
        'An error report, objection or request on a published dataset, with an optional contact that only the provider sees. Anyone may file it, without a token.',
      request: { params: ZDatasetParam, body: jsonBody(ZFeedbackBody) },
      responses: { 201: jsonResponse(ZFeedback, 'Filed'), ...problems },
    }),
    async (c) => {
      const row = await fileFeedback(
        deps,
        c.get('actor'),
        await datasetIdOf(deps.db, c.req.valid('param').id),
        c.req.valid('json'),
        c.get('requestId'),
      );
      return c.json(feedbackOut(row), 201);
    },
  );

  app.openapi(
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/datasets/{id}/feedback',
      tags: ['catalogue'],
      summary: 'Feedback on a dataset: all of it for its provider, answered items for others',
      description: 'Its provider and the admin see everything; others see answered items without contacts.',
      request: { params: ZDatasetParam },
      responses: { 200: jsonResponse(z.object({ items: z.array(ZFeedback) }), 'Feedback'), ...problems },
    }),
    async (c) => {
      const rows = await listFeedback(
        deps,
        c.get('actor'),
        await datasetIdOf(deps.db, c.req.valid('param').id),
      );
      return c.json({ items: rows.map(feedbackOut) }, 200);
    },
  );

  app.openapi(
    defineRoute(['provider'], {
      method: 'post',
      path: '/v1/feedback/{id}/answer',
      tags: ['catalogue'],
      summary: 'Answer feedback on an own dataset (provider)',
      description: 'The provider answers feedback on its own dataset; the answer becomes public. Once only.',
      request: {
        params: ZIdParam,
        body: jsonBody(z.strictObject({ answer: z.string().trim().min(1).max(5000) }).openapi('AnswerBody')),
      },
      responses: { 200: jsonResponse(ZFeedback, 'Answered'), ...problems },
    }),
    async (c) => {
      const actor = actorOf(c);
      const row = await answerFeedback(
        deps,
        actor,
        c.req.valid('param').id,
        c.req.valid('json').answer,
        c.get('requestId'),
      );
      return c.json(feedbackOut(row), 200);
    },
  );

  registerRawRoute(
    app,
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/catalog.jsonld',
      tags: ['catalogue'],
      summary: 'The published catalogue as DCAT (JSON-LD)',
      description:
        'Every published entry as a DCAT 2 `dcat:Dataset`, open ones with CSV and NDJSON distributions, licensed ones with their access rights; links are built from `ENCLAVE_PUBLIC_URL`.',
      responses: {
        200: {
          description: 'DCAT catalogue',
          content: { 'application/ld+json': { schema: z.object({}).passthrough() } },
        },
        ...problems,
      },
    }),
    async (c) => {
      const doc = await buildDcat(deps);
      return c.body(JSON.stringify(doc), 200, { 'content-type': 'application/ld+json; charset=utf-8' });
    },
  );
}
