import { Buffer } from 'node:buffer';
import ivm from 'isolated-vm';
import { SDK_FILENAME, SDK_SOURCE } from '../sdk/sdk-source.ts';
import type {
  TAggregateRequest,
  TRunInput,
  TRunOutput,
  TSandboxErrorCode,
  TTable,
  TUsage,
} from '../types.ts';
import { AGGREGATE_CAPS, checkAggregateRequest } from './check-aggregate-request.ts';

/** Caps on what a run may write with console.* (the lines may hold row values). */
export const LOG_CAPS = { maxLines: 1000, maxLineChars: 2000 } as const;

/** Longest `errorMessage` a run returns. */
const MAX_ERROR_CHARS = 4000;
/** How often the watchdog reads the isolate's CPU time and heap. */
const POLL_MS = 10;
/** The operator's code is compiled under this name; error locations refer to it. */
const SCRIPT_FILENAME = 'script.js';

export type TRunOptions = {
  /**
   * isolated-vm lost control of an isolate: a native loop that ignored termination (its thread is
   * then suspended for good) or a V8 out-of-memory. The run still ends with a failure code, but the
   * process keeps the stuck thread and its memory, so a worker should finish and exit. May be called
   * after the run's promise has settled. Default: a process warning.
   */
  onCatastrophicError?: (message: string) => void;
};

type TFailure = { code: TSandboxErrorCode; message: string };
type TOutcome = { ok: true; result: unknown } | ({ ok: false } & TFailure);

const fail = (code: TSandboxErrorCode, message: string): TOutcome => ({ ok: false, code, message });

/**
 * Runs one operator script in a fresh isolate and disposes of it, whatever happens.
 *
 * The script is the body of an async function that sees `enclave` (the SDK), `params` (a copy of
 * `input.params`) and `console`. Only copies cross into the isolate: table columns as ExternalCopy
 * typed arrays when the script first touches them, params as a structured clone, and three host
 * callbacks that take and return plain values. What comes back is a JSON string the SDK wrote
 * (every aggregate handle as `{ "$aggregate": id }`), capped at `limits.maxResultBytes`, and the
 * aggregate requests the host recorded and validated itself.
 *
 * Never rejects for anything the script does; rejects only when `input` itself is malformed.
 *
 * @example
 *   const out = await runInIsolate({
 *     script: "return enclave.table('wages').groupBy('region').agg({ n: 'count' })",
 *     params: {}, tables: [wages], limits: { memoryMb: 128, cpuMs: 5000, wallMs: 10000, maxResultBytes: 1 << 20 },
 *   });
 *   // out.ok && out.result → { $aggregate: 1 }; out.aggregates[0] → { id: 1, kind: 'groupBy', … }
 */
