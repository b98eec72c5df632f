import type { TIndexedAuditRecord } from './audit-entry-filter.ts';

/**
 * The CSV form of the log, for people and spreadsheets (verifiers use NDJSON): RFC 4180 with CRLF
 * line ends, one column per field of the record, the actor spread over three columns, `details` as
 * JSON text. Null is an empty field, the empty string `""`.
 *
 * Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, tab or CR as a formula (CSV
 * injection), and some of these values come from callers (object ids, details). Such a cell gets
 * one leading `'`, which Excel and LibreOffice read as "text"; a cell that already starts with `'`
 * gets one too, so removing one leading `'` from any cell that starts with it gives back the value.
 */
export const AUDIT_CSV_COLUMNS = [
  'index',
  'v',
  'at',
  'actor.userId',
  'actor.orgId',
  'actor.role',
  'action',
  'objectType',
  'objectId',
  'contractId',
  'datasetId',
  'outcome',
  'details',
  'requestId',
] as const;

const FORMULA_START = /^[=+\-@\t\r']/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field: null empty, strings guarded against formulas and quoted where RFC 4180 needs it. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return text === '' || NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const auditCsvHeader = () => `${AUDIT_CSV_COLUMNS.join(',')}\r\n`;

/** One entry as a CSV line, CRLF included. */
export function auditCsvLine(e: TIndexedAuditRecord): string {
  const fields = [
    e.index,
    e.v,
    e.at,
    e.actor?.userId ?? null,
    e.actor?.orgId ?? null,
    e.actor?.role ?? null,
    e.action,
    e.objectType,
    e.objectId,
    e.contractId,
    e.datasetId,
    e.outcome,
    JSON.stringify(e.details),
    e.requestId,
  ];
  return `${fields.map(csvField).join(',')}\r\n`;
}
