import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { TActor } from '../auth/actor.ts';
import type { TColumn } from '../catalogue/dataset-schema.ts';
import { copyOut, pgTypeOf, ridBounds, tableRef } from '../data/table-store.ts';
import type { Deps } from '../deps.ts';
import { invalid, type TFieldError } from '../errors.ts';
import { toWebStream } from '../http/web-stream.ts';
import { columnMap, columnRef, outputExpr, parseColumnList } from './columns.ts';
import { getOpenDataset, type TOpenDataset } from './open-dataset.ts';

export const DOWNLOAD_FORMATS = ['csv', 'ndjson'] as const;
export type TDownloadFormat = (typeof DOWNLOAD_FORMATS)[number];

export type TDownloadInput = { format: TDownloadFormat; select?: string | undefined };

export type TDownload = {
  filename: string;
  contentType: string;
  body: ReadableStream<Uint8Array>;
};

const CONTENT_TYPES: Record<TDownloadFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson',
};

/*
 * CSV is PostgreSQL's own RFC 4180 writer (null is an empty field, the empty string is `""`).
 * NDJSON is one `row_to_json` text per row written through the CSV writer with quote and delimiter
 * set to control characters, which JSON text never holds raw, so each line goes out verbatim.
 */
const COPY_OPTIONS: Record<TDownloadFormat, string> = {
  csv: 'format csv',
  ndjson: "format csv, quote E'\\x01', delimiter E'\\x02'",
};

const dialect = new PgDialect();

/** SQL text for COPY, which takes no parameters: refuses to render anything that would need one. */
function render(query: SQL): string {
  const { sql: text, params } = dialect.sqlToQuery(query);
  if (params.length > 0) throw new Error('a COPY select must not carry parameters');
  return text;
}

/**
 * The select behind a download: the table's rows of `version` in `_rid` order, each column under
 * its schema name. Aliases `_t` and `_r` cannot clash with schema names, which start with a letter.
 */
function downloadSelect(
  format: TDownloadFormat,
  columns: TColumn[],
  tableName: string | null,
  version: number | null,
): string {
  const range = sql.raw('{{range}}');
  if (tableName === null || version === null) {
    // No data yet: typed nulls under the column names, no rows, so CSV still has its header.
    const empty = columns.map((c) => sql`null::${sql.raw(pgTypeOf(c.type))} as ${sql.identifier(c.name)}`);
    return render(sql`select ${sql.join(empty, sql`, `)} where false and ${range}`);
  }
  if (!Number.isSafeInteger(version)) throw new Error('version must be an integer');
  const v = sql.raw(String(version));
  if (format === 'csv') {
    const outputs = columns.map(
      (c) => sql`${outputExpr(c.type, columnRef(c), 'csv')} as ${sql.identifier(c.name)}`,
    );
    return render(
      sql`select ${sql.join(outputs, sql`, `)} from ${tableRef(tableName)} where _v <= ${v} and ${range} order by _rid`,
    );
  }
  const outputs = columns.map(
    (c) => sql`${outputExpr(c.type, columnRef(c, '_t'))} as ${sql.identifier(c.name)}`,
  );
  return render(
    sql`select row_to_json(_r)::text from ${tableRef(tableName)} as _t cross join lateral (select ${sql.join(outputs, sql`, `)}) as _r where _t._v <= ${v} and ${range} order by _t._rid`,
  );
}

/** A whole open dataset as a download (see {@link streamRows}), counted as an open-data read. */
export async function downloadOpenData(
  deps: Deps,
  actor: TActor | null,
  datasetId: string,
  input: TDownloadInput,
): Promise<TDownload> {
  const download = await streamRows(deps, await getOpenDataset(deps.db, datasetId), input);
  deps.readCounter.count(datasetId, 'download', actor === null, deps.clock.now());
  return download;
}

/**
 * A whole dataset (its visible version) as CSV with a header row or as NDJSON, streamed from
 * the database and never held in memory. The first chunk is read before this returns, so a failing
 * query is still an error response rather than a cut-off download.
 */
export async function streamRows(
  deps: Deps,
  dataset: TOpenDataset,
  input: TDownloadInput,
): Promise<TDownload> {
  const errors: TFieldError[] = [];
  const columns = parseColumnList(
    columnMap(dataset.columns, dataset.withheld),
    input.select,
    'query.select',
    errors,
  );
  if (errors.length > 0) throw invalid(errors);

  const { tableName, version } = dataset;
  const select = downloadSelect(input.format, columns, tableName, version);
  const chunks = copyOut(deps.database, select, {
    options: COPY_OPTIONS[input.format],
    header: input.format === 'csv',
    // Bounds of the whole table: ranges beyond the version are just empty.
    ridBounds: async () => (tableName === null ? null : ridBounds(deps.db, tableName)),
  });
  const first = await chunks.next();
  return {
    filename: `${dataset.slug}-v${version ?? 0}.${input.format}`,
    contentType: CONTENT_TYPES[input.format],
    body: toWebStream(first.done ? undefined : first.value, chunks),
  };
}
