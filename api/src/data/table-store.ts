import { and, eq, type SQL, sql } from 'drizzle-orm';
import type postgres from 'postgres';
import { type Database, type Db, rowsOf } from '../db/client.ts';
import { datasetVersions } from '../db/schema/index.ts';
import type { TColumn, TColumnType } from '../catalogue/dataset-schema.ts';

/** The PostgreSQL schema that holds dataset tables, apart from the platform's own. */
export const DATA_SCHEMA = 'enclave_data';

const PG_TYPES: Record<TColumnType, string> = {
  integer: 'bigint',
  number: 'double precision',
  string: 'text',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamptz',
};

export const pgTypeOf = (type: TColumnType) => PG_TYPES[type];

/** A dataset table, qualified and quoted. Table names come from ids, never from callers. */
export const tableRef = (tableName: string): SQL => sql`${sql.identifier(DATA_SCHEMA)}.${sql.identifier(tableName)}`;

/** The table of the generation that a replace (or the first ingest) at `version` starts. */
export const generationTableName = (datasetId: string, version: number) => `${datasetId}_v${version}`;

/**
 * Creates a generation table: the dataset's columns, typed, plus `_rid` (row order, for paging)
 * and `_v` (the version that added the row; version n is `_v <= n`). The primary key on `_rid`
 * comes with `indexGenerationTable`, after the first load: building it once is much cheaper than
 * maintaining it row by row during a bulk COPY.
 */
export async function createGenerationTable(db: Db, tableName: string, columns: TColumn[]): Promise<void> {
  const defs = columns.map(
    (c) => sql`${sql.identifier(c.name)} ${sql.raw(PG_TYPES[c.type])}${sql.raw(c.nullable ? '' : ' not null')}`,
  );
  await db.execute(
    sql`create table ${tableRef(tableName)} (_rid bigint generated always as identity (cache 10000), _v integer not null, ${sql.join(defs, sql`, `)})`,
  );
}

export async function indexGenerationTable(db: Db, tableName: string): Promise<void> {
  await db.execute(sql`alter table ${tableRef(tableName)} add primary key (_rid)`);
}

/** The `_rid` range of a table (every version's rows), or null when it is empty. */
export async function ridBounds(db: Db, tableName: string): Promise<{ min: number; max: number } | null> {
  const [row] = rowsOf<{ lo: unknown; hi: unknown }>(
    await db.execute(sql`select min(_rid) as lo, max(_rid) as hi from ${tableRef(tableName)}`),
  );
  return row && row.lo !== null ? { min: Number(row.lo), max: Number(row.hi) } : null;
}

/** The table holding a committed version of a dataset, or null. */
export async function committedTableName(db: Db, datasetId: string, version: number): Promise<string | null> {
  const [row] = await db
    .select({ tableName: datasetVersions.tableName })
    .from(datasetVersions)
    .where(
      and(
        eq(datasetVersions.datasetId, datasetId),
        eq(datasetVersions.version, version),
        eq(datasetVersions.status, 'committed'),
      ),
    );
  return row?.tableName ?? null;
}

export async function dropTable(db: Db, tableName: string): Promise<void> {
  await db.execute(sql`drop table if exists ${tableRef(tableName)}`);
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const qualified = (tableName: string) => `${quoteIdent(DATA_SCHEMA)}.${quoteIdent(tableName)}`;

/**
 * Streams rows in PostgreSQL's COPY text format into a table. postgres.js streams one COPY with
 * backpressure; PGlite takes the text in blobs of a few megabytes. Either way memory stays flat.
 */
export async function copyInto(
  database: Database,
  tableName: string,
  columns: string[],
  chunks: AsyncIterable<string>,
): Promise<void> {
  const target = `${qualified(tableName)} (${columns.map(quoteIdent).join(', ')})`;
  if (database.kind === 'postgres') {
    const reserved = await database.sql.reserve();
    try {
      await copyIntoOn(reserved, target, chunks);
    } finally {
      reserved.release();
    }
    return;
  }
  const BLOB = 4 * 1024 * 1024;
  let parts: string[] = [];
  let size = 0;
  const flush = async () => {
    if (size === 0) return;
    const blob = new Blob(parts);
    parts = [];
    size = 0;
    await database.pglite.query(`copy ${target} from '/dev/blob'`, [], { blob });
  };
  for await (const chunk of chunks) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= BLOB) await flush();
  }
  await flush();
}

/**
 * One COPY FROM STDIN on a connection of its own: postgres.js pipelines queries onto busy pooled
 * connections, and one sent to a connection in the middle of a COPY fails (COPY_IN_PROGRESS).
 */
