import ivm from 'isolated-vm';
import type {
  TAggregateRequest,
  TRowFilter,
  TRunInput,
  TRunOutput,
  TSandboxErrorCode,
  TTable,
  TUsage,
} from '../types.ts';
import { MEASURE_FNS, WHERE_OPS } from '../types.ts';
import { SDK_SOURCE } from './sdk-source.ts';

const MAX_LOG_LINES = 200;
const MAX_REQUESTS = 200;
const WRAPPER = '(async function () {';

/** The tables as the isolate gets them: plain data, copied once per run. */
function tablesForIsolate(tables: TTable[]) {
  return tables.map((t) => ({ name: t.name, rowCount: t.rowCount, columns: t.columns }));
}

class RunFailure extends Error {
  readonly code: TSandboxErrorCode;
  constructor(code: TSandboxErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

function unpack(packed: unknown, rowCount: number): Uint8Array | null {
  if (packed === null) return null;
  if (typeof packed !== 'string' || packed.length !== Math.ceil(rowCount / 8)) {
    throw new RunFailure('SANDBOX_INVALID_RESULT', 'a selection does not fit its table');
  }
  const out = new Uint8Array(rowCount);
  for (let i = 0; i < rowCount; i++) out[i] = (packed.charCodeAt(i >> 3) >> (i & 7)) & 1;
  return out;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function parseFilter(v: unknown): TRowFilter {
  if (!isObj(v)) return { kind: 'predicate' };
  if (v.kind === 'all') return { kind: 'all' };
  if (v.kind === 'where' && Array.isArray(v.clauses)) {
    const clauses = v.clauses.map((c) => {
      if (!isObj(c) || typeof c.column !== 'string' || !WHERE_OPS.includes(c.op as never)) {
        throw new RunFailure('SANDBOX_INVALID_RESULT', 'a where() clause is malformed');
      }
      const ok = (x: unknown) => x === null || ['string', 'number', 'boolean'].includes(typeof x);
      if (!(Array.isArray(c.value) ? c.value.every(ok) : ok(c.value))) {
        throw new RunFailure('SANDBOX_INVALID_RESULT', 'a where() value is not a plain value');
      }
      return { column: c.column, op: c.op as (typeof WHERE_OPS)[number], value: c.value as never };
    });
    return { kind: 'where', clauses };
  }
  return { kind: 'predicate' };
}

/** Checks what the isolate recorded; the isolate is untrusted, so every field is re-validated here. */
function parseRequests(raw: unknown, tables: TTable[]): TAggregateRequest[] {
  if (!Array.isArray(raw) || raw.length > MAX_REQUESTS) {
    throw new RunFailure('SANDBOX_INVALID_RESULT', `at most ${MAX_REQUESTS} aggregates per run`);
  }
  const seen = new Set<number>();
  return raw.map((r) => {
    if (!isObj(r) || !Number.isSafeInteger(r.id) || seen.has(r.id as number)) {
      throw new RunFailure('SANDBOX_INVALID_RESULT', 'an aggregate record is malformed');
    }
    seen.add(r.id as number);
    const table = tables.find((t) => t.name === r.table);
    if (!table) throw new RunFailure('SANDBOX_INVALID_RESULT', 'an aggregate names an unknown table');
    const has = (c: unknown) => typeof c === 'string' && Object.hasOwn(table.columns, c);
    const base = {
      id: r.id as number,
      table: table.name,
      selection: unpack(r.selection, table.rowCount),
      filter: parseFilter(r.filter),
    };
    if (r.kind === 'groupBy' && strings(r.groupBy) && r.groupBy.every(has) && Array.isArray(r.measures)) {
      const measures = r.measures.map((m) => {
        if (!isObj(m) || !MEASURE_FNS.includes(m.fn as never) || (m.fn !== 'count' && !has(m.column))) {
          throw new RunFailure('SANDBOX_INVALID_RESULT', 'a measure is malformed');
        }
        return m.fn === 'count'
          ? { fn: 'count' as const }
          : { fn: m.fn as (typeof MEASURE_FNS)[number], column: m.column as string };
      });
      return { ...base, kind: 'groupBy' as const, groupBy: r.groupBy, measures };
    }
    if (r.kind === 'histogram' && has(r.column) && Array.isArray(r.edges) && r.edges.every(Number.isFinite)) {
      return { ...base, kind: 'histogram' as const, column: r.column as string, edges: r.edges as number[] };
    }
    if (r.kind === 'regression' && has(r.y) && strings(r.x) && r.x.every(has)) {
      return { ...base, kind: 'regression' as const, y: r.y as string, x: r.x };
    }
    throw new RunFailure('SANDBOX_INVALID_RESULT', 'an aggregate record is malformed');
  });
}

/**
 * Runs one operator script in a fresh isolate against copies of the licensed tables, under a heap
 * limit, a CPU-time limit and a wall-clock watchdog that also covers code after an `await` and
 * promises that never settle. The isolate is always disposed. Returns the result (aggregates as
 * markers), what the script asked the host to aggregate, its log lines and its usage.
 */
export async function runInIsolate(input: TRunInput): Promise<TRunOutput> {
  const { limits } = input;
  const logs: string[] = [];
  const started = performance.now();
  const isolate = new ivm.Isolate({ memoryLimit: limits.memoryMb });
  let stopReason: TSandboxErrorCode | null = null;
  let peakHeap = 0;
  let cpuMs = 0;
  const usage = (): TUsage => ({
    cpuMs: Math.round(cpuMs),
    wallMs: Math.round(performance.now() - started),
    peakHeapBytes: peakHeap,
  });
  const sample = () => {
    if (isolate.isDisposed) return;
    try {
      cpuMs = Number(isolate.cpuTime) / 1e6;
      const h = isolate.getHeapStatisticsSync();
      peakHeap = Math.max(peakHeap, h.used_heap_size);
      if (cpuMs > limits.cpuMs) stop('SANDBOX_TIMEOUT');
      if (h.used_heap_size > limits.memoryMb * 1024 * 1024) stop('SANDBOX_MEMORY');
    } catch {
      // disposed between the check and the read
    }
  };
  const stop = (reason: TSandboxErrorCode) => {
    stopReason ??= reason;
    if (!isolate.isDisposed) isolate.dispose();
  };
  const watch = setInterval(sample, 20);
  const wall = setTimeout(() => stop('SANDBOX_TIMEOUT'), limits.wallMs);
  try {
    const context = await isolate.createContext();
    const jail = context.global;
    await jail.set('globalThis', jail.derefInto());
    await jail.set(
      '__log',
      new ivm.Callback((level: unknown, line: unknown) => {
        if (logs.length < MAX_LOG_LINES) logs.push(`${String(level)}: ${String(line).slice(0, 2000)}`);
      }),
    );
    await jail.set(
      '__tables',
      new ivm.ExternalCopy(tablesForIsolate(input.tables)).copyInto({ release: true }),
    );
    await jail.set('__params', new ivm.ExternalCopy(input.params ?? null).copyInto({ release: true }));
    await context.eval(SDK_SOURCE, { timeout: limits.cpuMs });
    const run = (await jail.get('__enclaveRun', { reference: true })) as ivm.Reference<
      (fn: unknown, max: number) => Promise<string>
    >;
    let compiled: ivm.Script;
    try {
      compiled = await isolate.compileScript(`${WRAPPER}${input.script}\n})`, { filename: 'script.js' });
    } catch (err) {
      throw new RunFailure('SANDBOX_SCRIPT_ERROR', `does not compile: ${(err as Error).message}`);
    }
    const fn = (await compiled.run(context, { reference: true, timeout: limits.cpuMs })) as ivm.Reference;
    const text = (await run.apply(undefined, [fn.derefInto(), limits.maxResultBytes], {
      timeout: limits.cpuMs,
      result: { promise: true, copy: true },
    })) as unknown;
    sample();
    if (stopReason) throw new RunFailure(stopReason, reasonText(stopReason, limits));
    if (typeof text !== 'string')
      throw new RunFailure('SANDBOX_INVALID_RESULT', 'the run returned no result');
    const parsed = JSON.parse(text) as {
      result?: unknown;
      requests?: unknown;
      error?: { code: string; message: string };
    };
    if (parsed.error) {
      const code = (
        ['SANDBOX_RESULT_TOO_LARGE', 'SANDBOX_INVALID_RESULT'].includes(parsed.error.code)
          ? parsed.error.code
          : 'SANDBOX_SCRIPT_ERROR'
      ) as TSandboxErrorCode;
      throw new RunFailure(code, String(parsed.error.message));
    }
    if (JSON.stringify(parsed.result ?? null).length > limits.maxResultBytes) {
      throw new RunFailure(
        'SANDBOX_RESULT_TOO_LARGE',
        `the result is larger than ${limits.maxResultBytes} bytes`,
      );
    }
    const aggregates = parseRequests(parsed.requests, input.tables);
    return { ok: true, result: parsed.result ?? null, aggregates, logs, usage: usage() };
  } catch (err) {
    if (err instanceof RunFailure)
      return { ok: false, code: err.code, errorMessage: err.message, logs, usage: usage() };
    const message = err instanceof Error ? err.message : String(err);
    const code: TSandboxErrorCode =
      stopReason ??
      (/memory limit|out of memory|Array buffer allocation failed/i.test(message)
        ? 'SANDBOX_MEMORY'
        : /timed out/i.test(message)
          ? 'SANDBOX_TIMEOUT'
          : 'SANDBOX_SCRIPT_ERROR');
    return {
      ok: false,
      code,
      errorMessage: code === 'SANDBOX_SCRIPT_ERROR' ? message : reasonText(code, limits),
      logs,
      usage: usage(),
    };
  } finally {
    clearInterval(watch);
    clearTimeout(wall);
    if (!isolate.isDisposed) isolate.dispose();
  }
}

function reasonText(code: TSandboxErrorCode, limits: TRunInput['limits']): string {
  if (code === 'SANDBOX_TIMEOUT')
    return `the run passed its limit of ${limits.cpuMs} ms CPU or ${limits.wallMs} ms wall time`;
  if (code === 'SANDBOX_MEMORY') return `the run passed its memory limit of ${limits.memoryMb} MB`;
  return code;
}
