import { readFileSync } from 'node:fs';
import { dummyTable, executeRun, type TTable } from '@enclave/sandbox';
import { freshServerDatabase, licensedDataset, percentile, rssMiB, startApi, time } from './lib.ts';
import { benchUtility } from './utility.ts';

const SCALES = (process.env.BENCH_SANDBOX_ROWS ?? '1000000,10000000').split(',').map(Number);
const GROUPS = 3_000;
const TOKEN = `enc_${'s'.repeat(43)}`;
const GRP_CODES = Array.from({ length: GROUPS }, (_, g) => `g${g}`);

const COLUMNS = [
  { name: 'person_id', type: 'string', sensitivity: 'identifier' },
  { name: 'grp', type: 'string', sensitivity: 'public', codes: GRP_CODES },
  { name: 'wage', type: 'number', sensitivity: 'sensitive', min: 0, max: 100000 },
  { name: 'bonus', type: 'number', sensitivity: 'sensitive', min: 0, max: 100000 },
  { name: 'flag', type: 'boolean', sensitivity: 'public' },
];

function* csvChunks(rows: number) {
  yield 'person_id,grp,wage,bonus,flag\n';
  let buf = '';
  for (let i = 0; i < rows; i++) {
    buf += `P${i},g${(i * 7919) % GROUPS},${3000 + ((i * 37) % 20000)},${(i * 13) % 5000},${i % 3 === 0}\n`;
    if (buf.length > 1 << 16) {
      yield buf;
      buf = '';
    }
  }
  yield buf;
}

/** The same group-by in plain Node over typed arrays: the baseline of the warm run. */
function plainGroupBy(grp: Int32Array, wage: Float64Array, bonus: Float64Array) {
  const n = new Float64Array(GROUPS);
  const sw = new Float64Array(GROUPS);
  const sb = new Float64Array(GROUPS);
  for (let i = 0; i < grp.length; i++) {
    const g = grp[i]!;
    n[g]!++;
    sw[g]! += wage[i]!;
    sb[g]! += bonus[i]!;
  }
  const out: [number, number, number][] = [];
  for (let g = 0; g < GROUPS; g++) out.push([n[g]!, sw[g]! / n[g]!, sb[g]! / n[g]!]);
  return out;
}

const childPids = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};

const median = async (times: number, fn: () => Promise<unknown>) => {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) ms.push((await time(fn)).ms);
  ms.sort((a, b) => a - b);
  return percentile(ms, 50);
};

const GROUP_BY = `return enclave.table('bench-wages').groupBy('grp').agg({ n: 'count', w: ['mean', 'wage'], b: ['mean', 'bonus'] });`;

/**
 * One scale: a dataset of `rows` rows through the API on a PostgreSQL server, an active contract, and
 * the group-by as an aggregate run (script on dummy tables, release on the real rows): cold, warm end
 * to end, the same inside the worker without API or queue, and the bare loop in plain Node.
 */
