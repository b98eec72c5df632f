import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  ALERT_ENTRIES_CAP,
  ALERT_KINDS,
  ALERT_RULES,
  ALERT_SEVERITIES,
  ALERT_SUBJECT_TYPES,
  computeAuditAlerts,
} from '../audit/compute-audit-alerts.ts';
import { AUDIT_EXPORT_FORMATS, exportAuditEntries } from '../audit/export-audit-entries.ts';
import { getAuditEntry } from '../audit/get-audit-entry.ts';
import {
  AUDIT_LIST_DEFAULT_LIMIT,
  AUDIT_LIST_MAX_LIMIT,
  listAuditEntries,
} from '../audit/list-audit-entries.ts';
import { logTamperAttempt } from '../audit/log-tamper-attempt.ts';
import { AUDIT_OUTCOMES } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, invalid } from '../errors.ts';
import { defineRoute } from '../http/access.ts';
import type { App, AppEnv } from '../http/env.ts';
import { ID_PATTERN, jsonResponse, problems, rawQuery, registerRawRoute, ZInstant } from '../http/openapi.ts';
import { problemResponse } from '../http/problem.ts';

const HOUR_MS = 3_600_000;
const ALERT_DEFAULT_WINDOW_MS = 24 * HOUR_MS;
const ALERT_MAX_WINDOW_MS = 31 * 24 * HOUR_MS;

/** A leaf index in a query string or path: digits only. */
const indexParam = (description: string) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'not a leaf index (a whole number ≥ 0)')
    .transform(Number)
    .openapi({ type: 'integer', minimum: 0, description });

const instantParam = (description: string) =>
  ZInstant.transform((s) => new Date(s)).openapi({ type: 'string', format: 'date-time', description });

const idParam = (description: string) =>
  z.string().max(64).regex(ID_PATTERN, 'not an id').openapi({ description });

/** Filters shared by the list and the export; times half-open, from ≤ at < to. */
const filterParams = {
  from: instantParam('Entries at or after this instant').optional(),
  to: instantParam('Entries before this instant').optional(),
  actor_user: idParam('Acting user').optional(),
  actor_org: idParam('Org of the acting user').optional(),
  action: z
    .string()
    .max(100)
    .regex(
      /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.?$/,
      'not an action name (e.g. contract.use) or prefix (e.g. sandbox.)',
    )
    .optional()
    .openapi({
      description:
        'Exact action, or a prefix when it ends with `.` (`sandbox.` matches every sandbox action)',
      example: 'sandbox.',
    }),
  object_type: z
    .string()
    .max(40)
    .regex(/^[a-z][a-z_]*$/, 'not an object type')
    .optional()
    .openapi({ example: 'sandbox_run' }),
  object_id: z.string().min(1).max(200).optional(),
  dataset: idParam('Dataset the entry is about').optional(),
  contract: idParam('Contract the entry was made under').optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
};

type TFilterQuery = z.output<z.ZodObject<typeof filterParams>>;

const filterOf = (q: TFilterQuery) => ({
  from: q.from,
  to: q.to,
  actorUserId: q.actor_user,
  actorOrgId: q.actor_org,
  action: q.action,
  objectType: q.object_type,
  objectId: q.object_id,
  datasetId: q.dataset,
  contractId: q.contract,
  outcome: q.outcome,
});

/** `to` after `from`, for any object with both. */
const timesInOrder = (q: { from?: Date | undefined; to?: Date | undefined }, ctx: z.RefinementCtx) => {
  if (q.from && q.to && q.to <= q.from) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be later than from' });
  }
};

const ZListQuery = z
  .strictObject({
    ...filterParams,
    after: indexParam('Only entries after this leaf index: `page.nextAfter` of the previous page').optional(),
    limit: z
      .string()
      .regex(/^\d{1,6}$/, 'not a whole number')
      .transform(Number)
      .pipe(
        z.number().int().min(1, 'at least 1').max(AUDIT_LIST_MAX_LIMIT, `at most ${AUDIT_LIST_MAX_LIMIT}`),
      )
      .optional()
      .openapi({
        type: 'integer',
        minimum: 1,
        maximum: AUDIT_LIST_MAX_LIMIT,
        description: `Entries per page, default ${AUDIT_LIST_DEFAULT_LIMIT}, at most ${AUDIT_LIST_MAX_LIMIT}`,
      }),
  })
  .superRefine(timesInOrder);

const ZExportQuery = z
  .strictObject({
    ...filterParams,
    format: z.enum(AUDIT_EXPORT_FORMATS).default('ndjson'),
    from_index: indexParam('First leaf index, inclusive (default 0)').optional(),
    to_index: indexParam('Leaf index to stop before (default and at most: the log size)').optional(),
  })
  .superRefine(timesInOrder)
  .superRefine((q, ctx) => {
    if (q.from_index !== undefined && q.to_index !== undefined && q.to_index < q.from_index) {
      ctx.addIssue({ code: 'custom', path: ['to_index'], message: 'must not be below from_index' });
    }
  });

