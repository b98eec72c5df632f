import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { benchAudit } from './audit.ts';
import { benchContracts } from './contracts.ts';
import { benchFoundation } from './foundation.ts';
import { benchLoad } from './load.ts';
import { benchMpc } from './mpc.ts';
import { benchPortal } from './portal.ts';
import { benchQuality } from './quality.ts';
import { benchSandbox } from './sandbox.ts';
import { benchSharing } from './sharing.ts';
import { benchStatistics } from './statistics.ts';

const BENCHES: Record<string, () => Promise<unknown>> = {
  foundation: benchFoundation,
  contracts: benchContracts,
  sandbox: benchSandbox,
  audit: benchAudit,
  load: benchLoad,
  mpc: benchMpc,
  sharing: benchSharing,
  statistics: benchStatistics,
  quality: benchQuality,
  portal: benchPortal,
};

/**
 * Runs every benchmark, or those named (`npm run bench -- audit`), and writes bench/results.json;
 * a partial run keeps the other benchmarks' last results. Needs a PostgreSQL server (DATABASE_URL).
 */
const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in BENCHES));
if (unknown.length)
  throw new Error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
const file = new URL('./results.json', import.meta.url);
const previous =
  names.length && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
const results: Record<string, unknown> = { ...previous, at: new Date().toISOString(), node: process.version };
for (const name of names.length ? names : Object.keys(BENCHES)) results[name] = await BENCHES[name]!();
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log('wrote bench/results.json');