async function measureScale(rows: number, isLarge: boolean) {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const db = await freshServerDatabase(url);
  const api = await startApi({
    DATABASE_URL: db.url,
    ENCLAVE_BOOTSTRAP_TOKEN: TOKEN,
    RATE_LIMIT_TOKEN: '10000000',
    SANDBOX_EXECUTORS: '2',
    SANDBOX_ISOLATE_MEMORY_MB: '1024',
  });
  try {
    // At ten million rows the identifier column's ten million strings are left out of the licence.
    const licensed = isLarge ? ['grp', 'wage', 'bonus', 'flag'] : COLUMNS.map((c) => c.name);
    const platform = await licensedDataset(api.url, TOKEN, {
      slug: 'bench-wages',
      columns: COLUMNS,
      csv: csvChunks(rows),
      licensed,
      operations: ['sandbox'],
      policy: { epsilon: 100, epsilonPerRun: 1 },
    });
    const { call, operator } = platform;
    const upload = { ms: platform.uploadMs };
    /** A new active contract and a session under it: each has its own 100 runs a day. */
    const newSession = async () =>
      (await call('POST', '/v1/sandbox/sessions', { contractId: await platform.contract() }, operator.token))
        .id as string;
    let session = await newSession();
    const run = async (script: string, target: 'real' | 'dummy', params: unknown = {}) => {
      const submitted = await call(
        'POST',
        `/v1/sandbox/sessions/${session}/runs`,
        { script, target, params },
        operator.token,
      );
      for (;;) {
        const r = await call('GET', `/v1/sandbox/runs/${submitted.id}?wait=30`, undefined, operator.token);
        if (r.status !== 'queued' && r.status !== 'running') return r;
      }
    };
    const cold = await time(() => run(GROUP_BY, 'real'));
    if (cold.value.status !== 'succeeded')
      throw new Error(`cold run: ${JSON.stringify(cold.value).slice(0, 500)}`);
    // Warm: both executors now hold the tables (the second may need one more cold load). The same
    // question each time, so the release is charged once and answered from the ledger after.
    await run(GROUP_BY, 'real');
    const warmMs = await median(15, () => run(GROUP_BY, 'real'));

    const grp = new Int32Array(rows);
    const wage = new Float64Array(rows);
    const bonus = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      grp[i] = (i * 7919) % GROUPS;
      wage[i] = 3000 + ((i * 37) % 20000);
      bonus[i] = (i * 13) % 5000;
    }
    plainGroupBy(grp, wage, bonus);
    const plainMs = await median(5, async () => plainGroupBy(grp, wage, bonus));

    // Inside the worker, without the API and the queue: a fresh isolate running the script on the
    // dummy table, and the release computed by the host on the real arrays.
    const real: TTable = {
      name: 'bench-wages',
      key: 'bench:1',
      rowCount: rows,
      columns: {
        grp: { type: 'string', codes: grp, dictionary: GRP_CODES },
        wage: { type: 'number', values: wage, nulls: null },
        bonus: { type: 'number', values: bonus, nulls: null },
      },
      bounds: { wage: { min: 0, max: 100000 }, bonus: { min: 0, max: 100000 } },
      schema: {
        grp: { nullable: false, codes: GRP_CODES },
        wage: { nullable: false },
        bonus: { nullable: false },
      },
    };
    const dummy = dummyTable({
      name: 'bench-wages',
      key: 'dummy:bench',
      rows: 10_000,
      seed: 'bench',
      columns: COLUMNS.filter((c) => c.name !== 'person_id' && c.name !== 'flag').map(
        (c) => ({ ...c, nullable: false }) as never,
      ),
    });
    const inWorker = async () => {
      const out = await executeRun({
        script: GROUP_BY,
        params: null,
        limits: { memoryMb: 1024, cpuMs: 10_000, wallMs: 20_000, maxResultBytes: 1 << 22 },
        kind: 'aggregate',
        scriptTables: [dummy],
        hostTables: [real],
        release: {
          policy: { minCellCount: 10, rounding: 5, dominance: { n: 2, k: 0.85 } },
          noiseSecretHex: '11'.repeat(32),
          epsilon: 1,
        },
        charge: null,
      });
      if (out.outcome?.kind !== 'released') throw new Error('in-worker run was not released');
    };
    await inWorker();
    const workerMs = await median(15, inWorker);

    const executorMiB = childPids(api.pid).map(rssMiB);
    const figures = {
      rows,
      groups: GROUPS,
      uploadRowsPerSec: Math.round(rows / (upload.ms / 1000)),
      coldRunMs: Math.round(cold.ms),
      warmRunMs: Math.round(warmMs),
      plainNodeMs: +plainMs.toFixed(1),
      warmRatio: +(warmMs / plainMs).toFixed(2),
      inWorkerRunMs: +workerMs.toFixed(1),
      inWorkerRatio: +(workerMs / plainMs).toFixed(2),
      executorRssMiB: executorMiB.map(Math.round),
    };
    console.log(
      `sandbox  ${rows} rows: warm group-by ${figures.warmRunMs} ms end to end vs plain Node ${figures.plainNodeMs} ms → ratio ${figures.warmRatio}; inside the worker ${figures.inWorkerRunMs} ms → ratio ${figures.inWorkerRatio}; cold ${figures.coldRunMs} ms`,
    );
    if (isLarge) return figures;

    const trivial = async (script: string, target: 'real' | 'dummy') => {
      session = await newSession();
      const ms: number[] = [];
      for (let i = 0; i < 100; i++) ms.push((await time(() => run(script, target))).ms);
      ms.sort((a, b) => a - b);
      return { p50Ms: +percentile(ms, 50).toFixed(1), p99Ms: +percentile(ms, 99).toFixed(1) };
    };
    // An aggregate run with nothing to release, and one releasing a count answered from the ledger.
    const trivialRun = {
      aggregate: await trivial('return 1;', 'real'),
      cachedCount: await trivial(`return enclave.table('bench-wages').count();`, 'real'),
      dummy: await trivial('return 1;', 'dummy'),
    };
    session = await newSession();
    const burst = await time(() => Promise.all(Array.from({ length: 100 }, () => run('return 1;', 'real'))));
    console.log(
      `sandbox  trivial aggregate run p50 ${trivialRun.aggregate.p50Ms} ms, p99 ${trivialRun.aggregate.p99Ms} ms (releasing a count: ${trivialRun.cachedCount.p50Ms} / ${trivialRun.cachedCount.p99Ms} ms; dummy: ${trivialRun.dummy.p50Ms} / ${trivialRun.dummy.p99Ms} ms); ${(100 / (burst.ms / 1000)).toFixed(1)} runs/s (100 at once)`,
    );
    return { ...figures, trivialRun, runsPerSec: +(100 / (burst.ms / 1000)).toFixed(1) };
  } finally {
    await api.stop();
    await db.drop();
  }
}

/** Sandbox figures: utility at the default policy, group-by at each scale, trivial-run latency. */
export async function benchSandbox() {
  const utility = benchUtility();
  const scales = [];
  for (const [i, rows] of SCALES.entries()) scales.push(await measureScale(rows, i > 0));
  return { utility, scales };
}
