import {
  checkSerialized,
  createMpcPool,
  evaluateModel,
  generateBlindingSecret,
  MpcError,
  PARAM_SETS,
  randomPermutation,
} from '@enclave/mpc';
import {
  answerPsi,
  call,
  createHeKeys,
  decryptScores,
  decryptSlots,
  encryptModel,
  splitResult,
  startPsi,
} from '@enclave/mpc/client';
import { freshServerDatabase, licensedDataset, percentile, startApi, time } from './lib.ts';

const ROWS = 100_000;
const FEATURES = 4;
const GROUPS = 50;

/** Per-group means of 4 columns over 100 000 rows, and the linear score: the plaintext baseline. */
function plainModel(group: Int32Array, cols: Float64Array[], w: number[], b: number) {
  const n = new Float64Array(GROUPS);
  const sums = cols.map(() => new Float64Array(GROUPS));
  for (let i = 0; i < group.length; i++) {
    const g = group[i]!;
    n[g]!++;
    for (let j = 0; j < cols.length; j++) sums[j]![g]! += cols[j]![i]!;
  }
  const means = Array.from({ length: GROUPS }, (_, g) => sums.map((s) => s[g]! / n[g]!));
  return { means, scores: means.map((m) => m.reduce((s, x, j) => s + w[j]! * x, b)) };
}

async function benchModel() {
  const group = Int32Array.from({ length: ROWS }, (_, i) => (i * 7919) % GROUPS);
  const cols = Array.from({ length: FEATURES }, (_, j) =>
    Float64Array.from({ length: ROWS }, (_, i) => 1000 + ((i * (37 + j)) % 5000)),
  );
  const w = [0.002, -0.5, 1.25, 3e-4];
  const b = 7;
  const plain: number[] = [];
  let baseline = plainModel(group, cols, w, b);
  for (let i = 0; i < 50; i++)
    plain.push((await time(async () => (baseline = plainModel(group, cols, w, b)))).ms);
  const keysT = await time(() => createHeKeys('ckks-8192'));
  const encT = await time(() => encryptModel(keysT.value, w, b));
  const model = splitResult(encT.value);
  const server: number[] = [];
  let out = await evaluateModel({ paramSet: 'ckks-8192', model, features: baseline.means });
  for (let i = 0; i < 50; i++) {
    server.push(
      (
        await time(async () => {
          const { means } = plainModel(group, cols, w, b);
          out = await evaluateModel({ paramSet: 'ckks-8192', model, features: means });
        })
      ).ms,
    );
  }
  const decT = await time(() => decryptScores(keysT.value, out.ciphertexts[0]!, GROUPS));
  const slots = await decryptSlots(keysT.value, out.ciphertexts[0]!);
  const relErr = Math.max(
    ...decT.value.map((s, g) => Math.abs(s - baseline.scores[g]!) / Math.abs(baseline.scores[g]!)),
  );
  const nonAnswer = Math.max(...Array.from(slots.subarray(GROUPS), Math.abs));
  plain.sort((x, y) => x - y);
  server.sort((x, y) => x - y);
  const r = {
    rows: ROWS,
    features: FEATURES,
    groups: GROUPS,
    plainMsP50: percentile(plain, 50),
    serverMsP50: percentile(server, 50),
    serverMsP99: percentile(server, 99),
    ratioP50: percentile(server, 50) / percentile(plain, 50),
    clientKeygenMs: keysT.ms,
    clientEncryptMs: encT.ms,
    clientDecryptMs: decT.ms,
    bytesUp: encT.value.length,
    bytesDown: out.ciphertexts.reduce((s, c) => s + c.length, 0),
    maxRelativeError: relErr,
    maxNonAnswerSlot: nonAnswer,
  };
  console.log(
    `mpc model ${ROWS}×${FEATURES} in ${GROUPS} groups: server p50 ${r.serverMsP50.toFixed(1)} ms p99 ${r.serverMsP99.toFixed(1)} ms vs plaintext ${r.plainMsP50.toFixed(2)} ms (×${r.ratioP50.toFixed(0)}); client keys ${r.clientKeygenMs.toFixed(0)} ms, encrypt ${r.clientEncryptMs.toFixed(0)} ms, decrypt ${r.clientDecryptMs.toFixed(0)} ms; up ${(r.bytesUp / 1024).toFixed(0)} KiB, down ${(r.bytesDown / 1024).toFixed(0)} KiB; rel. error ${r.maxRelativeError.toExponential(1)}, non-answer slot ${r.maxNonAnswerSlot.toExponential(1)}`,
  );
  return r;
}

