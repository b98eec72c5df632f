import { asc, gte, lt } from 'drizzle-orm';
import { auditEntries } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { toWebStream } from '../http/web-stream.ts';
import { auditCsvHeader, auditCsvLine } from './audit-csv.ts';
import {
  auditRowColumns,
  type TAuditEntryFilter,
  type TIndexedAuditRecord,
  whereAll,
} from './audit-entry-filter.ts';
import { auditLogSize } from './audit-tree.ts';
import { auditRecordOf } from './entry-encoding.ts';

export const AUDIT_EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type TAuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

/** Rows read per query: large enough to amortise a round trip, small enough to stream. */
export const AUDIT_EXPORT_PAGE_ROWS = 5000;

export type TExportAuditEntriesInput = TAuditEntryFilter & {
  format: TAuditExportFormat;
  /** First leaf index, inclusive (default 0). */
  fromIndex?: number | undefined;
  /** Leaf index to stop before (default: the log's size when the export starts). */
  toIndex?: number | undefined;
};

export type TAuditExport = {
  contentType: string;
  filename: string;
  /** The log's size when the export started; no entry at or past it is included. */
  logSize: number;
  body: ReadableStream<Uint8Array>;
};

const CONTENT_TYPES: Record<TAuditExportFormat, string> = {
  ndjson: 'application/x-ndjson',
  csv: 'text/csv; charset=utf-8',
};

/** Excel reads a CSV without a byte-order mark in the local code page, garbling Chinese text. */
const UTF8_BOM = '\uFEFF';

/** NDJSON line: `{"index":n,…record}`; dropping `index` and re-encoding with JCS gives the leaf bytes. */
const ndjsonLine = (e: TIndexedAuditRecord) => `${JSON.stringify(e)}\n`;

/**
 * The log (or the filtered part of it) between two leaf indexes as NDJSON or CSV, streamed:
 * read in keyset pages of `AUDIT_EXPORT_PAGE_ROWS`, so memory does not grow with the log. The
 * range ends at the log's size when the export starts, so the export is a fixed set of entries
 * (from 0 without filters: the leaves of the tree of that size). The first page is read before
 * this returns, so a failing query is an error response, not a cut-off file.
 */
export async function exportAuditEntries(deps: Deps, input: TExportAuditEntriesInput): Promise<TAuditExport> {
  const logSize = await auditLogSize(deps.db);
  const start = input.fromIndex ?? 0;
  const end = Math.min(input.toIndex ?? logSize, logSize);
  const lineOf = input.format === 'csv' ? auditCsvLine : ndjsonLine;
  const pages = readPages(deps, input, start, end);
  const header = input.format === 'csv' ? UTF8_BOM + auditCsvHeader() : '';
  const encoder = new TextEncoder();
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let text = header;
    for await (const page of pages) {
      for (const entry of page) text += lineOf(entry);
      yield encoder.encode(text);
      text = '';
    }
    if (text) yield encoder.encode(text);
  }
  const stream = chunks();
  const first = await stream.next();
  return {
    contentType: CONTENT_TYPES[input.format],
    filename: `audit-log-${start}-${Math.max(start, end)}.${input.format}`,
    logSize,
    body: toWebStream(first.done ? undefined : first.value, stream),
  };
}

/**
 * Matching entries with start ≤ index < end, a page at a time, in index order. The next page is
 * asked for as soon as a page arrives, so the database reads it while this one is encoded.
 */
async function* readPages(
  deps: Deps,
  filter: TAuditEntryFilter,
  start: number,
  end: number,
): AsyncGenerator<TIndexedAuditRecord[]> {
  const fetchPage = (from: number) => {
    const page = deps.db
      .select(auditRowColumns)
      .from(auditEntries)
      .where(whereAll(filter, gte(auditEntries.seq, from), lt(auditEntries.seq, end)))
      .orderBy(asc(auditEntries.seq))
      .limit(AUDIT_EXPORT_PAGE_ROWS)
      .execute();
    // Awaited below; this only keeps a read left behind by a cancelled export from going unhandled.
    page.catch(() => {});
    return page;
  };
  let pending = start < end ? fetchPage(start) : null;
  while (pending) {
    const rows = await pending;
    const next = rows.length === AUDIT_EXPORT_PAGE_ROWS ? rows[rows.length - 1]!.seq + 1 : end;
    pending = next < end ? fetchPage(next) : null;
    if (rows.length > 0) yield rows.map((row) => ({ index: row.seq, ...auditRecordOf(row) }));
  }
}
