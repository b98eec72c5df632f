import { and, asc, eq, gte, lt, max, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { auditEntries, auditLogState, auditNodes } from '../db/schema/index.ts';
import { auditLeafHash } from './entry-encoding.ts';
import {
  createTreeBuilder,
  perfectSubtrees,
  rootAtSize,
  type TFetchNodes,
  type TNode,
  type TNodeId,
} from './merkle.ts';

/**
 * The audit tree as stored in `audit_nodes`: every perfect subtree's hash, written with each entry
 * by `audit_tree_append()` (see `appendAuditEntry`). Reads here are O(log n) point lookups in one
 * query; only the backfill walks entries.
 */

const nodeKey = (level: number, index: number) => `${level}/${index}`;

/** The hashes of the given perfect subtrees in one query; `undefined` where none is stored. */
export async function readNodes(db: Db, ids: readonly TNodeId[]): Promise<(Buffer | undefined)[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select()
    .from(auditNodes)
    .where(
      sql`(${auditNodes.level}, ${auditNodes.idx}) in (${sql.join(
        ids.map((id) => sql`(${id.level}::smallint, ${id.index}::bigint)`),
        sql`, `,
      )})`,
    );
  const byKey = new Map(rows.map((r) => [nodeKey(r.level, r.idx), r.hash]));
  return ids.map((id) => byKey.get(nodeKey(id.level, id.index)));
}

/** A `TFetchNodes` over the database; a missing node means the tree is not there and throws. */
export function nodeFetcher(db: Db): TFetchNodes {
  return async (ids) => {
    const hashes = await readNodes(db, ids);
    return hashes.map((h, i) => {
      if (!h) throw new Error(`audit tree node ${nodeKey(ids[i]!.level, ids[i]!.index)} is missing`);
      return h;
    });
  };
}

/** The number of committed entries, i.e. the size of the tree. */
export async function auditLogSize(db: Db): Promise<number> {
  const [state] = await db
    .select({ size: auditLogState.size })
    .from(auditLogState)
    .where(eq(auditLogState.id, 1));
  return state?.size ?? 0;
}

/** The root of the tree over the first `size` entries (size ≤ the log's size). */
export const auditRootAt = (db: Db, size: number): Promise<Buffer> => rootAtSize(size, nodeFetcher(db));

async function leafCount(db: Db): Promise<number> {
  const [row] = await db
    .select({ last: max(auditNodes.idx) })
    .from(auditNodes)
    .where(eq(auditNodes.level, 0));
  return row?.last == null ? 0 : Number(row.last) + 1;
}

const BACKFILL_ENTRIES_PER_QUERY = 2000;
const NODES_PER_INSERT = 20_000;

/**
 * Builds the tree nodes of entries that have none: those written before the tree existed (or
 * restored without it). Idempotent and cheap when there is nothing to do; `migrateDatabase` runs
 * it after the migrations. It holds the `audit_log_state` row lock throughout, so no entry is
 * appended meanwhile (an append needs its left siblings). Returns the number of entries hashed.
 */
export async function backfillAuditTree(db: Db): Promise<number> {
  if ((await leafCount(db)) >= (await auditLogSize(db))) return 0;
  return db.transaction(async (tx) => {
    const [state] = await tx
      .select({ size: auditLogState.size })
      .from(auditLogState)
      .where(eq(auditLogState.id, 1))
      .for('update');
    const size = state?.size ?? 0;
    const leaves = await leafCount(tx);
    if (leaves >= size) return 0;
    const edge = await nodeFetcher(tx)(perfectSubtrees({ start: 0, end: leaves }));
    const builder = createTreeBuilder({ size: leaves, edge });
    for (let from = leaves; from < size; from += BACKFILL_ENTRIES_PER_QUERY) {
      const rows = await tx
        .select()
        .from(auditEntries)
        .where(and(gte(auditEntries.seq, from), lt(auditEntries.seq, from + BACKFILL_ENTRIES_PER_QUERY)))
        .orderBy(asc(auditEntries.seq));
      const made: TNode[] = [];
      for (const row of rows) {
        if (row.seq !== builder.size) throw new Error(`audit entry ${builder.size} is missing`);
        made.push(...builder.append(auditLeafHash(row)));
      }
      await insertNodes(tx, made);
    }
    if (builder.size !== size) throw new Error(`audit entry ${builder.size} is missing`);
    return size - leaves;
  });
}

/** Inserts nodes as three text parameters unnested in SQL: a few large ones bind far faster than many. */
async function insertNodes(db: Db, nodes: readonly TNode[]): Promise<void> {
  for (let i = 0; i < nodes.length; i += NODES_PER_INSERT) {
    const chunk = nodes.slice(i, i + NODES_PER_INSERT);
    const list = (f: (n: TNode) => string | number) => chunk.map(f).join(',');
    await db.execute(sql`
      insert into ${auditNodes} (level, idx, hash)
      select l::smallint, i::bigint, decode(h, 'hex')
      from unnest(
        string_to_array(${list((n) => n.level)}, ','),
        string_to_array(${list((n) => n.index)}, ','),
        string_to_array(${list((n) => n.hash.toString('hex'))}, ',')
      ) as u(l, i, h)`);
  }
}
