import { Buffer } from 'node:buffer';
import ivm from 'isolated-vm';
import { computeAggregate, schemaOf, type THostAggregate } from '../disclosure/index.ts';
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
/**
 * How long an isolate the watchdog ended may take to stop. Terminated JavaScript stops within a few
 * milliseconds; a native loop that ignores termination goes on, holding its thread and memory.
 */
const WIND_DOWN_MS = 1000;
/** The operator's code is compiled under this name; error locations refer to it. */
const SCRIPT_FILENAME = 'script.js';

/** What the host answers a script's `handle.release(epsilon)`: the released aggregate, or why not. */
export type TInterimRelease = (
  request: TAggregateRequest,
  epsilon: number,
) => Promise<{ ok: true; value: unknown } | { ok: false; message: string }>;

export type TRunOptions = {
  /**
   * `aggregate`: the tables are dummy data and every aggregate must be one the host can release
   * (refused at once otherwise); `rows`: anything goes, the output is reviewed. Default `rows`.
   */
  kind?: 'aggregate' | 'rows';
  /** Serves `handle.release(epsilon)`; without it the call is refused. */
  release?: TInterimRelease;
  /**
   * The process lost control of the run's isolate: isolated-vm reported a catastrophic error (a
   * native loop that ignored termination, whose thread it then suspends for good, or a V8
   * out-of-memory), or the isolate was still running a second after the watchdog ended the run (the
   * same native loop, seen before isolated-vm gives up on it). The run still ends with a failure
   * code, but the process keeps the stuck thread and its memory, so a worker should answer the run,
   * take no other and end itself. Called before the run's promise settles when the run saw it;
   * isolated-vm may call it again later. Default: a process warning.
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
  const startedAt = performance.now();

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

  let hasLostControl = false;
  const reportLostControl = (message: string) => {
    hasLostControl = true;
    (options.onCatastrophicError ?? warnCatastrophe)(message);
  };
  const isolate = new ivm.Isolate({
    memoryLimit: limits.memoryMb,
    onCatastrophicError: (message) => {
      const isOutOfMemory = /out-of-memory/i.test(message);
      const lost: TFailure = {
        code: isOutOfMemory ? 'SANDBOX_MEMORY' : 'SANDBOX_CRASHED',
        message: `The sandbox lost control of the script (${message}).`,
      };
      // Running out of memory is what happened, whatever the watchdog saw first.
      if (isOutOfMemory && isOpen && failure) failure = lost;
      stop(lost);
      reportLostControl(message);
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

  /** A failure decided after `o` (a catastrophic out-of-memory overrides the watchdog) is the answer. */
  const withLatestFailure = (o: TOutcome): TOutcome => (!o.ok && failure ? { ok: false, ...failure } : o);

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

  const touched = new Set<string>();
  const bridge = createBridge(input, tables, logs, aggregates, touched, options, () => isOpen);
  const progress: TProgress = { phase: 'setup' };
  try {
    let hasStopped = false;
    const execution = execute(isolate, input, params, bridge, addHeapSample, options.kind, progress)
      .catch(
        (error: unknown): TOutcome =>
          failure
            ? { ok: false, ...failure }
            : classifyIsolateError(error, {
                phase: progress.phase,
                isDisposed: isolate.isDisposed,
                isPastWall: performance.now() - startedAt >= limits.wallMs,
                limits,
              }),
      )
      .finally(() => {
        hasStopped = true;
      });
    const raced: TOutcome = await Promise.race([
      execution,
      killed.then((f): TOutcome => ({ ok: false, ...f })),
    ]);
    if (!hasStopped && !(await settlesWithin(execution, WIND_DOWN_MS)) && !hasLostControl) {
      reportLostControl(
        `the isolate was still running ${WIND_DOWN_MS} ms after the run ended: it ignores termination`,
      );
    }
    const outcome = withLatestFailure(raced);
    sampleTimes();
    if (outcome.ok) {
      const forged = findForgedMarker(outcome.result, new Set(aggregates.map((a) => a.id)));
      if (forged === null)
        return {
          ok: true,
          result: outcome.result,
          aggregates,
          logs: [...logs],
          usage: { ...usage },
          touched: [...touched],
        };
      const message = `The result cannot be released: ${forged}.`;
      return {
        ok: false,
        code: 'SANDBOX_INVALID_RESULT',
        errorMessage: message,
        logs: [...logs],
        usage: { ...usage },
        touched: [...touched],
      };
    }
    return {
      ok: false,
      code: outcome.code,
      errorMessage: outcome.message,
      logs: [...logs],
      usage: { ...usage },
      touched: [...touched],
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
  preview: (id: unknown) => string;
  release: (id: unknown, epsilon: unknown) => Promise<string>;
};

/**
 * The functions the SDK may call. They run on the host, so they never throw (an exception would
 * carry the host's stack trace into the isolate) and return only primitives or copies. `preview`
 * and `release` answer 'R' + JSON or 'E' + a message for the script.
 */
function createBridge(
  input: TRunInput,
  tables: ReadonlyMap<string, TTable>,
  logs: string[],
  aggregates: TAggregateRequest[],
  touched: Set<string>,
  options: TRunOptions,
  isOpen: () => boolean,
): TBridge {
  let nextId = 1;
  let selectionBytes = 0;
  const recorded = (id: unknown) =>
    typeof id === 'number' ? aggregates.find((a) => a.id === id) : undefined;
  return {
    preview(id) {
      try {
        const request = recorded(id);
        if (!isOpen() || !request) return 'EThe aggregate is unknown.';
        return `R${JSON.stringify(previewOf(computeAggregate(request, input.tables)))}`;
      } catch {
        return 'EThe preview could not be computed.';
      }
    },
    async release(id, epsilon) {
      try {
        const request = recorded(id);
        if (!isOpen() || !request) return 'EThe aggregate is unknown.';
        if (!options.release || options.kind !== 'aggregate') {
          return 'Erelease() is for aggregate runs; a row run’s output is reviewed as a whole.';
        }
        if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon))
          return 'EThe epsilon is not valid.';
        const out = await options.release(request, epsilon);
        if (!isOpen()) return 'EThe run has ended.';
        return out.ok ? `R${JSON.stringify(out.value)}` : `E${out.message}`;
      } catch {
        return 'EThe release could not be computed.';
      }
    },
    record(specJson, selection) {
      try {
        if (!isOpen()) return 'The run has ended.';
        if (aggregates.length >= AGGREGATE_CAPS.maxRequests) {
          return `Too many aggregates in one run (at most ${AGGREGATE_CAPS.maxRequests}).`;
        }
        const checked = checkAggregateRequest(tables, nextId, specJson, selection, options.kind);
        if (!checked.ok) return checked.message;
        touched.add(checked.request.table);
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
        touched.add(table.name);
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

/**
 * Where a run is: setting up the isolate (host code only), compiling the script and running its top
 * level, or running it. A failure while setting up is the host's; a later one is the script's unless
 * the host saw a limit reached.
 */
type TProgress = { phase: 'setup' | 'compile' | 'script' };

async function execute(
  isolate: ivm.Isolate,
  input: TRunInput,
  params: unknown,
  bridge: TBridge,
  addHeapSample: (h: ivm.HeapStatistics) => void,
  kind: TRunOptions['kind'],
  progress: TProgress,
): Promise<TOutcome> {
  const { limits } = input;
  const context = await isolate.createContext();
  const meta = input.tables.map((t) => ({
    name: t.name,
    rowCount: t.rowCount,
    columns: Object.entries(t.columns).map(([name, c]) => ({
      name,
      type: c.type,
      schema: columnSchema(t, name),
    })),
  }));
  const config = {
    maxResultBytes: limits.maxResultBytes,
    maxLogLines: LOG_CAPS.maxLines,
    maxLogLineChars: LOG_CAPS.maxLineChars,
    maxErrorChars: MAX_ERROR_CHARS,
    kind: kind ?? 'rows',
    // What an aggregate run's clocks show throughout (see the SDK's freezeClock).
    now: Date.now(),
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
      new ivm.Callback(bridge.preview),
      // A reference rather than a callback: the isolate awaits the host's promise through it.
      new ivm.Reference(bridge.release),
      JSON.stringify(meta),
      new ivm.ExternalCopy(params).copyInto({ release: true }),
      JSON.stringify(config),
    ],
    { result: { reference: true }, timeout: limits.wallMs },
  )) as ivm.Reference<unknown>;

  addHeapSample(await isolate.getHeapStatistics());
  progress.phase = 'compile';
  const script = await isolate.compileScript(`(async function () {\n${input.script}\n})`, {
    filename: SCRIPT_FILENAME,
    lineOffset: -1,
  });
  const main = (await script.run(context, {
    reference: true,
    timeout: limits.wallMs,
  })) as ivm.Reference<unknown>;

  progress.phase = 'script';
  const raw: unknown = await runner.apply(undefined, [main.derefInto()], {
    result: { promise: true, copy: true },
    timeout: limits.wallMs,
  });
  try {
    addHeapSample(await isolate.getHeapStatistics());
  } catch {
    // Disposed meanwhile: the watchdog has the answer.
  }
  return decodeResult(raw, limits);
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
function decodeResult(raw: unknown, limits: TRunInput['limits']): TOutcome {
  const { maxResultBytes } = limits;
  // runMain returns nothing else, whatever the script does: anything else is the SDK's fault.
  const unreadable = () => fail('SANDBOX_HOST_ERROR', "The sandbox could not read the script's result.");
  if (typeof raw !== 'string' || raw.length === 0) return unreadable();
  const body = raw.slice(1);
  switch (raw[0]) {
    case 'E': {
      const memory = allocationFailure(body, limits.memoryMb);
      return memory ? { ok: false, ...memory } : fail('SANDBOX_SCRIPT_ERROR', cap(body));
    }
    case 'T':
      return fail('SANDBOX_RESULT_TOO_LARGE', `The result is too large: ${cap(body)}.`);
    case 'I':
      return fail('SANDBOX_INVALID_RESULT', `The result cannot be released: ${cap(body)}.`);
    case 'R':
      break;
    default:
      return unreadable();
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

/**
 * What an error out of isolated-vm means for the run, decided from what the host saw, never from the
 * error's text: a script can reject a promise with any text, and isolated-vm throws a rejection the
 * script left unhandled out of the call just as it throws its own errors.
 */
function classifyIsolateError(
  error: unknown,
  seen: { phase: TProgress['phase']; isDisposed: boolean; isPastWall: boolean; limits: TRunInput['limits'] },
): TOutcome {
  const { limits } = seen;
  // isolated-vm disposes of an isolate itself only when it passes its memory limit.
  if (seen.isDisposed) return { ok: false, ...memoryFailure(limits.memoryMb) };
  // Its own timeouts fire only after wallMs (and the watchdog's wall clock normally first).
  if (seen.isPastWall) {
    return fail('SANDBOX_TIMEOUT', `The script ran for more than ${limits.wallMs} ms (wall clock).`);
  }
  if (seen.phase === 'setup') {
    // Host code only so far (the SDK, on the host's own values): the script has no part in this.
    const message = error instanceof Error ? error.message : String(error);
    if (/memory limit/i.test(message)) return { ok: false, ...memoryFailure(limits.memoryMb) };
    return fail('SANDBOX_HOST_ERROR', 'The sandbox could not be set up for the script.');
  }
  // A compile error, an error thrown by the script's top level (code after a `}` closing the
  // wrapper), or, out of the script's call (runMain catches whatever the script throws), a promise
  // the script rejected and never handled, which isolated-vm throws when the call's task ends.
  const description = describeThrown(error, seen.phase === 'compile' ? 'Uncaught ' : '');
  const memory = allocationFailure(description, limits.memoryMb);
  if (memory) return { ok: false, ...memory };
  return fail(
    'SANDBOX_SCRIPT_ERROR',
    seen.phase === 'compile' ? description : cap(`Unhandled promise rejection: ${description}`),
  );
}

const memoryFailure = (memoryMb: number): TFailure => ({
  code: 'SANDBOX_MEMORY',
  message: `The script used more than the memory limit of ${memoryMb} MB.`,
});

/**
 * V8's error when it cannot get the memory for an ArrayBuffer (isolated-vm's allocator refuses what
 * would pass the isolate's limit, or the process has none left), as the SDK and describeThrown write
 * it. A RangeError with any other message (a bad length, a script's own) is the script's error.
 */
const ALLOCATION_FAILED = /^RangeError: Array buffer allocation failed(?: \((script\.js:\d+:\d+)\))?$/;

function allocationFailure(description: string, memoryMb: number): TFailure | null {
  const match = ALLOCATION_FAILED.exec(description);
  if (!match) return null;
  const where = match[1] ? ` (${match[1]})` : '';
  return {
    code: 'SANDBOX_MEMORY',
    message: `The script used more than the memory limit of ${memoryMb} MB: an array buffer allocation failed${where}.`,
  };
}

/** Resolves true if `promise` settles within `ms`, false otherwise; leaves no timer behind. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A value thrown out of the isolate, as the SDK describes errors: "Name: message (script.js:l:c)",
 * the location taken only from the script's own frames (never a host frame or path); a value that is
 * not an Error after `valuePrefix`.
 */
function describeThrown(error: unknown, valuePrefix: string): string {
  if (!(error instanceof Error)) {
    return cap(`${valuePrefix}${typeof error === 'string' ? JSON.stringify(error) : String(error)}`);
  }
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

/** What the SDK shows of a column's schema: nullability, code list and bounds. */
function columnSchema(table: TTable, name: string) {
  const bounds = Object.hasOwn(table.bounds, name) ? table.bounds[name] : undefined;
  return {
    ...schemaOf(table, name),
    ...(bounds?.min !== undefined ? { min: bounds.min } : {}),
    ...(bounds?.max !== undefined ? { max: bounds.max } : {}),
  };
}

/**
 * A preview in the SDK's shape: group-by rows as objects keyed by column and measure names,
 * histogram bins as `{ from, to, count }`, a regression as `{ n, coefficients, r2 }`.
 */
function previewOf(exact: THostAggregate): unknown {
  if ('columns' in exact) {
    return exact.rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const [i, c] of exact.columns.entries()) {
        Object.defineProperty(out, c, {
          value: row[i],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    });
  }
  if ('edges' in exact)
    return exact.counts.map((count, b) => ({ from: exact.edges[b], to: exact.edges[b + 1], count }));
  return {
    n: exact.n,
    coefficients: exact.coefficients,
    r2: exact.r2 ?? null,
    ...(exact.note ? { note: exact.note } : {}),
  };
}
