import { createHash } from 'node:crypto';
import type { TColumn } from '../catalogue/dataset-schema.ts';
import { RuleChecker, type TRuleResult } from '../quality/rule-checker.ts';
import { CsvRecords } from './csv-records.ts';
import { NdjsonRecords } from './ndjson-records.ts';
import type { RecordReader } from './record-reader.ts';
import { ErrorLog, type TRowError, UploadRejected } from './upload-errors.ts';
import { Utf8Stream } from './utf8-stream.ts';

export { type TRowError, UploadRejected };

export type TUploadSummary = {
  rowCount: number;
  /** SHA-256 (hex) of every byte of the upload as received. */
  digest: string;
  /** Per quality rule of the columns: rows checked and failing (empty when the columns have none). */
  quality: TRuleResult[];
};

export type TEncodeOptions = {
  format: 'csv' | 'ndjson';
  /** The dataset's columns; rows are written in this order, after the version. */
  columns: TColumn[];
  /** Written as the first (`_v`) column of every row. */
  version: number;
  /** Stop reading once this many errors are found (default 10). */
  maxErrors?: number;
  /** The largest record accepted, in bytes (default 1 MiB). */
  maxRecordBytes?: number;
  /** Whether quality results keep examples of failing values (only for open datasets). */
  keepExamples?: boolean;
  /** Per column with a `unique` rule: the texts of the values already in the version (an append). */
  uniqueSeeds?: Map<string, Iterable<string>>;
};

/** Source chunks are decoded in pieces of at most this many bytes, which bounds each step's text. */
const PIECE_BYTES = 64 * 1024;

/**
 * Turns a CSV or NDJSON upload into PostgreSQL `COPY ... FROM STDIN` text-format data for the
 * table `(_v, ...columns)`, checking every row against the schema as it streams.
 *
 * `chunks` yields batches of rows (64 KB and up). Memory stays flat: at most one record and one
 * batch are held. On the first bad row no more output is yielded; reading goes on to collect up
 * to `maxErrors` errors (or to the end), then `chunks` throws `UploadRejected` with them in file
 * order, so the COPY consuming it aborts. `summary()` is available once `chunks` has finished.
 *
 * CSV: the first record is the header, naming schema columns in any order; a nullable column
 * may be left out (NULL throughout). Completely empty lines are skipped but counted, so line
 * numbers stay physical. Errors in the header stop the reading: rows cannot be checked without it.
 * An empty field, quoted or not, is NULL.
 *
 * NDJSON: one object per line, blank lines skipped but counted; a missing key or `null` is NULL,
 * while `""` stays an empty string (JSON can tell the two apart). An empty upload is zero rows.
 *
 * A column with a code list (`codes`) takes only its codes (or NULL where nullable): integers
 * compare by value (`007` is 7), timestamps by instant, strings and dates as written. Any other
 * value refuses the upload like any bad field, as "not in the column's code list".
 *
 * Quality rules (`rules` of a column) are checked in the same pass, on each row that passed the
 * built-in checks: a failing error rule refuses the upload like a bad field, with its line and
 * column (a repeat of a `unique` rule is found once every row is in, and refuses the upload
 * then); a failing warning is counted. `summary().quality` has, per rule, the rows checked and
 * failing, with up to five failing values when `keepExamples` is set.
 *
 * Invalid UTF-8 is reported on the line where the bad byte is, and ends the reading.
 *
 * @example
 * const { chunks, summary } = encodeUpload(body, { format: 'csv', columns, version: 3 });
 * await copyInto(database, table, ['_v', ...columns.map((c) => c.name)], chunks);
 * summary(); // { rowCount: 1200, digest: '9f86d0…' }
 */
export function encodeUpload(
  source: AsyncIterable<Uint8Array>,
  opts: TEncodeOptions,
): { chunks: AsyncGenerator<string>; summary(): TUploadSummary } {
  const { format, columns, version } = opts;
  const maxErrors = opts.maxErrors ?? 10;
  const maxRecordBytes = opts.maxRecordBytes ?? 1024 * 1024;
  if (format !== 'csv' && format !== 'ndjson')
    throw new RangeError(`unknown upload format ${String(format)}`);
  if (columns.length === 0) throw new RangeError('an upload needs at least one column');
  if (!Number.isSafeInteger(version)) throw new RangeError('version must be an integer');
  if (!Number.isSafeInteger(maxErrors) || maxErrors < 1)
    throw new RangeError('maxErrors must be a positive integer');
  if (!Number.isSafeInteger(maxRecordBytes) || maxRecordBytes < 1) {
    throw new RangeError('maxRecordBytes must be a positive integer');
  }
  let result: TUploadSummary | undefined;

  async function* encode(): AsyncGenerator<string> {
    const log = new ErrorLog(maxErrors);
    const rules = RuleChecker.of(columns, log, opts.keepExamples ?? false);
    for (const [column, texts] of opts.uniqueSeeds ?? []) rules?.seedUnique(column, texts);
    const options = { log, prefix: `${version}\t`, maxRecordBytes, columns, rules };
    const reader: RecordReader = format === 'csv' ? new CsvRecords(options) : new NdjsonRecords(options);
    const hash = createHash('sha256');
    const utf8 = new Utf8Stream();
    let isBroken = false;
    read: for await (const chunk of source) {
      hash.update(chunk);
      for (let at = 0; at < chunk.length; at += PIECE_BYTES) {
        const piece = chunk.length <= PIECE_BYTES ? chunk : chunk.subarray(at, at + PIECE_BYTES);
        const text = utf8.decode(piece);
        if (text === null) {
          isBroken = true;
          break read;
        }
        reader.feed(text);
        while (reader.run()) yield reader.take();
        if (log.isStopped) break read;
      }
    }
    if (!log.isStopped) {
      const text = isBroken ? null : utf8.end();
      if (text === null) {
        // Check what came before the invalid byte, then stop: what follows cannot be trusted.
        reader.feed(utf8.validText);
        reader.flush();
        while (reader.run()) reader.take();
        log.add(reader.lineAtEnd(), 'invalid UTF-8');
      } else {
        reader.feed(text);
        reader.end();
        while (reader.run()) yield reader.take();
        reader.finish();
      }
    }
    rules?.finish();
    if (log.hasErrors) throw new UploadRejected(log.errors);
    const last = reader.take();
    if (last.length > 0) yield last;
    result = { rowCount: reader.rowCount, digest: hash.digest('hex'), quality: rules?.results() ?? [] };
  }

  return {
    chunks: encode(),
    summary() {
      if (!result) throw new Error('the upload summary is available once all chunks have been read');
      return result;
    },
  };
}
