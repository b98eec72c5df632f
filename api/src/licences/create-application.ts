import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { TActor } from '../auth/actor.ts';
import { applicationParts, applications, datasets, orgKeys, type TOperation } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, invalid, type TFieldError } from '../errors.ts';
import { newId } from '../lib/ids.ts';

export type TCreateApplicationInput = {
  datasets: { datasetId: string; columns: string[] }[];
  purpose: string;
  scenario: string;
  operations: TOperation[];
  term: { notBefore: Date; notAfter: Date };
  keyId?: string | undefined;
};

/** Longest term a licence may run. */
const MAX_TERM_MS = 3 * 366 * 86_400_000;

/**
 * An operator applies for conditional datasets. Each dataset becomes a part for its provider to
 * decide. Open datasets need no licence and closed ones cannot be licensed: both are refused, as
 * are columns the dataset does not have. The contract will name the org key given here (or the
 * org's newest), which the operator must countersign with.
 */
export async function createApplication(
  deps: Deps,
  actor: TActor,
  input: TCreateApplicationInput,
  requestId?: string,
) {
  const at = deps.clock.now();
  const errors: TFieldError[] = [];
  const { notBefore, notAfter } = input.term;
  if (notAfter <= notBefore) errors.push({ path: 'body.term.notAfter', message: 'must be after notBefore' });
  if (notAfter <= at) errors.push({ path: 'body.term.notAfter', message: 'must be in the future' });
  if (notAfter.getTime() - notBefore.getTime() > MAX_TERM_MS) {
    errors.push({ path: 'body.term', message: 'a licence runs at most three years' });
  }
  const ids = input.datasets.map((d) => d.datasetId);
  if (new Set(ids).size !== ids.length)
    errors.push({ path: 'body.datasets', message: 'a dataset is listed twice' });
  if (errors.length > 0) throw invalid(errors);

  return deps.db.transaction(async (tx) => {
    const rows = await tx.select().from(datasets).where(inArray(datasets.id, ids));
    const byId = new Map(rows.map((r) => [r.id, r]));
    input.datasets.forEach((part, i) => {
      const path = `body.datasets.${i}`;
      const d = byId.get(part.datasetId);
      if (d?.status !== 'published') {
        errors.push({ path: `${path}.datasetId`, message: 'no such published dataset' });
        return;
      }
      if (d.openness === 'open')
        errors.push({ path: `${path}.datasetId`, message: 'open data needs no licence' });
      if (d.openness === 'closed')
        errors.push({ path: `${path}.datasetId`, message: 'a closed dataset cannot be licensed' });
      const names = new Set(d.columns.map((c) => c.name));
      const unknown = part.columns.filter((c) => !names.has(c));
      if (unknown.length > 0)
        errors.push({ path: `${path}.columns`, message: `not in the dataset: ${unknown.join(', ')}` });
      if (new Set(part.columns).size !== part.columns.length) {
        errors.push({ path: `${path}.columns`, message: 'a column is listed twice' });
      }
    });
    if (errors.length > 0) throw invalid(errors);

    const keyFilter = and(eq(orgKeys.orgId, actor.orgId), isNull(orgKeys.revokedAt));
    const [key] = await tx
      .select({ kid: orgKeys.kid })
      .from(orgKeys)
      .where(input.keyId ? and(keyFilter, eq(orgKeys.kid, input.keyId)) : keyFilter)
      .orderBy(desc(orgKeys.createdAt))
      .limit(1);
    if (!key) {
      throw new AppError(
        'OPERATOR_KEY_REQUIRED',
        input.keyId
          ? 'body.keyId: no such key on your org'
          : 'register a countersigning key on your org first',
      );
    }

    const id = newId('ap');
    const [application] = await tx
      .insert(applications)
      .values({
        id,
        operatorOrgId: actor.orgId,
        createdBy: actor.userId,
        purpose: input.purpose,
        scenario: input.scenario,
        operations: input.operations,
        notBefore,
        notAfter,
        licenseeKid: key.kid,
        createdAt: at,
      })
      .returning();
    const parts = await tx
      .insert(applicationParts)
      .values(
        input.datasets.map((p) => ({
          applicationId: id,
          datasetId: p.datasetId,
          providerOrgId: byId.get(p.datasetId)!.providerOrgId,
          columns: p.columns,
        })),
      )
      .returning();
    await appendAuditEntry(tx, {
      actor,
      action: 'application.create',
      objectType: 'application',
      objectId: id,
      details: {
        datasets: input.datasets,
        operations: input.operations,
        purpose: input.purpose,
        term: { notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString() },
      },
      requestId,
      at,
    });
    return { ...application!, parts };
  });
}