export async function runInIsolate(input: TRunInput, options: TRunOptions = {}): Promise<TRunOutput> {
  const tables = checkInput(input);
  const params = JSON.parse(JSON.stringify(input.params ?? null)) as unknown;
  const { limits } = input;

  const logs: string[] = [];
  const aggregates: TAggregateRequest[] = [];
  const usage: TUsage = { cpuMs: 0, wallMs: 0, peakHeapBytes: 0 };
  let isOpen = true;
  let isDisposedByHost = false;
  let failure: TFailure | null = null;
  let settleKilled: (f: TFailure) => void = () => {};
  const killed = new Promise<TFailure>((resolve) => {
    settleKilled = resolve;
  });

  const isolate = new ivm.Isolate({
    memoryLimit: limits.memoryMb,
    onCatastrophicError: (message) => {
      stop({
        code: /out-of-memory/i.test(message) ? 'SANDBOX_MEMORY' : 'SANDBOX_CRASHED',
        message: `The sandbox lost control of the script (${message}).`,
      });
      (options.onCatastrophicError ?? warnCatastrophe)(message);
    },
  });

  const sampleTimes = () => {
    try {
      usage.cpuMs = Number(isolate.cpuTime) / 1e6;
      usage.wallMs = Number(isolate.wallTime) / 1e6;
    } catch {
      // Disposed: keep the last sample.
    }
  };
  const addHeapSample = (h: ivm.HeapStatistics) => {
    usage.peakHeapBytes = Math.max(usage.peakHeapBytes, h.used_heap_size + h.externally_allocated_size);
  };
  const disposeIsolate = () => {
    isDisposedByHost = true;
    try {
      if (!isolate.isDisposed) isolate.dispose();
    } catch {
      // Already gone.
    }
  };
  /** Ends the run now with `f`, whatever the isolate is doing. */
  const stop = (f: TFailure) => {
    if (!isOpen || failure) return;
    sampleTimes();
    failure = f;
    disposeIsolate();
    settleKilled(f);
  };

  let isHeapSampling = false;
  const poll = setInterval(() => {
    if (isolate.isDisposed) {
      // isolated-vm disposes an isolate itself when it passes its memory limit.
      if (!isDisposedByHost) stop(memoryFailure(limits.memoryMb));
      return;
    }
    sampleTimes();
    if (usage.cpuMs > limits.cpuMs) {
      stop({ code: 'SANDBOX_TIMEOUT', message: `The script used more than ${limits.cpuMs} ms of CPU time.` });
      return;
    }
    if (!isHeapSampling) {
      isHeapSampling = true;
      isolate.getHeapStatistics().then(
        (h) => {
          addHeapSample(h);
          isHeapSampling = false;
        },
        () => {
          isHeapSampling = false;
        },
      );
    }
  }, POLL_MS);
  const wall = setTimeout(
    () =>
      stop({
        code: 'SANDBOX_TIMEOUT',
        message: `The script ran for more than ${limits.wallMs} ms (wall clock).`,
      }),
    limits.wallMs,
  );

  const bridge = createBridge(input, tables, logs, aggregates, () => isOpen);
  try {
    const execution = execute(isolate, input, params, bridge, addHeapSample).catch(
      (error: unknown): TOutcome =>
        failure ? { ok: false, ...failure } : mapIsolateError(error, isolate.isDisposed, limits.memoryMb),
    );
    const outcome: TOutcome = await Promise.race([
      execution,
      killed.then((f): TOutcome => ({ ok: false, ...f })),
    ]);
    sampleTimes();
    if (outcome.ok) {
      const forged = findForgedMarker(outcome.result, new Set(aggregates.map((a) => a.id)));
      if (forged === null)
        return { ok: true, result: outcome.result, aggregates, logs: [...logs], usage: { ...usage } };
      const message = `The result cannot be released: ${forged}.`;
      return {
        ok: false,
        code: 'SANDBOX_INVALID_RESULT',
        errorMessage: message,
        logs: [...logs],
        usage: { ...usage },
      };
    }
    return {
      ok: false,
      code: outcome.code,
      errorMessage: outcome.message,
      logs: [...logs],
      usage: { ...usage },
    };
  } finally {
    isOpen = false;
    clearInterval(poll);
    clearTimeout(wall);
    disposeIsolate();
  }
}

type TBridge = {
  record: (specJson: unknown, selection: unknown) => number | string;
  log: (line: unknown) => void;
  column: (tableIndex: unknown, name: unknown, part: unknown) => unknown;
};

/**
 * The three functions the SDK may call. They run on the host, so they never throw (an exception
 * would carry the host's stack trace into the isolate) and return only primitives or copies.
 */
function createBridge(
  input: TRunInput,
  tables: ReadonlyMap<string, TTable>,
  logs: string[],
  aggregates: TAggregateRequest[],
  isOpen: () => boolean,
): TBridge {
  let nextId = 1;
  let selectionBytes = 0;
  return {
    record(specJson, selection) {
      try {
        if (!isOpen()) return 'The run has ended.';
        if (aggregates.length >= AGGREGATE_CAPS.maxRequests) {
          return `Too many aggregates in one run (at most ${AGGREGATE_CAPS.maxRequests}).`;
        }
        const checked = checkAggregateRequest(tables, nextId, specJson, selection);
        if (!checked.ok) return checked.message;
        const bytes = checked.request.selection?.byteLength ?? 0;
        if (selectionBytes + bytes > AGGREGATE_CAPS.maxSelectionBytes) {
          return 'Too many filtered aggregates in one run: their row selections exceed the limit.';
        }
        selectionBytes += bytes;
        aggregates.push(checked.request);
        return nextId++;
      } catch {
        return 'The aggregate request could not be recorded.';
      }
    },
    log(line) {
      try {
        if (!isOpen() || typeof line !== 'string' || logs.length > LOG_CAPS.maxLines) return;
        logs.push(
          line.length > LOG_CAPS.maxLineChars ? `${line.slice(0, LOG_CAPS.maxLineChars - 1)}…` : line,
        );
      } catch {
        // Nothing to report back.
      }
    },
    column(tableIndex, name, part) {
      try {
        if (!isOpen() || typeof tableIndex !== 'number' || typeof name !== 'string') return null;
        const table = input.tables[tableIndex];
        if (!table || !Object.hasOwn(table.columns, name)) return null;
        const data = table.columns[name]!;
        let value: Uint8Array | Float64Array | Int32Array | string[] | null = null;
        if ('codes' in data) {
          if (part === 'codes') value = data.codes;
          else if (part === 'dictionary') value = data.dictionary;
        } else if (part === 'values') value = data.values;
        else if (part === 'nulls') value = data.nulls;
        if (value === null) return null;
        // One copy of the host's array, handed to the isolate without a second copy.
        return new ivm.ExternalCopy(value).copyInto({ release: true, transferIn: !Array.isArray(value) });
      } catch {
        return null;
      }
    },
  };
}

