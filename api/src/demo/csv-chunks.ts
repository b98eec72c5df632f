/** A field of a generated row; null is written as an empty field. */
export type TCell = string | number | null;

const NEEDS_QUOTES = /[",\r\n]/;

const cell = (v: TCell): string => {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  return NEEDS_QUOTES.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
};

/**
 * RFC 4180 CSV (header row, `\n` line ends, UTF-8) of generated rows, in chunks of about
 * `chunkBytes`. Rows are drawn lazily, one chunk at a time, so a dataset is never whole in memory.
 */
export async function* csvChunks(
  header: readonly string[],
  rows: Iterable<readonly TCell[]>,
  chunkBytes = 64 * 1024,
): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  let lines: string[] = [header.map(cell).join(',')];
  let size = Buffer.byteLength(lines[0]!) + 1;
  for (const row of rows) {
    let line = cell(row[0] ?? null);
    for (let i = 1; i < row.length; i++) line += `,${cell(row[i] ?? null)}`;
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
    if (size >= chunkBytes) {
      yield encoder.encode(`${lines.join('\n')}\n`);
      lines = [];
      size = 0;
    }
  }
  if (lines.length > 0) yield encoder.encode(`${lines.join('\n')}\n`);
}
