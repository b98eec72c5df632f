import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyInto, copyOut } from '../src/data/table-store.ts';
import type { Database } from '../src/db/client.ts';
import { createTestDatabase } from './helpers/test-app.ts';

/**
 * postgres.js pipelines a query onto a pooled connection that is busy; one that lands on a
 * connection in the middle of a COPY fails with COPY_IN_PROGRESS. A COPY in either direction must
 * therefore hold a connection of its own while the rest of the platform keeps querying (a worker
 * loading a table during a burst of long polls answered 500 before).
 */
describe.skipIf(!process.env.DATABASE_URL)('COPY on a PostgreSQL server beside concurrent queries', () => {
  let database: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ database, drop } = await createTestDatabase());
    await database.db.execute(
      sql`create table copy_probe as select g as _rid, md5(g::text) as t from generate_series(1, 200000) g`,
    );
    await database.db.execute(sql`create table enclave_data.copy_sink (t text)`);
  });
  afterAll(() => drop());

  const burst = () =>
    Promise.allSettled(Array.from({ length: 60 }, () => database.db.execute(sql`select pg_sleep(0.01)`)));
  const failures = (results: PromiseSettledResult<unknown>[]) =>
    results
      .filter((r) => r.status === 'rejected')
      .map((r) => String((r as PromiseRejectedResult).reason?.cause));

  it('lets queries run while a COPY TO is streaming', async () => {
    const chunks = copyOut(database, 'select t from copy_probe where {{range}}', {
      options: 'format text',
      header: false,
      ridBounds: async () => null,
    })[Symbol.asyncIterator]();
    await chunks.next();
    const results = await burst();
    let rows = 0;
    for (let c = await chunks.next(); !c.done; c = await chunks.next()) rows += c.value.length;
    expect(failures(results)).toEqual([]);
    expect(rows).toBeGreaterThan(0);
  });

  it('lets queries run while a COPY FROM is streaming', async () => {
    let release: () => void = () => {};
    const paused = new Promise<void>((r) => {
      release = r;
    });
    async function* slow() {
      yield 'a\n';
      await paused;
      yield 'b\n';
    }
    const copying = copyInto(database, 'copy_sink', ['t'], slow());
    await new Promise((r) => setTimeout(r, 50));
    const results = await burst();
    release();
    await copying;
    expect(failures(results)).toEqual([]);
  });
});
