import { createReadStream, createWriteStream, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { isIdCardNumber, isUscc } from '../api/src/quality/check-digits.ts';
import { apiCaller, freshServerDatabase, startApi, time } from './lib.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const TOKEN = `enc_${'q'.repeat(43)}`;
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

const w = (rule: Record<string, unknown>) => ({ ...rule, severity: 'warning' });

/**
 * Seven columns, five quality rules on each: errors that every row passes, warnings that some
 * fail; `unique` on the three identifying columns.
 */
export const COLUMNS = [
  {
    name: 'person_id',
    type: 'string',
    rules: [
      { kind: 'idCard' },
      { kind: 'required' },
      { kind: 'unique' },
      { kind: 'pattern', pattern: '[1-9]\\d{5}(18|19|20)\\d{9}[\\dX]' },
      w({ kind: 'pattern', pattern: '11\\d+X?' }),
    ],
  },
  {
    name: 'credit_code',
    type: 'string',
    rules: [
      { kind: 'uscc' },
      { kind: 'required' },
      { kind: 'unique' },
      { kind: 'pattern', pattern: '[0-9A-HJ-NPQRTUWXY]{2}\\d{6}[0-9A-HJ-NPQRTUWXY]{10}' },
      w({ kind: 'pattern', pattern: '9.*' }),
    ],
  },
  {
    name: 'kind',
    type: 'string',
    rules: [
      { kind: 'codes', codes: ['A1', 'A2', 'B1', 'B2', 'C1'] },
      { kind: 'required' },
      { kind: 'pattern', pattern: '[A-C][12]' },
      w({ kind: 'codes', codes: ['A1', 'A2', 'B1', 'B2'] }),
      w({ kind: 'compare', op: '<=', column: 'person_id' }),
    ],
  },
  {
    name: 'amount',
    type: 'number',
    rules: [
      { kind: 'range', min: 0, max: 1_000_000 },
      { kind: 'required' },
      w({ kind: 'range', max: 900_000 }),
      w({ kind: 'range', min: 1 }),
      w({ kind: 'compare', op: '>', column: 'seq' }),
    ],
  },
  {
    name: 'start_day',
    type: 'date',
    rules: [
      { kind: 'range', min: '2000-01-01', max: '2030-12-31' },
      { kind: 'required' },
      { kind: 'compare', op: '<=', column: 'end_day' },
      w({ kind: 'range', min: '2010-01-01' }),
      w({ kind: 'codes', codes: ['2020-01-01'] }),
    ],
  },
  {
    name: 'end_day',
    type: 'date',
    rules: [
      { kind: 'range', min: '2000-01-01', max: '2030-12-31' },
      { kind: 'required' },
      { kind: 'compare', op: '>=', column: 'start_day' },
      w({ kind: 'range', max: '2025-12-31' }),
      w({ kind: 'compare', op: '>', column: 'start_day' }),
    ],
  },
  {
    name: 'seq',
    type: 'integer',
    rules: [
      { kind: 'unique' },
      { kind: 'required' },
      { kind: 'range', min: 1 },
      w({ kind: 'range', max: 999_000 }),
      w({ kind: 'compare', op: '<', column: 'amount' }),
    ],
  },
].map((c) => ({ ...c, sensitivity: 'public', nullable: true }));

/** The 18th character that makes `body` (17 characters) pass `isValid`. */
function completed(body: string, chars: string, isValid: (s: string) => boolean): string {
  for (const ch of chars) if (isValid(body + ch)) return body + ch;
  throw new Error(`no check character for ${body}`);
}

export async function writeCsv(path: string, rows: number) {
  const out = createWriteStream(path);
  out.write(`${COLUMNS.map((c) => c.name).join(',')}\n`);
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const kinds = ['A1', 'A2', 'B1', 'B2', 'C1'];
  let buf = '';
  for (let i = 0; i < rows; i++) {
    const birth = new Date(Date.UTC(1950, 0, 1) + (i % 18_000) * 86_400_000).toISOString().slice(0, 10);
    const id = completed(
      `${110101 + (i % 50)}${birth.replaceAll('-', '')}${String(Math.floor(i / 18_000) % 1000).padStart(3, '0')}`,
      '0123456789X',
      isIdCardNumber,
    );
    const uscc = completed(
      `91${String(110000 + (i % 900)).padStart(6, '0')}${String(i).padStart(9, '0')}`,
      USCC_CHARS,
      isUscc,
    );
    const start = Date.UTC(2005, 0, 1) + (i % 7000) * 86_400_000;
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    buf += `${id},${uscc},${kinds[i % 5]},${(rnd() * 1_000_000).toFixed(2)},${day(start)},${day(start + (i % 400) * 86_400_000)},${i + 1}\n`;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.end(buf);
  await finished(out);
}

/**
 * Ingest through the API of 1 M rows checked against five quality rules per column (35 rules,
 * `unique` on three columns), against PostgreSQL's own COPY FROM of the same file into a plain
 * table; the same upload to a dataset without rules for reference.
 */
export async function benchQuality() {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const dir = mkdtempSync(join(tmpdir(), 'enclave-bench-'));
  const csv = join(dir, 'rows.csv');
  await writeCsv(csv, ROWS);
  const fileMiB = statSync(csv).size / 2 ** 20;
  console.log(`generated ${ROWS} rows, ${fileMiB.toFixed(1)} MiB of CSV`);

  const db = await freshServerDatabase(url);
  const apiProc = await startApi({
    DATABASE_URL: db.url,
    ENCLAVE_BOOTSTRAP_TOKEN: TOKEN,
    RATE_LIMIT_TOKEN: '1000000',
  });
  try {
    const base = apiProc.url;
    const api = apiCaller(base);
    const org = await api('POST', '/v1/orgs', TOKEN, { name: 'bench-provider' });
    const user = await api('POST', '/v1/users', TOKEN, { orgId: org.id, name: 'p', role: 'provider' });
    const { token } = await api('POST', `/v1/users/${user.id}/tokens`, TOKEN, { label: 'bench' });
    const createDataset = (slug: string, columns: unknown[]) =>
      api('POST', '/v1/datasets', token, {
        slug,
        title: '质量规则基准',
        description: 'bench',
        theme: 'economy',
        updateFrequency: 'daily',
        license: 'CC-BY-4.0',
        classification: 1,
        openness: 'open',
        columns,
      });
    const ruled = await createDataset('bench-quality', COLUMNS);
    const plain = await createDataset(
      'bench-quality-plain',
      COLUMNS.map(({ rules: _, ...c }) => c),
    );
    const upload = async (id: string) => {
      const res = await fetch(`${base}/v1/datasets/${id}/data?mode=replace`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        body: Readable.toWeb(createReadStream(csv)) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      const json = await res.json();
      if (res.status !== 201) throw new Error(`ingest: ${res.status} ${JSON.stringify(json).slice(0, 500)}`);
      return json;
    };

    await db.sql.unsafe(
      'create table copy_baseline (person_id text, credit_code text, kind text, amount double precision, start_day date, end_day date, seq bigint)',
    );
    const copyIn = await time(async () => {
      const w = await db.sql`copy copy_baseline from stdin with (format csv, header)`.writable();
      await finished(createReadStream(csv).pipe(w));
    });
    const withoutRules = await time(() => upload(plain.id));
    const withRules = await time(() => upload(ruled.id));
    if (withRules.value.rowCount !== ROWS) throw new Error(`ingested ${withRules.value.rowCount} rows`);
    const report = await api('GET', `/v1/datasets/${ruled.id}/quality`, token);
    const rules = report.results.length as number;

    const result = {
      rows: ROWS,
      fileMiB: +fileMiB.toFixed(1),
      rules,
      copyFromMs: Math.round(copyIn.ms),
      ingestWithRulesMs: Math.round(withRules.ms),
      ingestWithoutRulesMs: Math.round(withoutRules.ms),
      ratio: +(copyIn.ms / withRules.ms).toFixed(2),
      ratioWithoutRules: +(copyIn.ms / withoutRules.ms).toFixed(2),
      target: 0.4,
      score: report.score,
      failing: report.failing,
    };
    console.log(
      `quality  ingest with ${rules} rules ${result.ingestWithRulesMs} ms (without ${result.ingestWithoutRulesMs} ms) vs COPY FROM ${result.copyFromMs} ms → ratio ${result.ratio} (without rules ${result.ratioWithoutRules}; target ≥ 0.4); score ${result.score}`,
    );
    return result;
  } finally {
    await apiProc.stop();
    await db.drop();
  }
}