const PLATFORM_IDS = 100_000;
const OPERATOR_IDS = 10_000;

/**
 * PSI of 10 000 operator identifiers against 100 000 platform rows, as the platform's jobs do it
 * (two worker processes, hashes cached per dataset version) and as the operator's SDK does it,
 * against a plaintext hash join.
 */
async function benchPsi() {
  const platform = Array.from(
    { length: PLATFORM_IDS },
    (_, i) => `110101${String(19_600_000 + i).padStart(12, '0')}`,
  );
  const operator = Array.from({ length: OPERATOR_IDS }, (_, i) =>
    i % 2 === 0 ? platform[i * 7]! : `9${String(i).padStart(17, '0')}`,
  );
  const plainJoin = await time(async () => {
    const set = new Set(platform);
    return operator.filter((id) => set.has(id)).length;
  });
  const pool = createMpcPool({ size: 2 });
  try {
    const halves = async (n: number, op: (from: number, to: number) => Promise<Uint8Array>) => {
      const mid = Math.ceil(n / 2);
      return Buffer.concat(await Promise.all([op(0, mid), op(mid, n)]));
    };
    // Warm the workers (their first task loads the modules).
    await Promise.all([pool.run('psi.hash', { ids: ['a'] }), pool.run('psi.hash', { ids: ['b'] })]);
    const hashT = await time(() =>
      halves(PLATFORM_IDS, (a, z) => pool.run('psi.hash', { ids: platform.slice(a, z) })),
    );
    const hashed = hashT.value;
    const total = Math.ceil(PLATFORM_IDS / 1024) * 1024;
    const padding = await pool.run('psi.hash', {
      ids: Array.from({ length: total - PLATFORM_IDS }, () =>
        Buffer.from(generateBlindingSecret()).toString('hex'),
      ),
    });
    // Platform, before the operator answers: blind, shuffle.
    const secret = generateBlindingSecret();
    const prepareT = await time(async () => {
      const all = Buffer.concat([hashed, padding]);
      const blinded = await halves(total, (a, z) =>
        pool.run('psi.blind', { secret, points: all.subarray(a * 32, z * 32) }),
      );
      const perm = randomPermutation(total);
      const points = Buffer.alloc(total * 32);
      perm.forEach((from, to) => {
        points.set(blinded.subarray(from * 32, from * 32 + 32), to * 32);
      });
      return { points, perm };
    });
    // Operator.
    const opT = await time(async () => {
      const op = await startPsi(operator);
      return answerPsi(op, prepareT.value.points);
    });
    const body = opT.value;
    // Platform, the join.
    const joinT = await time(async () => {
      const theirs = body.subarray(0, body.length - total * 32);
      const back = body.subarray(body.length - total * 32);
      const n = theirs.length / 32;
      const doubled = await halves(n, (a, z) =>
        pool.run('psi.blind', { secret, points: theirs.subarray(a * 32, z * 32) }),
      );
      const found = await pool.run('psi.match', { points: back, among: doubled });
      let matched = 0;
      for (let j = 0; j < total; j++) if (found[j] && prepareT.value.perm[j]! < PLATFORM_IDS) matched++;
      return matched;
    });
    const platformMs = prepareT.ms + joinT.ms;
    const r = {
      operatorIds: OPERATOR_IDS,
      platformIds: PLATFORM_IDS,
      matched: joinT.value,
      expected: plainJoin.value,
      plainJoinMs: plainJoin.ms,
      platformHashOnceMs: hashT.ms,
      platformPrepareMs: prepareT.ms,
      platformJoinMs: joinT.ms,
      platformMs,
      ratio: platformMs / plainJoin.ms,
      operatorMs: opT.ms,
      bytesDown: total * 32,
      bytesUp: body.length,
    };
    console.log(
      `mpc psi ${OPERATOR_IDS}×${PLATFORM_IDS}: platform ${(platformMs / 1000).toFixed(2)} s with cached hashes (blind ${(prepareT.ms / 1000).toFixed(2)} s + join ${(joinT.ms / 1000).toFixed(2)} s; hashing once ${(hashT.ms / 1000).toFixed(1)} s) vs plaintext hash join ${plainJoin.ms.toFixed(1)} ms (×${r.ratio.toFixed(0)}); operator ${(opT.ms / 1000).toFixed(1)} s; down ${(r.bytesDown / 1e6).toFixed(1)} MB, up ${(r.bytesUp / 1e6).toFixed(1)} MB; matched ${r.matched} of ${r.expected}`,
    );
    return r;
  } finally {
    await pool.close();
  }
}

