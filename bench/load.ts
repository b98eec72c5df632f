import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
// @ts-expect-error autocannon ships no type declarations; the part used here is typed below.
import autocannonUntyped from 'autocannon';
import { apiCaller, freshServerDatabase, percentile, startApi, time } from './lib.ts';

const CONNECTIONS = Number(process.env.BENCH_LOAD_CONNECTIONS ?? 10);
const DURATION_S = Number(process.env.BENCH_LOAD_SECONDS ?? 8);
const WARMUP_S = 2;
const INGEST_ROWS = Number(process.env.BENCH_LOAD_INGEST_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_LOAD_RUNS ?? 50);
const TOKEN = `enc_${'l'.repeat(43)}`;
/** High enough that no bench request is refused: the bench measures throughput, not 429s. */
const NO_LIMIT = '1000000000';

type TCannonResult = {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number };
  statusCodeStats: Record<string, { count: number }>;
};
type TCannonInstance = PromiseLike<TCannonResult> & {
  stop(): void;
  on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};
const autocannon = autocannonUntyped as (opts: {
  url: string;
  connections: number;
  duration: number;
}) => TCannonInstance;

type TLoadFigures = {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
};

/**
 * Drives `url` with autocannon for `seconds` (or until `until` settles), after a warm-up. Latencies
 * are taken per response from autocannon's hrtime figure: its own histogram rounds to whole ms.
 */
async function cannon(url: string, opts: { seconds: number; warmup?: boolean; until?: Promise<unknown> }) {
  if (opts.warmup !== false) await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_S });
  const latencies: number[] = [];
  const instance = autocannon({ url, connections: CONNECTIONS, duration: opts.seconds });
  instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  const stop = () => instance.stop();
  opts.until?.then(stop, stop);
  const r = await instance;
  latencies.sort((a, b) => a - b);
  const figures: TLoadFigures = {
    reqPerSec: Math.round(r.requests.total / r.duration),
    p50Ms: +percentile(latencies, 50).toFixed(2),
    p99Ms: +percentile(latencies, 99).toFixed(2),
    maxMs: +latencies.at(-1)!.toFixed(1),
    non2xx: r.non2xx,
    errors: r.errors,
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([s, v]) => [s, v.count])),
  };
  return { ...figures, seconds: r.duration };
}

/** The baseline: plain node:http answering with the same JSON, built per request as `c.json` does. */
const BARE_SERVER = `
import { createServer } from 'node:http';
const value = JSON.parse(process.env.BARE_BODY);
const server = createServer((_req, res) => {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;

/** The bare server in its own process, like the API, so neither runs on autocannon's event loop. */
async function startBareServer(body: string) {
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', BARE_SERVER], {
    env: { ...process.env, BARE_BODY: body },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening on (http:\/\/\S+)/.exec(d.toString());
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function* csvChunks(rows: number) {
  yield 'station,day,aqi,pm25,is_valid\n';
  let buf = '';
  for (let i = 0; i < rows; i++) {
    const day = new Date(Date.UTC(2020, 0, 1) + (i % 1461) * 86_400_000).toISOString().slice(0, 10);
    buf += `S${i % 997},${day},${(i * 37) % 500},${i % 50 === 0 ? '' : ((i * 13) % 3000) / 10},${i % 10 !== 0}\n`;
    if (buf.length > 1 << 16) {
      yield buf;
      buf = '';
    }
  }
  yield buf;
}

type TUploadJob = { url: string; token: string; rows: number };

/** Streams `rows` generated CSV rows to an ingest URL, never the whole file in memory; its time in ms. */
async function uploadCsv(job: TUploadJob) {
  const chunks = csvChunks(job.rows);
  const encoder = new TextEncoder();
  const { ms, value: res } = await time(() =>
    fetch(job.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${job.token}`, 'content-type': 'text/csv' },
      body: new ReadableStream({
        pull(c) {
          const n = chunks.next();
          if (n.done) c.close();
          else c.enqueue(encoder.encode(n.value));
        },
      }),
      duplex: 'half',
    } as RequestInit),
  );
  const json = await res.json();
  if (res.status !== 201 || json.rowCount !== job.rows)
    throw new Error(`ingest: ${res.status} ${JSON.stringify(json)}`);
  return ms;
}

