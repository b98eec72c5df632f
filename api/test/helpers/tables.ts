import { sql } from 'drizzle-orm';
import { rowsOf } from '../../src/db/client.ts';
import type { TestApp } from './test-app.ts';

/** Every row physically present in a dataset's tables (visible or not), with its `_v`. */
export async function physicalRows(t: TestApp, datasetId: string) {
  const tables = rowsOf<{ table_name: string }>(
    await t.deps.db.execute(
      sql`select table_name from information_schema.tables where table_schema = 'enclave_data' and table_name like ${`${datasetId}_%`} order by table_name`,
    ),
  ).map((r) => r.table_name);
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const name of tables) {
    out[name] = rowsOf(
      await t.deps.db.execute(
        sql`select * from ${sql.identifier('enclave_data')}.${sql.identifier(name)} order by _rid`,
      ),
    );
  }
  return out;
}
