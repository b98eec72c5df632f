import { MpcError } from '../errors.ts';
import { MAX_IDENTIFIER_BYTES } from '../psi/hash-to-point.ts';

/** One record of a CSV text, with the line it starts on. */
export type TCsvRecord = { fields: string[]; line: number };

/**
 * The records of a CSV text (RFC 4180: quoted fields, doubled quotes, LF or CRLF), each with its
 * first line. A quoted field never closed is `MPC_INPUT_INVALID`.
 *
 * @example
 * csvRecords('id,name\n"C-1","Doe, J"\n') // [{ fields: ['id','name'], line: 1 }, { fields: ['C-1','Doe, J'], line: 2 }]
 */
export function csvRecords(text: string): TCsvRecord[] {
  const records: TCsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\n') {
      fields.push(field.endsWith('\r') ? field.slice(0, -1) : field);
      records.push({ fields, line: start });
      fields = [];
      field = '';
      start = ++line;
    } else field += ch;
  }
  if (quoted)
    throw new MpcError('MPC_INPUT_INVALID', `the quoted field opened on line ${start} is never closed`);
  if (field !== '' || fields.length > 0) {
    fields.push(field.endsWith('\r') ? field.slice(0, -1) : field);
    records.push({ fields, line: start });
  }
  return records;
}

/** The distinct identifiers of a text, and how many were read before duplicates were dropped. */
export type TIdentifiers = { ids: string[]; read: number; duplicates: number };

const utf8 = new TextEncoder();

/**
 * The distinct identifiers of `text`: one a line, or the column `column` of a CSV with a header.
 * Trimmed and NFC-normalised (as the join hashes them), empty ones skipped, a byte-order mark
 * ignored. An identifier the join would refuse is named by its line, never quoted, so that an error
 * shown or logged carries no identifier. Throws `MPC_INPUT_INVALID` (no identifier, more than
 * `max`, a missing column, one too long or not valid Unicode).
 *
 * @example
 * parseIdentifiers(' a \nb\n\na\n') // { ids: ['a', 'b'], read: 3, duplicates: 1 }
 */
export function parseIdentifiers(
  text: string,
  opts: { column?: string | null; max?: number } = {},
): TIdentifiers {
  const body = text.replace(/^\uFEFF/, '');
  const values = opts.column ? csvColumn(body, opts.column) : lines(body);
  const distinct = new Set<string>();
  let read = 0;
  for (const { value, line } of values) {
    const id = value.trim().normalize('NFC');
    if (id === '') continue;
    read++;
    if (!id.isWellFormed())
      throw new MpcError('MPC_INPUT_INVALID', `the identifier on line ${line} is not valid Unicode`);
    if (utf8.encode(id).length > MAX_IDENTIFIER_BYTES)
      throw new MpcError(
        'MPC_INPUT_INVALID',
        `the identifier on line ${line} is longer than ${MAX_IDENTIFIER_BYTES} bytes`,
      );
    distinct.add(id);
  }
  if (distinct.size === 0) throw new MpcError('MPC_INPUT_INVALID', 'it holds no identifiers');
  if (opts.max !== undefined && distinct.size > opts.max)
    throw new MpcError(
      'MPC_INPUT_INVALID',
      `it holds ${distinct.size} distinct identifiers; a join takes at most ${opts.max}`,
    );
  return { ids: [...distinct], read, duplicates: read - distinct.size };
}

const lines = (text: string) => text.split('\n').map((value, i) => ({ value, line: i + 1 }));

/** The values of one column of a CSV with a header, each with its line. */
function csvColumn(text: string, column: string): { value: string; line: number }[] {
  const [header, ...rows] = csvRecords(text);
  const at = header?.fields.findIndex((f) => f.trim() === column) ?? -1;
  if (at < 0) throw new MpcError('MPC_INPUT_INVALID', `its header (line 1) has no column ${column}`);
  return rows.map((r) => ({ value: r.fields[at] ?? '', line: r.line }));
}