/** What refusing hostile bytes costs, and what 1 000 refusals (framing and SEAL's load) leave on the heap. */
async function benchHostile() {
  const set = PARAM_SETS['ckks-8192'];
  const keys = await createHeKeys('ckks-8192');
  const [ct] = splitResult(await encryptModel(keys, [1], 0));
  const bomb = Uint8Array.from(ct!);
  bomb[5] = 2;
  const forged = Uint8Array.from(ct!);
  const framing = await time(async () => {
    for (let i = 0; i < 1000; i++) {
      try {
        checkSerialized(bomb, 'ciphertext', set);
      } catch (e) {
        if (!(e instanceof MpcError)) throw e;
      }
    }
  });
  const pool = createMpcPool({ size: 1 });
  try {
    await pool.run('psi.hash', { ids: ['warm'] });
    const model = [forged, ct!];
    const evalOnce = () =>
      pool.run('he.evaluate', { paramSet: 'ckks-8192', model, features: [[1]] }).catch((e) => e);
    forged.set(crypto.getRandomValues(new Uint8Array(65536)), 100_000);
    await evalOnce();
    const rssBefore = pool.stats().rssBytes[0]! / 1024 ** 2;
    const sealT = await time(async () => {
      for (let i = 0; i < 1000; i++) {
        forged.set(crypto.getRandomValues(new Uint8Array(65536)), 100_000);
        const e = await evalOnce();
        if (!(e instanceof MpcError) || e.code !== 'MPC_BYTES_INVALID') throw new Error(`not refused: ${e}`);
      }
    });
    const probe = await pool.run('psi.hash', { ids: ['probe'] });
    const r = {
      framingRejectUs: (framing.ms * 1000) / 1000,
      sealRejectMs: sealT.ms / 1000,
      workersStarted: pool.stats().started,
      workerRssBeforeMiB: rssBefore,
      workerRssAfterMiB: pool.stats().rssBytes[0]! / 1024 ** 2,
      probeOk: probe.length === 32,
    };
    console.log(
      `mpc hostile bytes: framing refusal ${r.framingRejectUs.toFixed(1)} µs each; SEAL validating-load refusal ${r.sealRejectMs.toFixed(2)} ms each (1 000, in a worker); worker RSS ${r.workerRssBeforeMiB.toFixed(0)} → ${r.workerRssAfterMiB.toFixed(0)} MiB after 1 000 refusals, workers started ${r.workersStarted} (recycled past 1 GiB)`,
    );
    return r;
  } finally {
    await pool.close();
  }
}

const TOKEN = `enc_${'m'.repeat(43)}`;
const X = ['x1', 'x2', 'x3', 'x4'];

function* modelCsv() {
  yield `grp,${X.join(',')}\n`;
  let buf = '';
  for (let i = 0; i < ROWS; i++) {
    buf += `g${(i * 7919) % GROUPS},${X.map((_, j) => 1000 + ((i * (37 + j)) % 5000)).join(',')}\n`;
    if (buf.length > 1 << 16) {
      yield buf;
      buf = '';
    }
  }
  yield buf;
}

/**
 * The model through the API on a PostgreSQL server: submit, queue, disclosure control, the worker
 * process, the result fetched (p50, p99 of 20 in a row), and /v1/health answered while 20 run at
 * once, against /v1/health when idle.
 */
