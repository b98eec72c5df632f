import { createReadStream, createWriteStream, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { freshServerDatabase, percentile, rssMiB, startApi, time, watchPeak } from './lib.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const TOKEN = `enc_${'b'.repeat(43)}`;

const COLUMNS = [
  { name: 'city_code', type: 'string', sensitivity: 'public', nullable: false },
  { name: 'day', type: 'date', sensitivity: 'public', nullable: false },
  { name: 'aqi', type: 'integer', sensitivity: 'public', nullable: false, min: 0, max: 500 },
  { name: 'pm25', type: 'number', sensitivity: 'public', nullable: true, min: 0, max: 1000 },
  { name: 'station', type: 'string', sensitivity: 'public', nullable: false },
  { name: 'is_valid', type: 'boolean', sensitivity: 'public', nullable: false },
];

async function writeCsv(path: string, rows: number) {
  const out = createWriteStream(path);
  out.write('city_code,day,aqi,pm25,station,is_valid\n');
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  let buf = '';
  for (let i = 0; i < rows; i++) {
    const day = new Date(Date.UTC(2020, 0, 1) + (i % 1461) * 86_400_000).toISOString().slice(0, 10);
    const pm = rnd() < 0.02 ? '' : (rnd() * 300).toFixed(1);
    buf += `${110100 + (i % 300) * 100},${day},${Math.floor(rnd() * 500)},${pm},"监测站 ${i % 997}, 区${i % 13}",${rnd() < 0.9}\n`;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.end(buf);
  await finished(out);
}

async function api(base: string, method: string, path: string, body?: unknown, token = TOKEN) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function drain(res: Response): Promise<number> {
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
  return bytes;
}

/** Ingest and download through the API against PostgreSQL's own COPY; catalogue search latency. */
export async function benchFoundation() {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const dir = mkdtempSync(join(tmpdir(), 'enclave-bench-'));
  const csv = join(dir, 'rows.csv');
  const smallCsv = join(dir, 'rows-quarter.csv');
  await writeCsv(csv, ROWS);
  await writeCsv(smallCsv, ROWS / 4);
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
    const org = await api(base, 'POST', '/v1/orgs', { name: 'bench-provider' });
    const user = await api(base, 'POST', '/v1/users', { orgId: org.id, name: 'p', role: 'provider' });
    const { token } = await api(base, 'POST', `/v1/users/${user.id}/tokens`, { label: 'bench' });
    const createDataset = (slug: string) =>
      api(
        base,
        'POST',
        '/v1/datasets',
        {
          slug,
          title: '基准测试',
          description: 'bench',
          theme: 'environment',
          updateFrequency: 'daily',
          license: 'CC-BY-4.0',
          classification: 1,
          openness: 'open',
          columns: COLUMNS,
        },
        token,
      );
    const ds = await createDataset('bench-air');
    const small = await createDataset('bench-air-quarter');
    const upload = async (id: string, file: string) => {
      const res = await fetch(`${base}/v1/datasets/${id}/data?mode=replace`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        body: Readable.toWeb(createReadStream(file)) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      const json = await res.json();
      if (res.status !== 201) throw new Error(`ingest: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };

    // Baseline: PostgreSQL's own COPY FROM of the same file into a table of the same types.
    await db.sql.unsafe(
      'create table copy_baseline (city_code text not null, day date not null, aqi bigint not null, pm25 double precision, station text not null, is_valid boolean not null)',
    );
    const copyIn = await time(async () => {
      const w = await db.sql`copy copy_baseline from stdin with (format csv, header)`.writable();
      await finished(createReadStream(csv).pipe(w));
    });

    const idleMiB = rssMiB(apiProc.pid);
    let stopWatch = watchPeak(apiProc.pid);
    await upload(small.id, smallCsv);
    const quarterPeakMiB = stopWatch();
    stopWatch = watchPeak(apiProc.pid);
    const ingest = await time(() => upload(ds.id, csv));
    const ingestPeakMiB = stopWatch();
    if (ingest.value.rowCount !== ROWS)
      throw new Error(`ingested ${ingest.value.rowCount} rows, expected ${ROWS}`);

    await api(base, 'POST', `/v1/datasets/${ds.id}/submit`, undefined, token);
    await api(base, 'POST', `/v1/datasets/${ds.id}/review`, { decision: 'approve' });

    const copyOut = await time(async () => {
      let bytes = 0;
      const r = await db.sql`copy copy_baseline to stdout with (format csv, header)`.readable();
      for await (const chunk of r) bytes += (chunk as Buffer).length;
      return bytes;
    });
    stopWatch = watchPeak(apiProc.pid);
    const download = await time(async () =>
      drain(await fetch(`${base}/v1/open/${ds.id}/download?format=csv`)),
    );
    const downloadPeakMiB = stopWatch();

    // Catalogue search over 10 000 datasets.
    await db.sql.unsafe(`
      insert into datasets (id, slug, title, title_en, description, provider_org_id, theme, tags, update_frequency,
        license, classification, openness, columns, status, search_text, created_by, published_at)
      select 'ds_bench' || g, 'bench-' || g, '数据集 ' || g || (array['空气质量','公交客流','企业登记','医疗机构','学校名录'])[1 + g % 5],
        'Dataset ' || g, '描述 ' || md5(g::text), '${org.id}',
        (array['environment','transport','economy','health','education'])[1 + g % 5], array['tag' || (g % 50)],
        'daily', 'CC-BY-4.0', 1, (array['open','conditional','closed'])[1 + g % 3], '[]'::jsonb, 'published',
        lower('bench-' || g || ' 数据集 ' || g || (array['空气质量','公交客流','企业登记','医疗机构','学校名录'])[1 + g % 5] || ' dataset ' || g || ' 描述 ' || md5(g::text)),
        '${user.id}', now() - (g || ' minutes')::interval
      from generate_series(1, 10000) g`);
    const queries = [
      'q=空气',
      'q=dataset%2012',
      'theme=transport',
      'q=企业&openness=open',
      'tag=tag7',
      'q=公交&limit=100',
      'openness=conditional&offset=500',
      'q=nomatch',
    ];
    for (const q of queries) await fetch(`${base}/v1/datasets?${q}`).then((r) => r.arrayBuffer());
    const latencies: number[] = [];
    for (let i = 0; i < 400; i++) {
      const q = queries[i % queries.length]!;
      const { ms } = await time(() =>
        fetch(`${base}/v1/datasets?${q}`, { headers: { authorization: `Bearer ${token}` } }).then((r) =>
          r.arrayBuffer(),
        ),
      );
      latencies.push(ms);
    }
    latencies.sort((a, b) => a - b);

    const ingestRatio = copyIn.ms / ingest.ms;
    const downloadRatio = copyOut.ms / download.ms;
    const result = {
      rows: ROWS,
      fileMiB: +fileMiB.toFixed(1),
      ingest: {
        apiMs: Math.round(ingest.ms),
        copyFromMs: Math.round(copyIn.ms),
        apiRowsPerSec: Math.round(ROWS / (ingest.ms / 1000)),
        copyRowsPerSec: Math.round(ROWS / (copyIn.ms / 1000)),
        ratio: +ingestRatio.toFixed(2),
        target: 0.5,
      },
      download: {
        apiMs: Math.round(download.ms),
        copyToMs: Math.round(copyOut.ms),
        apiBytes: download.value,
        copyBytes: copyOut.value,
        ratio: +downloadRatio.toFixed(2),
        target: 0.5,
      },
      catalogueSearch: {
        datasets: 10_000,
        requests: latencies.length,
        p50Ms: +percentile(latencies, 50).toFixed(2),
        p99Ms: +percentile(latencies, 99).toFixed(2),
      },
      apiMemoryMiB: {
        idle: Math.round(idleMiB),
        peakDuringQuarterIngest: Math.round(quarterPeakMiB),
        peakDuringIngest: Math.round(ingestPeakMiB),
        peakDuringDownload: Math.round(downloadPeakMiB),
        file: Math.round(fileMiB),
      },
    };
    console.log(
      `ingest   API ${result.ingest.apiRowsPerSec} rows/s vs COPY FROM ${result.ingest.copyRowsPerSec} rows/s → ratio ${result.ingest.ratio} (target ≥ 0.5)`,
    );
    console.log(
      `download API ${result.download.apiMs} ms vs COPY TO ${result.download.copyToMs} ms → ratio ${result.download.ratio} (target ≥ 0.5)`,
    );
    console.log(
      `search   10 000 datasets: p50 ${result.catalogueSearch.p50Ms} ms, p99 ${result.catalogueSearch.p99Ms} ms`,
    );
    console.log(
      `memory   API idle ${result.apiMemoryMiB.idle} MiB, peak ingest ${result.apiMemoryMiB.peakDuringQuarterIngest} MiB (${ROWS / 4} rows) / ${result.apiMemoryMiB.peakDuringIngest} MiB (${ROWS} rows), peak download ${result.apiMemoryMiB.peakDuringDownload} MiB, file ${result.apiMemoryMiB.file} MiB`,
    );
    return result;
  } finally {
    await apiProc.stop();
    await db.drop();
  }
}