async function execute(
  isolate: ivm.Isolate,
  input: TRunInput,
  params: unknown,
  bridge: TBridge,
  addHeapSample: (h: ivm.HeapStatistics) => void,
): Promise<TOutcome> {
  const { limits } = input;
  const context = await isolate.createContext();
  const meta = input.tables.map((t) => ({
    name: t.name,
    rowCount: t.rowCount,
    columns: Object.entries(t.columns).map(([name, c]) => ({ name, type: c.type })),
  }));
  const config = {
    maxResultBytes: limits.maxResultBytes,
    maxLogLines: LOG_CAPS.maxLines,
    maxLogLineChars: LOG_CAPS.maxLineChars,
    maxErrorChars: MAX_ERROR_CHARS,
  };
  const sdk = await compileSdk(isolate);
  const factory = (await sdk.run(context, {
    reference: true,
    timeout: limits.wallMs,
  })) as ivm.Reference<unknown>;
  const runner = (await factory.apply(
    undefined,
    [
      new ivm.Callback(bridge.record),
      new ivm.Callback(bridge.log),
      new ivm.Callback(bridge.column),
      JSON.stringify(meta),
      new ivm.ExternalCopy(params).copyInto({ release: true }),
      JSON.stringify(config),
    ],
    { result: { reference: true }, timeout: limits.wallMs },
  )) as ivm.Reference<unknown>;

  addHeapSample(await isolate.getHeapStatistics());
  let main: ivm.Reference<unknown>;
  try {
    const script = await isolate.compileScript(`(async function () {\n${input.script}\n})`, {
      filename: SCRIPT_FILENAME,
      lineOffset: -1,
    });
    main = (await script.run(context, { reference: true, timeout: limits.wallMs })) as ivm.Reference<unknown>;
  } catch (error) {
    return scriptFailure(error, isolate.isDisposed, limits.memoryMb);
  }

  const raw: unknown = await runner.apply(undefined, [main.derefInto()], {
    result: { promise: true, copy: true },
    timeout: limits.wallMs,
  });
  try {
    addHeapSample(await isolate.getHeapStatistics());
  } catch {
    // Disposed meanwhile: the watchdog has the answer.
  }
  return decodeResult(raw, limits.maxResultBytes);
}

/** V8's code cache of the SDK, made by the first run of this process: later runs skip most of its compilation. */
let sdkCodeCache: ivm.ExternalCopy<ArrayBuffer> | null = null;

/**
 * The SDK as a script whose value is its factory function. Strict mode for every SDK closure,
 * whatever the file says: CallSite#getFunction() and #getThis() return undefined for strict
 * frames, so a script never gets hold of SDK internals.
 */
async function compileSdk(isolate: ivm.Isolate): Promise<ivm.Script> {
  // The typings omit what compileScript sets on the script it returns (isolated-vm's docs).
  type TCompiled = ivm.Script & ivm.CachedDataResult & { cachedDataRejected?: boolean };
  const code = `'use strict'; (${SDK_SOURCE})`;
  if (sdkCodeCache) {
    const script: TCompiled = await isolate.compileScript(code, {
      filename: SDK_FILENAME,
      cachedData: sdkCodeCache,
    });
    if (!script.cachedDataRejected) return script;
  }
  const script: TCompiled = await isolate.compileScript(code, {
    filename: SDK_FILENAME,
    produceCachedData: true,
  });
  sdkCodeCache = script.cachedData ?? null;
  return script;
}

/** Reads what `runMain` returned: 'R' + JSON, 'E' script error, 'I' invalid result, 'T' too large. */
function decodeResult(raw: unknown, maxResultBytes: number): TOutcome {
  if (typeof raw !== 'string' || raw.length === 0) {
    return fail('SANDBOX_INVALID_RESULT', 'The script did not produce a result.');
  }
  const body = raw.slice(1);
  switch (raw[0]) {
    case 'E':
      return fail('SANDBOX_SCRIPT_ERROR', cap(body));
    case 'T':
      return fail('SANDBOX_RESULT_TOO_LARGE', `The result is too large: ${cap(body)}.`);
    case 'I':
      return fail('SANDBOX_INVALID_RESULT', `The result cannot be released: ${cap(body)}.`);
    case 'R':
      break;
    default:
      return fail('SANDBOX_INVALID_RESULT', 'The script did not produce a result.');
  }
  if (body.length > maxResultBytes || Buffer.byteLength(body, 'utf8') > maxResultBytes) {
    return fail('SANDBOX_RESULT_TOO_LARGE', `The result is too large: more than ${maxResultBytes} bytes.`);
  }
  try {
    return { ok: true, result: JSON.parse(body) as unknown };
  } catch {
    return fail('SANDBOX_INVALID_RESULT', 'The result is not valid JSON.');
  }
}