async function benchModelApi() {
  const db = await freshServerDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
  const api = await startApi({
    DATABASE_URL: db.url,
    ENCLAVE_BOOTSTRAP_TOKEN: TOKEN,
    RATE_LIMIT_TOKEN: '10000000',
    RATE_LIMIT_ANONYMOUS: '10000000',
    SANDBOX_EXECUTORS: '2',
  });
  try {
    const p = await licensedDataset(api.url, TOKEN, {
      slug: 'bench-model',
      columns: [
        {
          name: 'grp',
          type: 'string',
          sensitivity: 'public',
          codes: Array.from({ length: GROUPS }, (_, g) => `g${g}`),
        },
        ...X.map((name) => ({ name, type: 'number', sensitivity: 'sensitive', min: 0, max: 10_000 })),
      ],
      csv: modelCsv(),
      licensed: ['grp', ...X],
      operations: ['he'],
      policy: { epsilon: 100, epsilonPerRun: 1 },
    });
    const sdk = { baseUrl: api.url, token: p.operator.token };
    const contractId = await p.contract();
    const keys = await createHeKeys('ckks-8192');
    const session = await call<{ id: string }>(sdk, 'POST', '/v1/mpc/he/sessions', {
      contractId,
      paramSet: 'ckks-8192',
    });
    const model = await call<{ id: string }>(
      sdk,
      'POST',
      `/v1/mpc/he/sessions/${session.id}/models`,
      await encryptModel(keys, [0.002, -0.5, 1.25, 3e-4], 7),
    );
    const spec = {
      sessionId: session.id,
      modelId: model.id,
      dataset: p.datasetId,
      groupBy: 'grp',
      features: X.map((column) => ({ statistic: 'mean', column })),
    };
    const score = async () => {
      const c = await call<{ id: string }>(sdk, 'POST', '/v1/mpc/he/aggregate', spec);
      for (;;) {
        const r = await call<{ status: string }>(sdk, 'GET', `/v1/mpc/computations/${c.id}?wait=30`);
        if (r.status === 'succeeded') break;
        if (r.status === 'failed') throw new Error(`computation failed: ${JSON.stringify(r)}`);
      }
      return call<Uint8Array>(sdk, 'GET', `/v1/mpc/computations/${c.id}/output`, undefined, 'bytes');
    };
    await score();
    const e2e: number[] = [];
    for (let i = 0; i < 20; i++) e2e.push((await time(score)).ms);
    e2e.sort((a, b) => a - b);
    const health = async (ms: number[]) => {
      const t0 = performance.now();
      const res = await fetch(`${api.url}/v1/health`);
      await res.arrayBuffer();
      ms.push(performance.now() - t0);
    };
    const idle: number[] = [];
    for (let i = 0; i < 100; i++) await health(idle);
    const busy: number[] = [];
    let isDone = false;
    const jobs = Promise.all(Array.from({ length: 20 }, score)).finally(() => {
      isDone = true;
    });
    while (!isDone) {
      await health(busy);
      await new Promise((r) => setTimeout(r, 10));
    }
    await jobs;
    idle.sort((a, b) => a - b);
    busy.sort((a, b) => a - b);
    const r = {
      endToEndMsP50: percentile(e2e, 50),
      endToEndMsP99: percentile(e2e, 99),
      healthIdleMsP99: percentile(idle, 99),
      healthDuring20JobsMsP50: percentile(busy, 50),
      healthDuring20JobsMsP99: percentile(busy, 99),
      healthSamples: busy.length,
    };
    console.log(
      `mpc model through the API (100 000 rows, PostgreSQL): submit → result p50 ${r.endToEndMsP50.toFixed(0)} ms, p99 ${r.endToEndMsP99.toFixed(0)} ms; /v1/health p99 ${r.healthIdleMsP99.toFixed(1)} ms idle, p50 ${r.healthDuring20JobsMsP50.toFixed(1)} ms and p99 ${r.healthDuring20JobsMsP99.toFixed(1)} ms during 20 concurrent computations (${r.healthSamples} answered)`,
    );
    return r;
  } finally {
    await api.stop();
    await db.drop();
  }
}

export async function benchMpc() {
  return {
    model: await benchModel(),
    modelApi: await benchModelApi(),
    psi: await benchPsi(),
    hostile: await benchHostile(),
  };
}
