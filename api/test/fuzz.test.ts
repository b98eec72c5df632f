import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzOperation, operationsOf, type TOperation } from './fuzz/fuzz.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';
import { buildWorld, type TWorld } from './helpers/world.ts';

/**
 * A fixed-seed sample of the fuzzer (`npm run fuzz` sends 10 000 requests per operation): on
 * every operation, no 5xx, every error a problem+json with a stable code, nothing internal shown.
 */
const SEED = 20_261_204;
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

let t: TestApp;
let w: TWorld;
let operations: TOperation[];
let secrets: string[];
beforeAll(async () => {
  t = await createTestApp({ sandbox: 1 });
  w = await buildWorld(t);
  operations = operationsOf((await t.req('GET', '/v1/openapi.json')).json);
  secrets = [t.adminToken, t.deps.settings.sandbox.noiseSecretHex];
}, 120_000);
afterAll(() => t.close());

describe('fuzzing every operation from the OpenAPI document', () => {
  it('covers every operation', () => {
    expect(operations.length).toBeGreaterThanOrEqual(51);
  });

  it(`answers ${RUNS} generated requests per operation without a 5xx or a leak`, {
    timeout: 600_000,
  }, async () => {
    const failures: string[] = [];
    let requests = 0;
    for (const op of operations) {
      try {
        requests += (await fuzzOperation(t, op, w, { seed: SEED, runs: RUNS, secrets })).requests;
      } catch (err) {
        const lines = (err as Error).message.split('\n');
        const shown = lines
          .filter((l) => /^(Counterexample|Got error|Error)/.test(l) || /5\d\d|status/.test(l))
          .map((l) => l.slice(0, 700));
        failures.push(
          `${op.method} ${op.path}: ${shown.join(' | ') || (err as Error).message.slice(0, 3000)}`,
        );
      }
    }
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThanOrEqual(RUNS * operations.length);
  });
});