const ZAlertsQuery = z
  .strictObject({
    from: instantParam('Window start, inclusive (default: 24 hours before `to`)').optional(),
    to: instantParam('Window end, exclusive (default: now)').optional(),
  })
  .superRefine(timesInOrder);

const ZIndexPath = z.object({
  index: indexParam('Leaf index of the entry').openapi({ param: { name: 'index', in: 'path' } }),
});

const ZAuditEntry = z
  .object({
    index: z.number().int().openapi({ description: 'Leaf index in the log’s Merkle tree' }),
    v: z.literal(1),
    at: z.string(),
    actor: z
      .object({ userId: z.string().nullable(), orgId: z.string().nullable(), role: z.string().nullable() })
      .nullable(),
    action: z.string(),
    objectType: z.string(),
    objectId: z.string(),
    contractId: z.string().nullable(),
    datasetId: z.string().nullable(),
    outcome: z.enum(AUDIT_OUTCOMES),
    details: z.record(z.string(), z.unknown()),
    requestId: z.string().nullable(),
  })
  .openapi('AuditEntry', {
    description:
      'An entry exactly as the log commits to it, plus `index`: the leaf is SHA-256(0x00 ‖ JCS(entry without index)).',
  });

const ZAuditEntriesPage = z
  .object({
    items: z.array(ZAuditEntry),
    page: z.object({
      limit: z.number().int(),
      maxLimit: z.number().int(),
      hasMore: z.boolean(),
      nextAfter: z.number().int().nullable().openapi({ description: 'Pass as `after` for the next page' }),
    }),
  })
  .openapi('AuditEntriesPage');

const ZEntryProof = z
  .object({
    size: z.number().int().openapi({ description: 'Tree size of the checkpoint the proof is for' }),
    hashes: z.array(z.string()).openapi({ description: 'Standard base64 SHA-256 hashes, RFC 9162 order' }),
  })
  .nullable()
  .openapi('AuditEntryProof', {
    description:
      'RFC 9162 inclusion proof against the latest signed checkpoint (GET /v1/audit/checkpoint); null while no checkpoint covers the entry',
  });

const ZAlert = z
  .object({
    kind: z.enum(ALERT_KINDS),
    severity: z.enum(ALERT_SEVERITIES),
    subject: z.object({ type: z.enum(ALERT_SUBJECT_TYPES), id: z.string(), orgId: z.string().nullable() }),
    window: z.object({ from: z.string(), to: z.string() }).openapi({
      description: 'Times of the first and last entry behind the alert',
    }),
    count: z.number().int().openapi({ description: 'Entries behind the alert' }),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
    entries: z.array(z.number().int()).openapi({
      description: `Leaf indexes of those entries, ascending, at most ${ALERT_ENTRIES_CAP}`,
    }),
  })
  .openapi('AuditAlert');

const ZAlerts = z
  .object({
    window: z.object({ from: z.string(), to: z.string() }),
    rules: z.record(z.string(), z.unknown()),
    entriesCap: z.number().int(),
    items: z.array(ZAlert),
  })
  .openapi('AuditAlerts');

const READ_ONLY_PATHS = ['/v1/audit/entries', '/v1/audit/entries/*', '/v1/audit/export', '/v1/audit/alerts'];
const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * The regulator's view of the audit log: filtered entries, one entry, the export, alerts. Read
 * only for everyone: a write method on these paths answers 405, and an authenticated caller's
 * attempt is itself logged (`audit.tamper_attempt`).
 */