/**
 * The upload in a worker thread of this module: generating and sending the CSV on the main thread
 * would stall autocannon's event loop there and count the stall as the API's latency.
 */
function uploadInWorker(job: TUploadJob) {
  return new Promise<number>((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { upload: job } });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`upload worker exited with ${code}`)));
  });
}

if (!isMainThread && workerData?.upload)
  parentPort!.postMessage(await uploadCsv(workerData.upload as TUploadJob));

const INGEST_COLUMNS = [
  { name: 'station', type: 'string', sensitivity: 'public', nullable: false },
  { name: 'day', type: 'date', sensitivity: 'public', nullable: false },
  { name: 'aqi', type: 'integer', sensitivity: 'public', nullable: false, min: 0, max: 500 },
  { name: 'pm25', type: 'number', sensitivity: 'public', nullable: true, min: 0, max: 1000 },
  { name: 'is_valid', type: 'boolean', sensitivity: 'public', nullable: false },
];

const GROUP_BY = `return enclave.table('social-insurance-contributions').groupBy('district_code', 'industry').agg({ n: 'count', base: ['mean', 'contribution_base'] });`;

/**
 * HTTP throughput and tail latency of the API as `npm start` runs it (its own process, the demo
 * seed, limits raised out of the way) against a bare node:http server, and /v1/health's tail while
 * 50 sandbox runs and a streamed 1 M-row ingest are in flight.
 */