async function copyIntoOn(
  conn: postgres.ReservedSql,
  target: string,
  chunks: AsyncIterable<string>,
): Promise<void> {
  const writable = await conn.unsafe(`copy ${target} from stdin`).writable();
  const done = new Promise<void>((resolve, reject) => {
    writable.once('finish', resolve);
    writable.once('error', reject);
  });
  // The connection may die while the client's body is awaited: stop waiting for the body then,
  // rather than leave the failure unobserved until (if ever) the body ends.
  const broken = new Promise<never>((_, reject) => writable.once('error', reject));
  done.catch(() => {});
  broken.catch(() => {});
  const source = chunks[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await Promise.race([source.next(), broken]);
      if (next.done) break;
      const chunk = next.value;
      if (!writable.write(chunk)) {
        await new Promise<void>((resolve, reject) => {
          const onDrain = () => {
            writable.off('error', reject);
            resolve();
          };
          writable.once('drain', onDrain);
          writable.once('error', reject);
        });
      }
    }
  } catch (err) {
    void source.return?.()?.catch(() => {});
    writable.destroy(err instanceof Error ? err : new Error(String(err)));
    await done.catch(() => {});
    throw err;
  }
  writable.end();
  await done;
  return;
}

export type TCopyOutOptions = {
  /** COPY options other than HEADER, e.g. `format csv`; built from constants only. */
  options: string;
  /** Starts the output with a CSV header line: exactly once, also when there are no rows. */
  header: boolean;
  /** PGlite only: the `_rid` range to walk, or null when the table holds no rows. */
  ridBounds: () => Promise<{ min: number; max: number } | null>;
  /** PGlite only: rows per COPY. */
  rangeSize?: number;
};

const RANGE = '{{range}}';

/**
 * Cancels a running postgres.js query. Its `cancel()` drops the promise of the cancel request, so a
 * failed request (the server unreachable) would be an unhandled rejection; reach the canceller to
 * keep it handled. Should that internal change, the public `cancel()` still does the work.
 */
function cancelQuietly(query: { cancel(): void }) {
  const internal = query as unknown as { canceller?: ((q: unknown) => Promise<unknown>) | null };
  const canceller = internal.canceller;
  if (typeof canceller !== 'function') return query.cancel();
  internal.canceller = null;
  canceller(query).catch(() => {});
}

const OUT_BATCH_BYTES = 64 * 1024;

/**
 * Streams `COPY (<select>) TO STDOUT` as bytes. `select` holds no parameters (COPY takes none):
 * it is built from checked, quoted names and integers only, and holds the placeholder `{{range}}`
 * in its where clause. On postgres.js this is one COPY, read with backpressure (the socket pauses
 * while the consumer does not pull); a consumer that stops early cancels the COPY so the connection
 * returns to the pool. PGlite cannot stream COPY out, so there the select runs once per `_rid` range
 * of `rangeSize` rows, memory bounded by one range; the header comes with the first range only.
 */
export async function* copyOut(
  database: Database,
  select: string,
  opts: TCopyOutOptions,
): AsyncGenerator<Uint8Array> {
  if (!select.includes(RANGE)) throw new Error('copyOut: the select has no {{range}} placeholder');
  const withHeader = opts.header ? `${opts.options}, header` : opts.options;
  if (database.kind === 'postgres') {
    // A connection of its own: a query pipelined onto a connection in the middle of a COPY fails.
    const conn = await database.sql.reserve();
    const query = conn.unsafe(`copy (${select.replaceAll(RANGE, 'true')}) to stdout with (${withHeader})`);
    let isDone = false;
    try {
      const readable = await query.readable();
      try {
        // PostgreSQL sends one message per row: hand them on in batches, not one by one.
        let batch: Buffer[] = [];
        let size = 0;
        for await (const chunk of readable.iterator({ destroyOnReturn: false })) {
          batch.push(chunk as Buffer);
          size += (chunk as Buffer).length;
          if (size >= OUT_BATCH_BYTES) {
            yield Buffer.concat(batch, size);
            batch = [];
            size = 0;
          }
        }
        if (size > 0) yield Buffer.concat(batch, size);
        isDone = true;
      } finally {
        if (!isDone && !readable.destroyed && !readable.readableEnded) {
          // A paused socket would hold the connection forever: cancel the COPY and drain to its end.
          const closed = new Promise<void>((resolve) => {
            readable.once('close', resolve);
            readable.once('error', () => resolve());
          });
          cancelQuietly(query);
          readable.resume();
          await closed;
        }
      }
    } finally {
      conn.release();
    }
    return;
  }
  const rangeSize = opts.rangeSize ?? 50_000;
  const bounds = await opts.ridBounds();
  if (bounds && ![bounds.min, bounds.max, rangeSize].every(Number.isSafeInteger)) {
    throw new Error('copyOut: bounds and range size must be integers');
  }
  const copyRange = async (range: string, isFirst: boolean) => {
    const options = isFirst ? withHeader : opts.options;
    const result = await database.pglite.query(
      `copy (${select.replaceAll(RANGE, range)}) to '/dev/blob' with (${options})`,
    );
    return result.blob && result.blob.size > 0 ? new Uint8Array(await result.blob.arrayBuffer()) : null;
  };
  if (!bounds) {
    // An empty table still gets its header line.
    const only = opts.header ? await copyRange('false', true) : null;
    if (only) yield only;
    return;
  }
  for (let lo = bounds.min; lo <= bounds.max; lo += rangeSize) {
    const chunk = await copyRange(`_rid >= ${lo} and _rid < ${lo + rangeSize}`, lo === bounds.min);
    if (chunk) yield chunk;
  }
}
