/**
 * Runs one hostile corpus entry in its own process, the way a sandbox worker would, and prints
 * what happened as JSON: the run's output, any catastrophic error isolated-vm reported (waiting
 * up to argv[3] ms for one), and a trivial run afterwards to show the process still works.
 *
 * After a catastrophe the process ends itself with SIGKILL: isolated-vm's suspended thread makes
 * `process.exit()` wait forever, so that is what a real worker must do too.
 *
 * Usage: npx node sandbox/test/hostile-child.ts <entry name> [wait ms]
 */
import { runInIsolate } from '../src/runner/run-in-isolate.ts';
import { wagesTable } from './fixtures.ts';
import {
  HOSTILE_LIMITS,
  HOSTILE_SCRIPTS,
  type THostileName,
  type THostileScript,
} from './hostile-scripts.ts';

const name = process.argv[2] as THostileName;
const waitMs = Number(process.argv[3] ?? 0);
const entry: THostileScript = HOSTILE_SCRIPTS[name];
const started = performance.now();
const catastrophes: { message: string; atMs: number }[] = [];

const out = await runInIsolate(
  {
    script: entry.script,
    params: {},
    tables: [wagesTable()],
    limits: { ...HOSTILE_LIMITS, ...entry.limits },
  },
  { onCatastrophicError: (message) => catastrophes.push({ message, atMs: performance.now() - started }) },
);
const settledMs = performance.now() - started;
while (catastrophes.length === 0 && performance.now() - started < waitMs) {
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const after = await runInIsolate({
  script: "return enclave.table('wages').rowCount",
  params: {},
  tables: [wagesTable()],
  limits: HOSTILE_LIMITS,
});
process.stdout.write(JSON.stringify({ out, settledMs, catastrophes, after }));
if (catastrophes.length > 0) process.kill(process.pid, 'SIGKILL');
process.exit(0);