export async function benchLoad() {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const db = await freshServerDatabase(url);
  const dataDir = mkdtempSync(join(tmpdir(), 'enclave-bench-load-'));
  const env = {
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    ENCLAVE_BOOTSTRAP_TOKEN: TOKEN,
    RATE_LIMIT_ANONYMOUS: NO_LIMIT,
    RATE_LIMIT_TOKEN: NO_LIMIT,
    LOG_LEVEL: 'warn',
  };
  // The demo seed through the CLI, into the data directory the API then starts on (same keys).
  await promisify(execFile)(process.execPath, ['api/src/cli.ts', 'seed', '--demo'], {
    env: { ...process.env, ...env },
  });
  const api = await startApi(env);
  const tokens = JSON.parse(readFileSync(join(dataDir, 'demo-tokens.json'), 'utf8')) as {
    role: string;
    token: string;
  }[];
  const tokenOf = (role: string) => tokens.find((t) => t.role === role)!.token;
  const call = apiCaller(api.url);
  let bare: Awaited<ReturnType<typeof startBareServer>> | null = null;
  try {
    const catalogue = await call('GET', '/v1/datasets?limit=100', TOKEN);
    const air = catalogue.items.find((d: { slug: string }) => d.slug === 'city-air-quality-daily');
    if (!air) throw new Error('the demo seed made no city-air-quality-daily dataset');
    const trivialPath = '/.well-known/jwks.json';
    const jwks = await (await fetch(`${api.url}${trivialPath}`)).text();
    bare = await startBareServer(jwks);

    // Other work on this machine skews every figure: the 1-minute load average says how busy it was.
    const loadAverage = +loadavg()[0]!.toFixed(1);
    // 1. Anonymous reads, each route after its own warm-up, the same connections and duration.
    const baseline = await cannon(bare.url, { seconds: DURATION_S });
    const ROUTES = [
      ['trivial JSON', trivialPath],
      ['health', '/v1/health'],
      ['catalogue search', `/v1/datasets?q=${encodeURIComponent('空气')}`],
      ['open rows ×100', `/v1/open/${air.id}/rows?limit=100`],
    ] as const;
    const routes = [];
    for (const [name, path] of ROUTES) {
      const f = await cannon(`${api.url}${path}`, { seconds: DURATION_S });
      if (f.non2xx || f.errors)
        throw new Error(`${path}: ${f.non2xx} non-2xx, ${f.errors} errors: ${JSON.stringify(f.statusCodes)}`);
      routes.push({
        name,
        path,
        ...f,
        reqPerSecRatio: +(f.reqPerSec / baseline.reqPerSec).toFixed(2),
        p99Ratio: +(f.p99Ms / baseline.p99Ms).toFixed(2),
      });
    }

    // 2. /v1/health while the sandbox and the ingest are busy.
    const provider = tokenOf('provider');
    const operator = tokenOf('operator');
    const contracts = await call('GET', '/v1/contracts', operator);
    const contract = contracts.items.find((c: { state: string }) => c.state === 'active');
    if (!contract) throw new Error('the demo seed made no active contract');
    const session = (await call('POST', '/v1/sandbox/sessions', operator, { contractId: contract.id })).id;
    const ds = await call('POST', '/v1/datasets', provider, {
      slug: 'bench-load-ingest',
      title: '负载测试',
      description: 'bench',
      theme: 'environment',
      updateFrequency: 'daily',
      license: 'CC-BY-4.0',
      classification: 1,
      openness: 'open',
      columns: INGEST_COLUMNS,
    });
    const run = async () => {
      const submitted = await call('POST', `/v1/sandbox/sessions/${session}/runs`, operator, {
        script: GROUP_BY,
        target: 'real',
        params: {},
      });
      for (;;) {
        const r = await call('GET', `/v1/sandbox/runs/${submitted.id}?wait=30`, operator);
        if (r.status !== 'queued' && r.status !== 'running') return r.status as string;
      }
    };
    const ingestMs = uploadInWorker({
      url: `${api.url}/v1/datasets/${ds.id}/data`,
      token: provider,
      rows: INGEST_ROWS,
    });
    const runsTimed = time(() => Promise.all(Array.from({ length: RUNS }, run)));
    const busy = Promise.allSettled([ingestMs, runsTimed]);
    const health = await cannon(`${api.url}/v1/health`, { seconds: 600, warmup: false, until: busy });
    const [ingested, ran] = [await ingestMs, await runsTimed];
    const statuses: Record<string, number> = {};
    for (const s of ran.value) statuses[s] = (statuses[s] ?? 0) + 1;
    const idle = routes.find((r) => r.name === 'health')!;

    const result = {
      connections: CONNECTIONS,
      seconds: DURATION_S,
      warmupSeconds: WARMUP_S,
      loadAverage,
      bare: { path: trivialPath, ...baseline },
      routes,
      healthUnderLoad: {
        ...health,
        idleP99Ms: idle.p99Ms,
        p99Ratio: +(health.p99Ms / idle.p99Ms).toFixed(2),
        ingest: {
          rows: INGEST_ROWS,
          ms: Math.round(ingested),
          rowsPerSec: Math.round(INGEST_ROWS / (ingested / 1000)),
        },
        runs: { submitted: RUNS, ms: Math.round(ran.ms), statuses },
      },
    };
    const cell = (s: string | number, w: number) => String(s).padStart(w);
    console.log(
      `load     ${CONNECTIONS} connections, ${DURATION_S} s after ${WARMUP_S} s warm-up; ratio = Enclave / bare node:http; load average ${loadAverage} before`,
    );
    console.log(
      `load     ${'route'.padEnd(18)}${cell('req/s', 8)}${cell('p50 ms', 9)}${cell('p99 ms', 9)}${cell('non-2xx', 9)}${cell('req/s ratio', 13)}${cell('p99 ratio', 11)}`,
    );
    console.log(
      `load     ${'bare node:http'.padEnd(18)}${cell(baseline.reqPerSec, 8)}${cell(baseline.p50Ms, 9)}${cell(baseline.p99Ms, 9)}${cell(baseline.non2xx, 9)}`,
    );
    for (const r of routes)
      console.log(
        `load     ${r.name.padEnd(18)}${cell(r.reqPerSec, 8)}${cell(r.p50Ms, 9)}${cell(r.p99Ms, 9)}${cell(r.non2xx, 9)}${cell(r.reqPerSecRatio, 13)}${cell(r.p99Ratio, 11)}`,
      );
    const u = result.healthUnderLoad;
    console.log(
      `load     health under load ${u.seconds} s: ${u.reqPerSec} req/s, p50 ${u.p50Ms} ms, p99 ${u.p99Ms} ms vs idle ${u.idleP99Ms} ms → ×${u.p99Ratio}, max ${u.maxMs} ms, non-2xx ${u.non2xx}, errors ${u.errors}`,
    );
    console.log(
      `load       meanwhile: ${INGEST_ROWS} rows ingested in ${u.ingest.ms} ms (${u.ingest.rowsPerSec} rows/s); ${RUNS} group-by runs in ${u.runs.ms} ms (${JSON.stringify(statuses)})`,
    );
    return result;
  } finally {
    await bare?.stop();
    await api.stop();
    await db.drop();
  }
}
