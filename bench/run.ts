import { writeFileSync } from 'node:fs';
import { benchContracts } from './contracts.ts';
import { benchFoundation } from './foundation.ts';
import { benchSandbox } from './sandbox.ts';

/** Runs every benchmark and writes bench/results.json. Needs a PostgreSQL server (DATABASE_URL). */
const results: Record<string, unknown> = { at: new Date().toISOString(), node: process.version };
results.foundation = await benchFoundation();
results.contracts = await benchContracts();
results.sandbox = await benchSandbox();
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log('wrote bench/results.json');
