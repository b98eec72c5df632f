import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { benchContracts } from './contracts.ts';
import { benchFoundation } from './foundation.ts';
import { benchSandbox } from './sandbox.ts';

/**
 * Runs the benchmarks named on the command line (all by default: `npm run bench -- sandbox`) and
 * merges their figures into bench/results.json. Needs a PostgreSQL server (DATABASE_URL).
 */
const benches: Record<string, () => Promise<unknown>> = {
  foundation: benchFoundation,
  contracts: benchContracts,
  sandbox: benchSandbox,
};
const chosen = process.argv.slice(2);
for (const name of chosen) if (!(name in benches)) throw new Error(`unknown benchmark ${name}`);
const file = new URL('./results.json', import.meta.url);
const results: Record<string, unknown> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
Object.assign(results, { at: new Date().toISOString(), node: process.version });
for (const [name, bench] of Object.entries(benches)) {
  if (chosen.length === 0 || chosen.includes(name)) results[name] = await bench();
}
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log('wrote bench/results.json');