/**
 * Checks the parsed result on the host, trusting nothing the isolate wrote: every object with a
 * `$aggregate` key must be exactly `{ $aggregate: id }` for an id the host issued in this run.
 */
export function findForgedMarker(result: unknown, issued: ReadonlySet<number>): string | null {
  const stack: { value: unknown; depth: number }[] = [{ value: result, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > 65) return 'the result is nested too deeply';
    if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    if (Object.hasOwn(value, '__proto__')) return '"__proto__" cannot be used as a key';
    if (Object.hasOwn(value, '$aggregate')) {
      const id = (value as { $aggregate: unknown }).$aggregate;
      if (Object.keys(value).length !== 1 || typeof id !== 'number' || !issued.has(id)) {
        return '"$aggregate" is reserved for aggregate handles';
      }
      continue;
    }
    for (const item of Object.values(value)) stack.push({ value: item, depth: depth + 1 });
  }
  return null;
}

function scriptFailure(error: unknown, isDisposed: boolean, memoryMb: number): TOutcome {
  const mapped = mapIsolateError(error, isDisposed, memoryMb);
  if (mapped.ok || mapped.code !== 'SANDBOX_CRASHED') return mapped;
  return fail('SANDBOX_SCRIPT_ERROR', describeHostError(error));
}

/** What an error thrown by isolated-vm itself (not caught inside the isolate) means for the run. */
function mapIsolateError(error: unknown, isDisposed: boolean, memoryMb: number): TOutcome {
  const message = error instanceof Error ? error.message : String(error);
  if (/memory limit/i.test(message)) return { ok: false, ...memoryFailure(memoryMb) };
  if (/timed out/i.test(message)) return fail('SANDBOX_TIMEOUT', 'The script ran out of time.');
  if (isDisposed) return { ok: false, ...memoryFailure(memoryMb) };
  return fail('SANDBOX_CRASHED', 'The sandbox failed while running the script.');
}

const memoryFailure = (memoryMb: number): TFailure => ({
  code: 'SANDBOX_MEMORY',
  message: `The script used more than the memory limit of ${memoryMb} MB.`,
});

/** A compile error or an error thrown while the script was being set up, with its location. */
function describeHostError(error: unknown): string {
  if (!(error instanceof Error)) return cap(`Uncaught ${String(error)}`);
  let message = error.message;
  let location = /\[script\.js:(\d+):(\d+)\]\s*$/.exec(message);
  if (location) message = message.slice(0, location.index).trimEnd();
  location ??= /^\s+at (?:[^\n(]*\()?script\.js:(\d+):(\d+)\)?$/m.exec(error.stack ?? '');
  const where = location ? ` (${SCRIPT_FILENAME}:${location[1]}:${location[2]})` : '';
  return cap(`${error.name || 'Error'}: ${message}${where}`);
}

const cap = (text: string) =>
  text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;

const warnCatastrophe = (message: string) =>
  process.emitWarning(`isolated-vm lost control of a sandbox isolate: ${message}`, {
    code: 'ENCLAVE_SANDBOX',
  });

const CODED_TYPES = new Set(['string', 'date', 'timestamp']);

/** Throws on a malformed input (a caller's bug, not the script's); returns the tables by name. */
function checkInput(input: TRunInput): Map<string, TTable> {
  if (typeof input.script !== 'string') throw new TypeError('runInIsolate: script must be a string');
  const { memoryMb, cpuMs, wallMs, maxResultBytes } = input.limits;
  for (const [name, v, min] of [
    ['memoryMb', memoryMb, 8],
    ['cpuMs', cpuMs, 1],
    ['wallMs', wallMs, 1],
    ['maxResultBytes', maxResultBytes, 2],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
      throw new RangeError(`runInIsolate: limits.${name} must be a finite number ≥ ${min}`);
    }
  }
  const tables = new Map<string, TTable>();
  for (const table of input.tables) {
    if (tables.has(table.name)) throw new TypeError(`runInIsolate: table ${table.name} is given twice`);
    if (!Number.isInteger(table.rowCount) || table.rowCount < 0) {
      throw new TypeError(`runInIsolate: table ${table.name} has a bad rowCount`);
    }
    for (const [name, c] of Object.entries(table.columns)) {
      const length = CODED_TYPES.has(c.type)
        ? (c as { codes: Int32Array }).codes.length
        : (c as { values: ArrayLike<number> }).values.length;
      const nulls = 'nulls' in c ? c.nulls : null;
      if (length !== table.rowCount || (nulls && nulls.length !== table.rowCount)) {
        throw new TypeError(`runInIsolate: column ${table.name}.${name} does not have rowCount entries`);
      }
    }
    tables.set(table.name, table);
  }
  return tables;
}
