import { and, eq, sql } from 'drizzle-orm';
import {
  createGenerationTable,
  generationTableName,
  indexGenerationTable,
  pgTypeOf,
  tableRef,
} from '../../src/data/table-store.ts';
import { datasets, datasetVersions } from '../../src/db/schema/index.ts';
import type { TestApp } from './test-app.ts';

export type TLoadOptions = {
  /** `replace` starts a new generation table; the first load always does. */
  mode?: 'append' | 'replace';
  /** Leave the version pending, as an upload still in progress: its rows must stay invisible. */
  isPending?: boolean;
};

const BATCH = 500;

/**
 * Loads rows as the next version of a dataset straight through the storage layer (generation table,
 * INSERT, `dataset_versions` row, then `datasets.current_version` and `row_count` unless pending),
 * so tests of readers need not go through the ingest route. Values are given as JSON would give
 * them: dates `YYYY-MM-DD`, timestamps ISO 8601, null for missing.
 */
export async function loadRows(
  t: TestApp,
  datasetId: string,
  rows: Record<string, unknown>[],
  opts: TLoadOptions = {},
): Promise<{ version: number; tableName: string }> {
  const db = t.deps.db;
  const [dataset] = await db.select().from(datasets).where(eq(datasets.id, datasetId));
  if (!dataset) throw new Error(`no dataset ${datasetId}`);
  const version = (dataset.currentVersion ?? 0) + 1;
  let current: { tableName: string; rowCount: number } | undefined;
  if (dataset.currentVersion !== null) {
    [current] = await db
      .select({ tableName: datasetVersions.tableName, rowCount: datasetVersions.rowCount })
      .from(datasetVersions)
      .where(
        and(eq(datasetVersions.datasetId, datasetId), eq(datasetVersions.version, dataset.currentVersion)),
      );
  }
  const isNewTable = opts.mode === 'replace' || !current;
  const tableName = isNewTable ? generationTableName(datasetId, version) : current!.tableName;
  if (isNewTable) await createGenerationTable(db, tableName, dataset.columns);

  const names = sql.join([sql`_v`, ...dataset.columns.map((c) => sql.identifier(c.name))], sql`, `);
  for (let i = 0; i < rows.length; i += BATCH) {
    const values = rows.slice(i, i + BATCH).map(
      (row) =>
        sql`(${sql.join(
          [
            sql`${version}`,
            ...dataset.columns.map((c) => {
              const v = row[c.name];
              const text = v === undefined || v === null ? null : String(v);
              return sql`cast(cast(${text} as text) as ${sql.raw(pgTypeOf(c.type))})`;
            }),
          ],
          sql`, `,
        )})`,
    );
    await db.execute(sql`insert into ${tableRef(tableName)} (${names}) values ${sql.join(values, sql`, `)}`);
  }
  if (isNewTable) await indexGenerationTable(db, tableName);

  const rowCount = (isNewTable ? 0 : current!.rowCount) + rows.length;
  const at = new Date();
  await db.insert(datasetVersions).values({
    datasetId,
    version,
    status: opts.isPending ? 'pending' : 'committed',
    mode: isNewTable ? 'replace' : 'append',
    tableName,
    rowCount,
    addedRows: rows.length,
    format: 'ndjson',
    createdBy: dataset.createdBy,
    createdAt: at,
    heartbeatAt: at,
    committedAt: opts.isPending ? null : at,
  });
  if (!opts.isPending) {
    await db.update(datasets).set({ currentVersion: version, rowCount }).where(eq(datasets.id, datasetId));
  }
  return { version, tableName };
}

/**
 * Parses RFC 4180 CSV into records; a quoted empty field is `''` and an unquoted empty field is
 * null, which is how PostgreSQL tells the empty string from null.
 */
export function parseCsv(text: string): (string | null)[][] {
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [];
  let field = '';
  let isQuoted = false;
  let i = 0;
  const endField = () => {
    record.push(isQuoted || field !== '' ? field : null);
    field = '';
    isQuoted = false;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"' && field === '' && !isQuoted) {
      isQuoted = true;
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i];
        i++;
      }
      continue;
    }
    if (ch === ',') {
      endField();
      i++;
    } else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
      endField();
      records.push(record);
      record = [];
      i += ch === '\r' ? 2 : 1;
    } else {
      if (isQuoted) throw new Error(`text after a closing quote at ${i}`);
      field += ch;
      i++;
    }
  }
  if (field !== '' || isQuoted || record.length > 0) {
    endField();
    records.push(record);
  }
  return records;
}
