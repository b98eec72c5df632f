import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import {
  canonicalize,
  countersignContract,
  createKeyRing,
  currentSigningKey,
  generateSigningKey,
  signContract,
  type TContractPayload,
  verifySignature,
} from '@enclave/contracts';

const MIN_MS = 1000;

/** Runs `op` back to back for at least MIN_MS; returns operations per second. */
async function rate(op: () => unknown): Promise<number> {
  for (let i = 0; i < 50; i++) await op(); // warm-up
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < MIN_MS) {
    for (let i = 0; i < 50; i++) await op();
    n += 50;
    elapsed = performance.now() - start;
  }
  return (n * 1000) / elapsed;
}

/** Like `rate`, with `inFlight` operations outstanding at once (WebCrypto runs on the libuv pool). */
async function rateConcurrent(op: () => Promise<unknown>, inFlight: number): Promise<number> {
  let n = 0;
  const start = performance.now();
  const worker = async () => {
    while (performance.now() - start < MIN_MS) {
      await op();
      n++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return (n * 1000) / (performance.now() - start);
}

function payloadWith(
  issuerKid: string,
  licenseeKid: string,
  datasets: number,
  columns: number,
): TContractPayload {
  return {
    id: 'ct_bench_0001',
    version: 1,
    issuedAt: '2026-03-01T09:00:00.000Z',
    issuer: { org: 'org_platform', kid: issuerKid },
    licensee: { org: 'org_operator', kid: licenseeKid },
    datasets: Array.from({ length: datasets }, (_, d) => ({
      id: `ds_${String(d).padStart(4, '0')}`,
      ...(d % 2 ? { version: d } : {}),
      columns: Array.from({ length: columns }, (_, c) => `column_${String(c).padStart(3, '0')}_é`),
    })),
    purpose: 'Benchmark contract: regional mortality study, aggregates only',
    scenario: 'Aggregate counts per region and year',
    operations: ['sandbox', 'he', 'psi'],
    policy: {
      minCellCount: 10,
      rounding: 5,
      dp: { epsilon: 1.5, delta: 1e-6 },
      maxRunsPerDay: 100,
      maxCpuMsPerRun: 60_000,
      maxResultBytes: 1_048_576,
    },
    term: { notBefore: '2026-03-02T00:00:00.000Z', notAfter: '2026-09-02T00:00:00.000Z' },
  };
}

const round = (x: number, digits = 0) => Number(x.toFixed(digits));

/**
 * Contract signing and verification (jose/WebCrypto through this package, every check included)
 * against bare Ed25519 in node:crypto over the same signing input, and RFC 8785 throughput.
 */
export async function benchContracts() {
  const platform = currentSigningKey(await createKeyRing(new Date('2026-01-01T00:00:00Z')));
  const operator = await generateSigningKey();
  const contract = payloadWith(platform.kid, operator.kid, 2, 4);
  const jws = await signContract(contract, platform);
  const signature = jws.signatures[0]!;
  const contractBytes = Buffer.from(jws.payload, 'base64url').length;

  const privateKey = createPrivateKey({ key: platform.privateJwk, format: 'jwk' });
  const publicKey = createPublicKey({ key: platform.publicJwk, format: 'jwk' });
  const signingInput = Buffer.from(`${signature.protected}.${jws.payload}`, 'ascii');
  const signatureBytes = Buffer.from(signature.signature, 'base64url');
  // Ed25519 is deterministic: both paths must produce the very same signature.
  if (!nodeSign(null, signingInput, privateKey).equals(signatureBytes))
    throw new Error('node:crypto disagrees with jose');

  const signJose = await rate(() => signContract(contract, platform));
  const signNode = await rate(() => nodeSign(null, signingInput, privateKey));
  const verifyJose = await rate(() => verifySignature(jws, signature, platform.publicJwk));
  const verifyJoseConcurrent = await rateConcurrent(
    () => verifySignature(jws, signature, platform.publicJwk),
    16,
  );
  const verifyNode = await rate(() => nodeVerify(null, signingInput, publicKey, signatureBytes));
  const countersign = await rate(() => countersignContract(jws, operator));

  const big = payloadWith(platform.kid, operator.kid, 40, 12);
  const bigBytes = Buffer.byteLength(canonicalize(big));
  const jcsOps = await rate(() => canonicalize(big));
  const stringifyOps = await rate(() => JSON.stringify(big));

  const figures = {
    contractBytes,
    signPerSecJose: round(signJose),
    signPerSecNodeCrypto: round(signNode),
    signRatio: round(signNode / signJose, 2),
    verifyPerSecJose: round(verifyJose),
    verifyPerSecNodeCrypto: round(verifyNode),
    verifyRatio: round(verifyNode / verifyJose, 2),
    verifyPerSecJose16InFlight: round(verifyJoseConcurrent),
    countersignPerSecJose: round(countersign),
    jcsPayloadBytes: bigBytes,
    jcsOpsPerSec: round(jcsOps),
    jcsMBPerSec: round((jcsOps * bigBytes) / 1e6, 1),
    jsonStringifyMBPerSec: round((stringifyOps * Buffer.byteLength(JSON.stringify(big))) / 1e6, 1),
  };
  console.log(
    `contracts sign jose ${figures.signPerSecJose}/s vs node:crypto ${figures.signPerSecNodeCrypto}/s → ratio ${figures.signRatio} (${contractBytes} B payload)`,
  );
  console.log(
    `contracts verify jose ${figures.verifyPerSecJose}/s vs node:crypto ${figures.verifyPerSecNodeCrypto}/s → ratio ${figures.verifyRatio}`,
  );
  console.log(`contracts verify jose, 16 in flight: ${figures.verifyPerSecJose16InFlight}/s`);
  console.log(`contracts countersign jose ${figures.countersignPerSecJose}/s`);
  console.log(
    `contracts JCS ${bigBytes} B payload: ${figures.jcsOpsPerSec} ops/s, ${figures.jcsMBPerSec} MB/s (JSON.stringify ${figures.jsonStringifyMBPerSec} MB/s)`,
  );
  return figures;
}
