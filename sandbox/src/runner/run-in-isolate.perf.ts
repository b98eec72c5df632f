/**
 * How fast the SDK's group-by runs inside an isolate, against the same work in plain Node on the
 * same arrays: 1,000,000 rows × 5 columns (three dictionary-coded keys with 10 × 20 × 15 = 3,000
 * groups, two numbers), computing the count and the means of both numbers.
 *
 *   npx node sandbox/src/runner/run-in-isolate.perf.ts [rows]
 *
 * Prints milliseconds (median of 7 after a warm-up) and ratios against plain Node, plus whole
 * runs (fresh isolate each time) with and without the preview. Not a test: the numbers depend on
 * the machine; the ratios are what to compare.
 */

import type { TColumnData, TTable } from '../types.ts';
import { runInIsolate } from './run-in-isolate.ts';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const REPEAT = 7;

function codedColumn(cardinality: number, seed: number): TColumnData {
  const codes = new Int32Array(ROWS);
  let s = seed;
  for (let i = 0; i < ROWS; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    codes[i] = (s >>> 16) % cardinality;
  }
  return {
    type: 'string',
    codes,
    dictionary: Array.from({ length: cardinality }, (_, k) => `v${seed}-${k}`),
  };
}

function numericColumn(seed: number): TColumnData & { values: Float64Array } {
  const values = new Float64Array(ROWS);
  let s = seed;
  for (let i = 0; i < ROWS; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    values[i] = 1000 + ((s >>> 12) % 9000) / 3;
  }
  return { type: 'number', values, nulls: null };
}

const table: TTable = {
  name: 'bench',
  key: 'bench:v1',
  rowCount: ROWS,
  bounds: {},
  columns: {
    a: codedColumn(10, 1),
    b: codedColumn(20, 2),
    c: codedColumn(15, 3),
    x: numericColumn(4),
    y: numericColumn(5),
  },
};

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;

/** The same algorithm the SDK uses (integer codes → dense group ids → per-group sums), in plain Node. */
function plainGroupBy(t: TTable) {
  const keys = ['a', 'b', 'c'].map((k) => t.columns[k] as { codes: Int32Array; dictionary: string[] });
  const n = t.rowCount;
  const gid = new Int32Array(n);
  let groups = 1;
  for (const key of keys) {
    const card = key.dictionary.length + 1;
    const slot = new Int32Array(groups * card).fill(-1);
    let next = 0;
    for (let i = 0; i < n; i++) {
      const k = gid[i]! * card + key.codes[i]! + 1;
      let m = slot[k]!;
      if (m < 0) {
        m = next++;
        slot[k] = m;
      }
      gid[i] = m;
    }
    groups = next;
  }
  const count = new Float64Array(groups);
  const means = ['x', 'y'].map((name) => {
    const values = (t.columns[name] as { values: Float64Array }).values;
    const c = new Float64Array(groups);
    const sum = new Float64Array(groups);
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (!Number.isNaN(v)) {
        c[gid[i]!]!++;
        sum[gid[i]!]! += v;
      }
    }
    return sum.map((s, g) => s / c[g]!);
  });
  for (let i = 0; i < n; i++) count[gid[i]!]!++;
  return { groups, count, means };
}

const limits = { memoryMb: 512, cpuMs: 60_000, wallMs: 120_000, maxResultBytes: 1 << 20 };

// 1. The group-by inside one isolate, timed by the script itself (column copy-in done beforehand).
const inside = await runInIsolate({
  script: `const t = enclave.table('bench');
    for (const c of t.columns) t.col(c);
    const times = [];
    let groups = 0;
    for (let r = 0; r < ${REPEAT + 1}; r++) {
      const t0 = Date.now();
      const rows = t.groupBy('a', 'b', 'c').agg({ n: 'count', mx: ['mean', 'x'], my: ['mean', 'y'] }).preview();
      times.push(Date.now() - t0);
      groups = rows.length;
    }
    return { times: times.slice(1), groups }`,
  params: null,
  tables: [table],
  limits,
});
if (!inside.ok) throw new Error(`${inside.code}: ${inside.errorMessage}`);
const { times: isolateTimes, groups } = inside.result as { times: number[]; groups: number };

// 2. The same loop in plain Node on the same arrays, warmed up the same way.
plainGroupBy(table);
const nodeTimes: number[] = [];
for (let r = 0; r < REPEAT; r++) {
  const t0 = performance.now();
  plainGroupBy(table);
  nodeTimes.push(performance.now() - t0);
}

// 3. A whole run: fresh isolate, SDK, copy-in of the five columns, group-by preview, result out.
const wholeRuns: number[] = [];
for (let r = 0; r < REPEAT; r++) {
  const t0 = performance.now();
  const out = await runInIsolate({
    script: `const h = enclave.table('bench').groupBy('a', 'b', 'c').agg({ n: 'count', mx: ['mean', 'x'], my: ['mean', 'y'] });
      h.preview();
      return h`,
    params: null,
    tables: [table],
    limits,
  });
  if (!out.ok) throw new Error(`${out.code}: ${out.errorMessage}`);
  wholeRuns.push(performance.now() - t0);
}
// 4. A whole run that only asks for the aggregate (the usual script on real data): no data copied in.
const handleRuns: number[] = [];
for (let r = 0; r < REPEAT; r++) {
  const t0 = performance.now();
  const out = await runInIsolate({
    script: `return enclave.table('bench').groupBy('a', 'b', 'c').agg({ n: 'count', mx: ['mean', 'x'], my: ['mean', 'y'] })`,
    params: null,
    tables: [table],
    limits,
  });
  if (!out.ok) throw new Error(`${out.code}: ${out.errorMessage}`);
  handleRuns.push(performance.now() - t0);
}
const coldNode: number[] = [];
for (let r = 0; r < REPEAT; r++) {
  const t0 = performance.now();
  plainGroupBy(table);
  coldNode.push(performance.now() - t0);
}

const iso = median(isolateTimes);
const node = median(nodeTimes);
const whole = median(wholeRuns);
console.log(
  `group-by of ${ROWS.toLocaleString('en')} rows × 5 columns into ${groups} groups (count + 2 means)`,
);
console.log(`  inside the isolate (SDK)       ${iso.toFixed(1).padStart(8)} ms`);
console.log(`  plain Node, same arrays        ${node.toFixed(1).padStart(8)} ms`);
console.log(`  ratio isolate / Node           ${(iso / node).toFixed(2).padStart(8)} ×`);
console.log(
  `  whole runInIsolate run         ${whole.toFixed(1).padStart(8)} ms  (new isolate, copy-in, preview)`,
);
console.log(`  ratio whole run / Node loop    ${(whole / median(coldNode)).toFixed(2).padStart(8)} ×`);
console.log(
  `  whole run, handle only         ${median(handleRuns).toFixed(1).padStart(8)} ms  (no preview: no copy-in)`,
);
