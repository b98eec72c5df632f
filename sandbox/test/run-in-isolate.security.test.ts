import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runInIsolate } from '../src/runner/run-in-isolate.ts';
import type { TRunOutput } from '../src/types.ts';
import { wagesTable } from './fixtures.ts';
import {
  HOSTILE_LIMITS,
  HOSTILE_SCRIPTS,
  type THostileExpectation,
  type THostileName,
  type THostileScript,
} from './hostile-scripts.ts';

const entries = Object.entries(HOSTILE_SCRIPTS) as [THostileName, THostileScript][];
const inProcess = entries.filter(([, e]) => !e.isCatastrophic);
const catastrophic = entries.filter(([, e]) => e.isCatastrophic);

const runEntry = (entry: THostileScript) =>
  runInIsolate({
    script: entry.script,
    params: {},
    tables: [wagesTable()],
    limits: { ...HOSTILE_LIMITS, ...entry.limits },
  });

/** Runs a TypeScript file with this Node; resolves with its stdout and how it ended. */
function runChild(file: string, args: string[]) {
  return new Promise<{ stdout: string; signal: NodeJS.Signals | null }>((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, signal });
    });
  });
}

function expectOutcome(out: TRunOutput, expected: THostileExpectation) {
  if ('ok' in expected) {
    expect(out, out.ok ? '' : `${out.code}: ${out.errorMessage}`).toMatchObject({ ok: true });
    if (!out.ok) return;
    expect(out.result).toEqual(expected.result);
    if (expected.logs) expect(out.logs.some((line) => expected.logs!.test(line))).toBe(true);
    return;
  }
  expect(out.ok, out.ok ? JSON.stringify(out.result).slice(0, 200) : '').toBe(false);
  if (out.ok) return;
  const codes = Array.isArray(expected.code) ? expected.code : [expected.code];
  expect(codes, out.errorMessage).toContain(out.code);
  if (expected.message) expect(out.errorMessage).toMatch(expected.message);
}

describe('hostile scripts corpus', () => {
  it('has the cases the sandbox must be tested against', () => {
    expect(entries.length).toBeGreaterThanOrEqual(40);
    expect(catastrophic.length).toBeGreaterThan(0);
  });

  for (const [name, entry] of inProcess) {
    it(`${name}: ${'ok' in entry.expect ? 'runs, releasing only data' : entry.expect.code}`, async () => {
      expectOutcome(await runEntry(entry), entry.expect);
    });
  }

  for (const [name, entry] of catastrophic) {
    it(`${name}: ends on time in a worker process, which reports the catastrophe and keeps serving`, async () => {
      const child = fileURLToPath(new URL('./hostile-child.ts', import.meta.url));
      const { stdout, signal } = await runChild(child, [name, '20000']);
      expect(signal).toBe('SIGKILL');
      const report = JSON.parse(stdout) as {
        out: TRunOutput;
        settledMs: number;
        catastrophes: { message: string }[];
        after: TRunOutput;
      };
      expectOutcome(report.out, entry.expect);
      const limits = { ...HOSTILE_LIMITS, ...entry.limits };
      expect(report.settledMs).toBeLessThan(limits.wallMs + 1000);
      expect(report.catastrophes.length).toBeGreaterThan(0);
      expect(report.after).toMatchObject({ ok: true, result: 240 });
    });
  }
});

describe('many hostile runs at once', () => {
  it('20 concurrent hostile scripts all end with their own outcome and the process stays healthy', async () => {
    const chosen = inProcess.slice(0, 20);
    expect(chosen).toHaveLength(20);
    const outs = await Promise.all(chosen.map(([, entry]) => runEntry(entry)));
    outs.forEach((out, i) => {
      expectOutcome(out, chosen[i]![1].expect);
    });
    const after = await runInIsolate({
      script: "return enclave.table('wages').count()",
      params: {},
      tables: [wagesTable()],
      limits: HOSTILE_LIMITS,
    });
    expect(after).toMatchObject({ ok: true, result: { $aggregate: 1 } });
  });

  it('timeouts, memory exhaustion and CPU loops mixed in one batch end with the right codes', async () => {
    const batch: THostileName[] = [
      'infiniteLoop',
      'loopAfterAwait',
      'neverSettles',
      'memoryGrowth',
      'forgedMarker',
      'deepRecursion',
      'hundredMegabytes',
      'logRowValue',
      'floatingRejection',
      'arrayBufferPastLimit',
    ];
    const outs = await Promise.all(batch.map((name) => runEntry(HOSTILE_SCRIPTS[name])));
    outs.forEach((out, i) => {
      expectOutcome(out, HOSTILE_SCRIPTS[batch[i]!].expect);
    });
  });
});

describe('what the host lets into the isolate', () => {
  it('a script cannot reach the host through the SDK callbacks or the values it is given', async () => {
    const out = await runInIsolate({
      script: `const t = enclave.table('wages');
        const seen = [];
        const probe = (v) => {
          if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return;
          try { seen.push(v.constructor.constructor('return typeof process')()); } catch { seen.push('threw'); }
        };
        for (const v of [enclave, enclave.table, t, t.col('wage'), t.col('region'), t.count(), params, console,
                         console.log, Object.getPrototypeOf(t), Object.getPrototypeOf(t.count())]) probe(v);
        return seen.every((s) => s === 'undefined' || s === 'threw')`,
      params: { nested: { list: [1, 2] } },
      tables: [wagesTable()],
      limits: HOSTILE_LIMITS,
    });
    expect(out).toMatchObject({ ok: true, result: true });
  });

  it('leaves no timer running after a run, whatever its outcome', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    await Promise.all([
      runEntry(HOSTILE_SCRIPTS.infiniteLoop),
      runEntry(HOSTILE_SCRIPTS.neverSettles),
      runEntry(HOSTILE_SCRIPTS.memoryGrowth),
      runEntry(HOSTILE_SCRIPTS.forgedMarker),
      runEntry(HOSTILE_SCRIPTS.logRowValue),
    ]);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('a host-side error never reaches the script with a host stack trace', async () => {
    const out = await runInIsolate({
      script: `const t = enclave.table('wages');
        const messages = [];
        for (const bad of [() => t.regression('wage', ['wage']), () => t.histogram('wage', [3, 1])]) {
          try { bad(); } catch (e) { messages.push(String(e.stack)); }
        }
        return messages.join('\\n')`,
      params: {},
      tables: [wagesTable()],
      limits: HOSTILE_LIMITS,
    });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.result).not.toMatch(/file:\/\/|node_modules|\/work\/|\.ts:/);
  });
});
