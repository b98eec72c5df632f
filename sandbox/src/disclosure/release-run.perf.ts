/**
 * Timing of disclosure control on a million rows grouped into ~3,000 cells (count and two means),
 * printed rather than asserted. Run: npx node sandbox/src/disclosure/release-run.perf.ts
 */
import type { TAggregateRequest } from '../types.ts';
import { computeAggregate } from './compute-aggregate.ts';
import { recordKeys } from './record-keys.ts';
import { releaseRun } from './release-run.ts';
import { buildTable, input, marker, num, policy, seeded, str } from './test/build-table.ts';

const ROWS = 1_000_000;
const rnd = seeded(1);
const district = Array.from({ length: ROWS }, () => `district-${Math.floor(rnd() * 60)}`);
const occupation = Array.from({ length: ROWS }, () => `occupation-${Math.floor(rnd() * 50)}`);
const wage = Array.from({ length: ROWS }, () => Math.round(rnd() * 50_000));
const age = Array.from({ length: ROWS }, () => (rnd() < 0.05 ? null : 18 + Math.floor(rnd() * 60)));
const build = (key: string) =>
  buildTable(
    'people',
    {
      district: str(district),
      occupation: str(occupation),
      wage: num(wage, { min: 0, max: 50_000 }),
      age: num(age, { min: 18, max: 90 }),
    },
    key,
  );

const req: TAggregateRequest = {
  id: 1,
  kind: 'groupBy',
  table: 'people',
  selection: null,
  groupBy: ['district', 'occupation'],
  measures: [{ fn: 'count' }, { fn: 'mean', column: 'wage' }, { fn: 'mean', column: 'age' }],
};

function time(label: string, f: () => unknown, runs = 1): void {
  const ms: number[] = [];
  let out: unknown;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    out = f();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const rows =
    (out as { result?: { rows?: unknown[] }; rows?: unknown[] }).result?.rows ??
    (out as { rows?: unknown[] }).rows;
  console.log(
    `${label.padEnd(52)} ${ms[Math.floor(ms.length / 2)]!.toFixed(1).padStart(8)} ms (median of ${runs})${rows ? `, ${rows.length} cells` : ''}`,
  );
}

const table = build('people:v1');
console.log(`${ROWS} rows, group by district × occupation, count + mean(wage) + mean(age)`);
time('computeAggregate (exact host computation)', () => computeAggregate(req, [table]), 5);
const fresh = build('people:v2');
const fresh2 = build('people:v3');
time('recordKeys, first call (AES-CTR over all rows)', () => recordKeys(fresh, policy().cellKeySecret));
time('releaseRun, cell-key, record keys not yet cached', () => releaseRun(input(marker(1), [req], [fresh2])));
time('releaseRun, cell-key, record keys cached', () => releaseRun(input(marker(1), [req], [table])), 5);
time(
  'releaseRun, DP (no record keys)',
  () => releaseRun(input(marker(1), [req], [table], { policy: policy({ dp: { epsilon: 1 } }) })),
  5,
);
