/**
 * Throughput of `encodeUpload` on a generated 6-column CSV (integer, number, string, date) of
 * 1,000,000 rows held in memory as 64 KB chunks. Not a test; run with
 * `node_modules/.bin/node api/src/ingest/encode-upload.perf.ts [rows] [csv|quoted|ndjson|coded|coded-ndjson]`
 * (`quoted`: CSV with every string field quoted, as spreadsheet exports write it; `coded`: CSV
 * whose region column has a code list, and `coded-ndjson` the same as NDJSON).
 */
import type { TColumn } from '../catalogue/dataset-schema.ts';
import { encodeUpload } from './encode-upload.ts';

const rows = Number(process.argv[2] ?? 1_000_000);
const variant = process.argv[3] ?? 'csv';
const format = variant.endsWith('ndjson') ? 'ndjson' : 'csv';
const REGIONS = ['北京市', 'Shanghai', 'Guangzhou', 'Shenzhen', '成都市', 'Hangzhou'];

const column = (name: string, type: TColumn['type'], nullable = false): TColumn => ({
  name,
  type,
  nullable,
  description: '',
  sensitivity: 'public',
});
const columns = [
  column('id', 'integer'),
  variant.startsWith('coded')
    ? { ...column('region', 'string'), codes: REGIONS }
    : column('region', 'string'),
  column('day', 'date'),
  column('population', 'integer', true),
  column('income', 'number', true),
  column('share', 'number', true),
];

function line(i: number): string {
  const day = `2024-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
  const values = [
    i,
    REGIONS[i % REGIONS.length],
    day,
    (i * 7919) % 10_000_000,
    (i % 100_000) / 8,
    (i % 997) / 1000,
  ];
  if (variant === 'quoted') values[1] = `"${values[1]}"`;
  if (format === 'csv') return `${values.join(',')}\n`;
  const [id, region, d, population, income, share] = values;
  return `${JSON.stringify({ id, region, day: d, population, income, share })}\n`;
}

function generate(): Uint8Array[] {
  const encoder = new TextEncoder();
  const parts: string[] = [format === 'csv' ? `${columns.map((c) => c.name).join(',')}\n` : ''];
  for (let i = 0; i < rows; i++) parts.push(line(i));
  const bytes = encoder.encode(parts.join(''));
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += 64 * 1024) chunks.push(bytes.subarray(at, at + 64 * 1024));
  return chunks;
}

async function* replay(chunks: Uint8Array[]) {
  for (const chunk of chunks) yield chunk;
}

const chunks = generate();
const megabytes = chunks.reduce((sum, c) => sum + c.length, 0) / 1e6;
// Rounds 1-3 only encode; round 4 also turns each batch into UTF-8 bytes, as a COPY writer does.
for (let round = 1; round <= 4; round++) {
  const isWriting = round === 4;
  const started = performance.now();
  const { chunks: out, summary } = encodeUpload(replay(chunks), { format, columns, version: 1 });
  let size = 0;
  for await (const batch of out) size += isWriting ? Buffer.from(batch).length : batch.length;
  const seconds = (performance.now() - started) / 1000;
  const { rowCount } = summary();
  console.log(
    `${variant} round ${round}${isWriting ? ' (+ UTF-8 bytes)' : ''}: ${rowCount} rows, ${megabytes.toFixed(1)} MB ` +
      `in ${seconds.toFixed(3)} s = ${Math.round(rowCount / seconds).toLocaleString('en')} rows/s (${size} out)`,
  );
}