export function registerAuditEntryRoutes(app: App, deps: Deps) {
  app.openapi(
    defineRoute(['regulator', 'admin'], {
      method: 'get',
      path: '/v1/audit/entries',
      tags: ['audit'],
      summary: 'Audit log entries, filtered, in leaf-index order (regulator, admin)',
      description: `Each item is the entry as the log commits to it plus its leaf index. Page with \`after\` = \`page.nextAfter\` (keyset on the index: no entry is skipped or repeated, whatever is appended meanwhile). At most ${AUDIT_LIST_MAX_LIMIT} a page; a larger limit is refused, not cut. Unknown parameters are refused.`,
      request: { query: ZListQuery },
      responses: { 200: jsonResponse(ZAuditEntriesPage, 'A page of entries'), ...problems },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const limit = q.limit ?? AUDIT_LIST_DEFAULT_LIMIT;
      const page = await listAuditEntries(deps, { ...filterOf(q), after: q.after, limit });
      return c.json(
        {
          items: page.items,
          page: { limit, maxLimit: AUDIT_LIST_MAX_LIMIT, hasMore: page.hasMore, nextAfter: page.nextAfter },
        },
        200,
      );
    },
  );

  app.openapi(
    defineRoute(['regulator', 'admin'], {
      method: 'get',
      path: '/v1/audit/entries/{index}',
      tags: ['audit'],
      summary: 'One audit log entry with its inclusion proof (regulator, admin)',
      description:
        'The entry at this leaf index, and its RFC 9162 inclusion proof against the latest signed checkpoint (null while no checkpoint covers it yet).',
      request: { params: ZIndexPath },
      responses: {
        200: jsonResponse(z.object({ entry: ZAuditEntry, proof: ZEntryProof }), 'The entry'),
        ...problems,
      },
    }),
    async (c) => {
      return c.json(await getAuditEntry(deps, c.req.valid('param').index), 200);
    },
  );

  registerRawRoute(
    app,
    defineRoute(['regulator', 'admin'], {
      method: 'get',
      path: '/v1/audit/export',
      tags: ['audit'],
      summary: 'Export audit log entries as NDJSON or CSV, streamed (regulator, admin)',
      description:
        'Entries with from_index ≤ index < to_index (and the filters), in index order, up to the log size when the export starts (header `x-audit-log-size`). NDJSON: one `{"index":n,…entry}` a line; drop `index` and encode with JCS to get the leaf bytes. CSV (for spreadsheets; UTF-8 with a byte-order mark, RFC 4180, CRLF): a header row, one column per field, the actor in three columns, `details` as JSON text, null empty and the empty string `""`; a cell that starts with = + - @ tab CR or \' gets one leading \' so spreadsheets do not run it as a formula (remove one leading \' to get the value back).',
      request: { query: ZExportQuery },
      responses: {
        200: {
          description: 'The entries, as an attachment',
          content: {
            'application/x-ndjson': { schema: z.string() },
            'text/csv': { schema: z.string() },
          },
        },
        ...problems,
      },
    }),
    async (c) => {
      const q = rawQuery(c, ZExportQuery);
      const out = await exportAuditEntries(deps, {
        ...filterOf(q),
        format: q.format,
        fromIndex: q.from_index,
        toIndex: q.to_index,
      });
      return c.body(out.body, 200, {
        'content-type': out.contentType,
        'content-disposition': `attachment; filename="${out.filename}"`,
        'x-audit-log-size': String(out.logSize),
      });
    },
  );

  app.openapi(
    defineRoute(['regulator', 'admin'], {
      method: 'get',
      path: '/v1/audit/alerts',
      tags: ['audit'],
      summary: 'Alerts computed from the audit log over a time window (regulator, admin)',
      description: `Kinds: ${ALERT_KINDS.join(', ')}. The window is from (inclusive) to (exclusive), by default the last 24 hours, at most 31 days. Each alert names the entries behind it (their leaf indexes, at most ${ALERT_ENTRIES_CAP}; \`count\` is the total). The thresholds are returned as \`rules\`.`,
      request: { query: ZAlertsQuery },
      responses: { 200: jsonResponse(ZAlerts, 'The alerts, most severe first'), ...problems },
    }),
    async (c) => {
      const window = alertWindow(c.req.valid('query'), deps.clock.now());
      const items = await computeAuditAlerts(deps, window);
      return c.json(
        {
          window: { from: window.from.toISOString(), to: window.to.toISOString() },
          rules: ALERT_RULES,
          entriesCap: ALERT_ENTRIES_CAP,
          items,
        },
        200,
      );
    },
  );

  app.on(WRITE_METHODS, READ_ONLY_PATHS, (c) => refuseWrite(deps, c));
}

function alertWindow(q: { from?: Date | undefined; to?: Date | undefined }, now: Date) {
  const to = q.to ?? now;
  const from = q.from ?? new Date(to.getTime() - ALERT_DEFAULT_WINDOW_MS);
  if (from >= to) throw queryInvalid('from', 'must be earlier than to (default: now)');
  if (to.getTime() - from.getTime() > ALERT_MAX_WINDOW_MS)
    throw queryInvalid('to', 'the window may span at most 31 days');
  return { from, to };
}

const queryInvalid = (field: string, message: string) => invalid([{ path: `query.${field}`, message }]);

/** The log is append-only for everyone: 405, and an authenticated attempt goes on the record. */
async function refuseWrite(deps: Deps, c: Context<AppEnv>): Promise<Response> {
  const actor = c.get('actor');
  if (actor) {
    await logTamperAttempt(deps, actor, {
      method: c.req.method,
      path: c.req.path,
      requestId: c.get('requestId'),
    });
  }
  return problemResponse(
    c,
    new AppError('METHOD_NOT_ALLOWED', `the audit log is read-only: ${c.req.method} is not allowed here`),
    { allow: 'GET, HEAD' },
  );
}
