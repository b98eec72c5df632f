import { createTestApp } from '../helpers/test-app.ts';
import { buildWorld } from '../helpers/world.ts';
import { fuzzOperation, operationsOf } from './fuzz.ts';

/**
 * `npm run fuzz [-- --runs N --seed S --only <path fragment> --from <index>]`: sends N generated requests (10 000
 * by default) to every operation of the OpenAPI document, on a fresh database (PGlite, or the
 * server at DATABASE_URL), and prints the counts per operation. Exits 1 if any response broke a
 * rule, printing the shrunk request that did.
 */
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const runs = Number(arg('runs') ?? 10_000);
const seed = Number(arg('seed') ?? Date.now() % 1_000_000_007);
const only = arg('only');
const from = Number(arg('from') ?? 0);

// With a worker, so the world's run is finished and a long poll on it answers at once.
const t = await createTestApp({ sandbox: 1 });
const w = await buildWorld(t);
const operations = operationsOf((await t.req('GET', '/v1/openapi.json')).json)
  .filter((op) => !only || op.path.includes(only))
  .slice(from);
const secrets = [t.adminToken, t.deps.settings.sandbox.noiseSecretHex];
console.log(`fuzz: ${operations.length} operations, ${runs} requests each, seed ${seed}`);
let failed = 0;
let total = 0;
const started = performance.now();
for (const op of operations) {
  const name = `${op.method} ${op.path}`.padEnd(44);
  const t0 = performance.now();
  try {
    const counts = await fuzzOperation(t, op, w, { seed, runs, secrets });
    total += counts.requests;
    const byClass = Object.entries(counts.byStatus)
      .sort()
      .map(([s, n]) => `${s}:${n}`)
      .join(' ');
    const fives = Object.entries(counts.byStatus).reduce((n, [s, k]) => n + (Number(s) >= 500 ? k : 0), 0);
    console.log(
      `${name} ${counts.requests} sent, 5xx ${fives}, ${((performance.now() - t0) / 1000).toFixed(0)} s  ${byClass}`,
    );
  } catch (err) {
    failed++;
    console.log(`${name} FAILED\n${(err as Error).message}`);
  }
}
console.log(
  `fuzz: ${total} requests in ${((performance.now() - started) / 1000).toFixed(0)} s; ${failed} operation(s) broke a rule`,
);
await t.close();
process.exit(failed ? 1 : 0);
