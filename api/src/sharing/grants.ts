import { createHash } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { datasets, datasetVersions, sharingGrantUsage, sharingRequests } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import type { TOpenDataset } from '../open/open-dataset.ts';
import { chinaDay } from './working-days.ts';

/** How a system reads through a grant; each call is one audit entry of action `sharing.read`. */
export type TGrantReadKind = 'rows' | 'query' | 'download' | 'changes';

export type TGrantCall = { actor: TActor; requestId: string; system: string };

/** SHA-256 of the call's input, as canonical JSON: the log says what was asked without the values. */
export const queryDigest = (kind: TGrantReadKind, input: unknown) =>
  createHash('sha256')
    .update(JSON.stringify([kind, input], (_k, v) => (v === undefined ? null : v)))
    .digest('hex');

async function logRead(
  deps: Deps,
  call: TGrantCall,
  grant: { id: string; datasetId: string },
  details: Record<string, unknown>,
  refused?: AppError,
) {
  await appendAuditEntry(deps.db, {
    actor: call.actor,
    action: 'sharing.read',
    objectType: 'sharing_request',
    objectId: grant.id,
    datasetId: grant.datasetId,
    outcome: refused ? 'refused' : 'success',
    details: { system: call.system, ...details, ...(refused ? { code: refused.code } : {}) },
    requestId: call.requestId,
    at: deps.clock.now(),
  });
}

/**
 * Opens a grant for one call by one of the requesting department's systems: the grant must be
 * the caller's department's, in force (not revoked, within its term), name the system, and have
 * calls left today; the dataset must still be published. The call is counted before any row is
 * read. Every refusal of a grant the caller holds is on the log; another department's grant is 404.
 */
export async function openGrant(deps: Deps, call: TGrantCall, grantId: string): Promise<TOpenDataset> {
  const now = deps.clock.now();
  // The grant, its dataset and the current version's table in one round trip.
  const [found] = await deps.db
    .select({
      g: sharingRequests,
      ds: {
        slug: datasets.slug,
        columns: datasets.columns,
        status: datasets.status,
        currentVersion: datasets.currentVersion,
      },
      tableName: datasetVersions.tableName,
    })
    .from(sharingRequests)
    .innerJoin(datasets, eq(datasets.id, sharingRequests.datasetId))
    .leftJoin(
      datasetVersions,
      and(
        eq(datasetVersions.datasetId, datasets.id),
        eq(datasetVersions.version, datasets.currentVersion),
        eq(datasetVersions.status, 'committed'),
      ),
    )
    .where(eq(sharingRequests.id, grantId));
  const g = found?.g;
  if (!g || g.requesterOrgId !== call.actor.orgId || !['granted', 'revoked'].includes(g.status)) {
    throw notFound('sharing grant');
  }
  const refuse = async (err: AppError): Promise<never> => {
    await logRead(deps, call, g, {}, err);
    throw err;
  };
  if (g.status === 'revoked') await refuse(new AppError('GRANT_REVOKED', 'the grant has been revoked'));
  if (now < g.notBefore)
    await refuse(new AppError('GRANT_NOT_YET_VALID', `the grant is valid from ${g.notBefore.toISOString()}`));
  if (now >= g.notAfter)
    await refuse(new AppError('GRANT_EXPIRED', `the grant expired at ${g.notAfter.toISOString()}`));
  if (!g.systems.includes(call.system)) {
    await refuse(
      new AppError(
        'FORBIDDEN',
        `the grant names the systems ${g.systems.join(', ')}; the caller is ${call.system}`,
      ),
    );
  }
  const ds = found.ds;
  if (ds.status !== 'published') {
    await refuse(new AppError('INVALID_STATE', 'the dataset is no longer published'));
  }
  const used = await deps.db
    .insert(sharingGrantUsage)
    .values({ requestId: g.id, day: chinaDay(now), calls: 1 })
    .onConflictDoUpdate({
      target: [sharingGrantUsage.requestId, sharingGrantUsage.day],
      set: { calls: sql`${sharingGrantUsage.calls} + 1` },
      setWhere: lt(sharingGrantUsage.calls, g.dailyCalls),
    })
    .returning({ calls: sharingGrantUsage.calls });
  if (used.length === 0) {
    await refuse(new AppError('QUOTA_EXCEEDED', `the grant allows ${g.dailyCalls} calls a day (China time)`));
  }
  const granted = new Set(g.grantedColumns ?? []);
  const { slug, columns, currentVersion } = ds;
  const { tableName } = found;
  return {
    id: g.datasetId,
    slug,
    columns: columns.filter((c) => granted.has(c.name)),
    withheld: columns.filter((c) => !granted.has(c.name)).map((c) => c.name),
    version: tableName === null ? null : currentVersion,
    tableName,
  };
}

/**
 * Runs one read through a grant and logs it: grant, caller and system, rows returned (null for a
 * download, whose size the stream decides), the version read and the query's digest. A read the
 * input makes fail (a column the grant does not name, a bad filter) is logged as refused.
 */
export async function readThroughGrant<T>(
  deps: Deps,
  call: TGrantCall,
  grantId: string,
  kind: TGrantReadKind,
  input: unknown,
  read: (dataset: TOpenDataset) => Promise<T>,
  rowsOf: (result: T) => number | null,
): Promise<T> {
  const dataset = await openGrant(deps, call, grantId);
  const base = { kind, version: dataset.version, queryDigest: queryDigest(kind, input) };
  const grant = { id: grantId, datasetId: dataset.id };
  let result: T;
  try {
    result = await read(dataset);
  } catch (err) {
    if (err instanceof AppError) await logRead(deps, call, grant, base, err);
    throw err;
  }
  await logRead(deps, call, grant, { ...base, rows: rowsOf(result) });
  return result;
}

/**
 * The first version of the generation `version` belongs to: rows changed since a version before
 * it cannot be told apart, because a replace started over.
 */
export async function generationStart(deps: Deps, datasetId: string, tableName: string): Promise<number> {
  const [row] = await deps.db
    .select({ first: sql<number>`min(${datasetVersions.version})` })
    .from(datasetVersions)
    .where(and(eq(datasetVersions.datasetId, datasetId), eq(datasetVersions.tableName, tableName)));
  return Number(row!.first);
}
