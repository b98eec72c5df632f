import type { TContractPayload } from '@enclave/contracts';
import { and, desc, eq, exists, type SQL, sql } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import type { Db } from '../db/client.ts';
import { contractDatasets, contracts } from '../db/schema/index.ts';
import { notFound } from '../errors.ts';

export type TContractRow = typeof contracts.$inferSelect;
export type TContractState = 'awaiting_countersign' | 'active' | 'expired' | 'revoked';

/** The state a caller sees: `expired` is derived from the term, never stored. */
export function contractState(row: Pick<TContractRow, 'status' | 'notAfter'>, now: Date): TContractState {
  if (row.status === 'revoked') return 'revoked';
  return now >= row.notAfter ? 'expired' : row.status;
}

export const payloadOf = (row: Pick<TContractRow, 'jws'>): TContractPayload =>
  JSON.parse(Buffer.from(row.jws.payload, 'base64url').toString('utf8'));

/** Who may see a contract: its operator's org, the providers of its datasets, the admin, regulators. */
export async function listContracts(db: Db, actor: TActor, id?: string): Promise<TContractRow[]> {
  const where: (SQL | undefined)[] = [id ? eq(contracts.id, id) : undefined];
  if (actor.role === 'operator') where.push(eq(contracts.operatorOrgId, actor.orgId));
  else if (actor.role === 'provider') {
    where.push(
      exists(
        db
          .select({ one: contractDatasets.contractId })
          .from(contractDatasets)
          .where(
            and(
              eq(contractDatasets.contractId, contracts.id),
              eq(contractDatasets.providerOrgId, actor.orgId),
            ),
          ),
      ),
    );
  } else if (actor.role !== 'admin' && actor.role !== 'regulator') where.push(sql`false`);
  return db
    .select()
    .from(contracts)
    .where(and(...where))
    .orderBy(desc(contracts.issuedAt))
    .limit(500);
}

export async function getContract(db: Db, actor: TActor, id: string): Promise<TContractRow> {
  const [row] = await listContracts(db, actor, id);
  if (!row) throw notFound('contract');
  return row;
}
