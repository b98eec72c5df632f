import type { TRunLimits, TSandboxErrorCode } from '../src/types.ts';

/**
 * Scripts that try to escape the sandbox, exhaust it, or make the host trust something it should
 * not, each with the outcome it must have. Every entry runs against the `wages` fixture table
 * (columns region, sector, age, wage, insured, hired; `salary` is deliberately not licensed).
 */
export type THostileExpectation =
  | { ok: true; result: unknown; logs?: RegExp }
  | { code: TSandboxErrorCode | TSandboxErrorCode[]; message?: RegExp };

export type THostileScript = {
  /** What the script attempts and why the outcome is the right one. */
  why: string;
  script: string;
  expect: THostileExpectation;
  limits?: Partial<TRunLimits>;
  /**
   * Leaves isolated-vm unable to stop a native loop: the run still ends on time, but the thread is
   * suspended for good and its memory stays allocated, as in a worker that must be recycled. These
   * entries run in a child process.
   */
  isCatastrophic?: true;
};

/** Limits every entry runs under unless it says otherwise. */
export const HOSTILE_LIMITS: TRunLimits = {
  memoryMb: 64,
  cpuMs: 1000,
  wallMs: 10_000,
  maxResultBytes: 64 * 1024,
};

export const HOSTILE_SCRIPTS = {
  constructorChainToProcess: {
    why: "The global object's Function constructor is the isolate's own; `process` does not exist there.",
    script: "return this.constructor.constructor('return process')()",
    expect: { code: 'SANDBOX_SCRIPT_ERROR', message: /process is not defined \(script\.js:1:\d+\)/ },
  },
  functionReturnThis: {
    why: "Function('return this')() is the isolate's global, not Node's.",
    script:
      "const g = Function('return this')(); return [typeof g.process, typeof g.require, g === globalThis]",
    expect: { ok: true, result: ['undefined', 'undefined', true] },
  },
  globalThisProcess: {
    why: 'No Node global is installed in the context.',
    script: 'return typeof globalThis.process',
    expect: { ok: true, result: 'undefined' },
  },
  noHostGlobals: {
    why: 'Nothing from the host, and none of the removed built-ins, is reachable by name.',
    script: `const names = Object.getOwnPropertyNames(globalThis);
      const banned = ['process', 'require', 'module', 'exports', 'Buffer', 'global', 'ivm', '_ivm', 'setTimeout',
        'setImmediate', 'queueMicrotask', 'fetch', 'SharedArrayBuffer', 'Atomics', 'WebAssembly'];
      return banned.filter((n) => names.includes(n) || typeof globalThis[n] !== 'undefined')`,
    expect: { ok: true, result: [] },
  },
  requireFs: {
    why: 'There is no require.',
    script: "return require('fs').readFileSync('/etc/passwd', 'utf8')",
    expect: { code: 'SANDBOX_SCRIPT_ERROR', message: /require is not defined/ },
  },
  dynamicImport: {
    why: 'isolated-vm installs no dynamic import handler, so import() rejects.',
    script: "const fs = await import('fs'); return typeof fs.readFileSync",
    expect: { code: 'SANDBOX_SCRIPT_ERROR' },
  },
  dynamicImportDataUrl: {
    why: 'Not even a data: URL module can be loaded.',
    script: "const m = await import('data:text/javascript,export default 1'); return m.default",
    expect: { code: 'SANDBOX_SCRIPT_ERROR' },
  },
  prepareStackTraceCallSites: {
    why:
      'CallSites only ever describe frames of this isolate; the SDK is strict mode, so getFunction() and ' +
      "getThis() never return its closures, and whatever a frame returns leads to the isolate's own Function.",
    script: `Error.prepareStackTrace = (error, sites) => sites;
      const collect = (fn) => { try { fn(); } catch (e) { return Array.isArray(e.stack) ? e.stack : []; } return []; };
      const t = enclave.table('wages');
      const sites = [
        ...collect(() => enclave.table('nope')),
        ...collect(() => t.col('salary')),
        ...collect(() => t.regression('wage', ['wage'])),
        ...collect(() => t.where('wage', 'gt', 'x')),
      ];
      Error.prepareStackTrace = undefined;
      let escaped = false;
      let sdkClosures = 0;
      for (const site of sites) {
        const fn = site.getFunction();
        const self = site.getThis();
        if (fn !== undefined && String(site.getFileName()).includes('enclave-sdk')) sdkClosures++;
        for (const candidate of [fn, self]) {
          if (candidate === undefined || candidate === null) continue;
          try {
            if (candidate.constructor.constructor('return typeof process')() !== 'undefined') escaped = true;
          } catch {}
        }
      }
      return { frames: sites.length > 0, escaped, sdkClosures }`,
    expect: { ok: true, result: { frames: true, escaped: false, sdkClosures: 0 } },
  },
  webAssemblyRemoved: {
    why: 'WebAssembly is deleted from the context: nothing compiles native code and no wasm memory escapes the heap limit.',
    script: `const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
      const { instance } = await WebAssembly.instantiate(bytes);
      return typeof instance`,
    expect: { code: 'SANDBOX_SCRIPT_ERROR', message: /WebAssembly is not defined/ },
  },
  webAssemblyNotRecoverable: {
    why: 'No intrinsic leads back to the deleted WebAssembly namespace.',
    script: `const g = Function('return this')();
      return [typeof g.WebAssembly, Object.getOwnPropertyNames(g).some((n) => /wasm|webassembly/i.test(n))]`,
    expect: { ok: true, result: ['undefined', false] },
  },
  sharedArrayBufferAtomicsWait: {
    why: 'SharedArrayBuffer and Atomics are deleted, so Atomics.wait cannot block the thread.',
    script: 'const ia = new Int32Array(new SharedArrayBuffer(16)); return Atomics.wait(ia, 0, 0)',
    expect: { code: 'SANDBOX_SCRIPT_ERROR', message: /SharedArrayBuffer is not defined/ },
  },
  atomicsOnPlainBuffer: {
    why: 'Atomics is gone as well, whatever buffer is used.',
    script: 'return Atomics.wait(new Int32Array(4), 0, 0, 1e9)',
    expect: { code: 'SANDBOX_SCRIPT_ERROR', message: /Atomics is not defined/ },
  },
  getterInResult: {
    why: 'Getters are never invoked by the serialiser, and the result is refused.',
    script: 'return { get secret() { return 42; } }',
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /getter or setter/ },
  },
  getterInArray: {
    why: 'An accessor on an array index is refused too.',
    script:
      'const a = [1, 2]; Object.defineProperty(a, 1, { get() { return 3; }, enumerable: true }); return a',
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /getter or setter/ },
  },
  proxyClaimingMarker: {
    why: "A Proxy can report any keys, but '$aggregate' is refused on anything that is not a handle.",
    script: `return new Proxy({}, {
        ownKeys: () => ['$aggregate'],
        getOwnPropertyDescriptor: () => ({ value: 1, enumerable: true, configurable: true, writable: true }),
      })`,
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /\$aggregate/ },
  },
  proxyGetTrapNeverRuns: {
    why:
      'The serialiser reads descriptors only, so the get trap never runs for a property; the data is what the ' +
      'traps report. (Returning from an async function reads `then`, inside the isolate, as any promise does.)',
    script: `return new Proxy({ a: 1, b: 'two' }, {
        get(target, key) { if (key === 'then') return undefined; throw new Error('get trap ran for ' + String(key)); },
      })`,
    expect: { ok: true, result: { a: 1, b: 'two' } },
  },
  proxyAroundHandle: {
    why: 'A Proxy of a handle is not the handle (private-field brand check), so it is refused as a class instance.',
    script: "return new Proxy(enclave.table('wages').count(), {})",
    expect: { code: 'SANDBOX_INVALID_RESULT' },
  },
  revokedProxy: {
    why: 'A revoked Proxy throws inside the serialiser; the run fails cleanly.',
    script: 'const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return { proxy }',
    expect: { code: 'SANDBOX_INVALID_RESULT' },
  },
  ownToJSON: {
    why: 'toJSON is never called; a function-valued property is refused.',
    script: 'return { toJSON() { return { $aggregate: 1 }; } }',
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /function/ },
  },
  inheritedToJSON: {
    why: 'An inherited toJSON is ignored: only own data properties are serialised.',
    script: 'Object.prototype.toJSON = function () { return { $aggregate: 1 }; }; return { a: 1 }',
    expect: { ok: true, result: { a: 1 } },
  },
  symbolValue: {
    why: 'Symbols are not data.',
    script: "return { s: Symbol('x') }",
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /Symbol/ },
  },
  symbolKey: {
    why: 'Symbol keys are refused rather than silently dropped.',
    script: "return { [Symbol('k')]: 1 }",
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /Symbol key/ },
  },
  infiniteLoop: {
    why: 'The CPU watchdog disposes of the isolate.',
    script: 'while (true) {}',
    limits: { cpuMs: 300 },
    expect: { code: 'SANDBOX_TIMEOUT' },
  },
  loopAfterAwait: {
    why: 'Code running in a promise continuation is covered as well.',
    script: 'await null; while (true) {}',
    limits: { cpuMs: 300 },
    expect: { code: 'SANDBOX_TIMEOUT' },
  },
  neverSettles: {
    why: 'A promise that never settles uses no CPU; the wall-clock watchdog ends the run.',
    script: 'await new Promise(() => {})',
    limits: { wallMs: 1000 },
    expect: { code: 'SANDBOX_TIMEOUT', message: /wall clock/ },
  },
  thenableNeverSettles: {
    why: 'Returning a thenable whose then() never calls back is the same as a promise that never settles.',
    script: 'return { then() {} }',
    limits: { wallMs: 1000 },
    expect: { code: 'SANDBOX_TIMEOUT' },
  },
  hugeString: {
    why: "V8's string length limit makes this a RangeError the script could have caught.",
    script: "return 'x'.repeat(2 ** 29).length",
    expect: { code: 'SANDBOX_SCRIPT_ERROR', message: /Invalid string length/ },
  },
  hugeArrayFill: {
    why:
      'Array.prototype.fill on a 1e9-element array is a native loop that ignores termination: the watchdog ' +
      'ends the run at the limit, isolated-vm suspends the thread after its grace period and reports a ' +
      'catastrophic error, so the worker process must be recycled.',
    script: 'return new Array(1e9).fill(0).length',
    limits: { cpuMs: 500, wallMs: 1500 },
    expect: { code: ['SANDBOX_TIMEOUT', 'SANDBOX_MEMORY'] },
    isCatastrophic: true,
  },
  holeyIndexOf: {
    why:
      'Array(1e9).indexOf(1) walks a billion holes in native code without checking for termination, and ' +
      'uses no memory: the watchdog ends the run on time, and the runner reports the isolate out of control ' +
      'as soon as it sees its thread still running after the run ended.',
    script: 'return Array(1e9).indexOf(1)',
    limits: { cpuMs: 300, wallMs: 1500 },
    expect: { code: 'SANDBOX_TIMEOUT' },
    isCatastrophic: true,
  },
  sparseFillPastMemoryLimit: {
    why:
      'new Array(5e7).fill(0) fills a dictionary-mode array in native code: isolated-vm disposes of the ' +
      'isolate at its memory limit, but the loop goes on outside the limit for seconds, growing the process ' +
      'by gigabytes, and isolated-vm never reports it. The run fails with SANDBOX_MEMORY and the runner ' +
      'reports the isolate out of control, so the worker is recycled.',
    script: 'return new Array(5e7).fill(0).length',
    limits: { cpuMs: 10_000, wallMs: 20_000 },
    expect: { code: 'SANDBOX_MEMORY' },
    isCatastrophic: true,
  },
  memoryGrowth: {
    why: 'Allocating without bound hits the isolate memory limit.',
    script: "const keep = []; while (true) keep.push({ n: keep.length, s: 'row ' + keep.length });",
    limits: { cpuMs: 10_000 },
    expect: { code: 'SANDBOX_MEMORY' },
  },
  typedArrayMemory: {
    why:
      'Array buffers count against the limit: the allocation fails inside the isolate with a RangeError, ' +
      'which is memory exhaustion, not a mistake in the script.',
    script:
      'const keep = []; for (let i = 0; i < 100; i++) keep.push(new Float64Array(2 ** 22)); return keep.length',
    expect: { code: 'SANDBOX_MEMORY', message: /memory limit of 64 MB.*array buffer allocation failed/ },
  },
  arrayBufferPastLimit: {
    why:
      'One ArrayBuffer larger than the limit is refused outright (V8: "Array buffer allocation failed"): ' +
      'memory exhaustion, reported with where it happened.',
    script: 'const b = new ArrayBuffer(2 ** 31); return b.byteLength',
    expect: {
      code: 'SANDBOX_MEMORY',
      message:
        /^The script used more than the memory limit of 64 MB: an array buffer allocation failed \(script\.js:1:\d+\)\.$/,
    },
  },
  typedArrayPastLimit: {
    why: 'The same for a typed array of 2.4 GB.',
    script: 'return new Float64Array(3e8).length',
    expect: { code: 'SANDBOX_MEMORY' },
  },
  allocationFailureInRejection: {
    why: 'A failed allocation in a promise nobody awaits is memory exhaustion too.',
    script: '(async () => new ArrayBuffer(2 ** 31))(); return 1',
    expect: { code: 'SANDBOX_MEMORY' },
  },
  allocationFailureCaught: {
    why: 'A script may catch a failed allocation and carry on: then the run succeeds.',
    script:
      "try { new ArrayBuffer(2 ** 31); } catch (e) { return e.name + ': ' + e.message; } return 'allocated'",
    expect: { ok: true, result: 'RangeError: Array buffer allocation failed' },
  },
  ownRangeError: {
    why: "A RangeError the script throws itself is the script's error, although memory errors are RangeErrors too.",
    script: "throw new RangeError('n must be below 10')",
    expect: {
      code: 'SANDBOX_SCRIPT_ERROR',
      message: /^RangeError: n must be below 10 \(script\.js:1:\d+\)$/,
    },
  },
  deepRecursion: {
    why: 'Stack overflow is a RangeError inside the isolate.',
    script: 'const f = (n) => f(n + 1) + 1; return f(0)',
    expect: { code: 'SANDBOX_SCRIPT_ERROR', message: /Maximum call stack size exceeded/ },
  },
  hundredMegabytes: {
    why: 'The serialiser stops as soon as the output passes maxResultBytes, without building 100 MB.',
    script: "const s = 'y'.repeat(100_000); return Array.from({ length: 1000 }, () => s)",
    expect: { code: 'SANDBOX_RESULT_TOO_LARGE' },
  },
  hundredMegabyteString: {
    why: 'A single oversized string is refused before it is escaped.',
    script: "return 'z'.repeat(100 * 1024 * 1024)",
    limits: { memoryMb: 256 },
    expect: { code: 'SANDBOX_RESULT_TOO_LARGE' },
  },
  forgedMarker: {
    why: 'Only handles become { $aggregate: id }; a hand-built marker fails the run.',
    script: 'return { $aggregate: 1 }',
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /\$aggregate/ },
  },
  forgedMarkerBesideRealHandle: {
    why: 'A forged marker reusing a real id still fails the run.',
    script: "const h = enclave.table('wages').count(); return { real: h, fake: { $aggregate: h.id } }",
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /\$aggregate/ },
  },
  forgedMarkerNested: {
    why: 'Markers are checked at every depth.',
    script: 'return [{ a: [{ b: { $aggregate: 1, extra: true } }] }]',
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /\$aggregate/ },
  },
  forgedMarkerViaPatchedBuiltins: {
    why: 'The serialiser uses built-ins captured before the script ran, so patching globals changes nothing.',
    script: `const h = enclave.table('wages').count();
      Object.getPrototypeOf = () => Object.prototype;
      Object.getOwnPropertyDescriptor = () => ({ value: 1, enumerable: true });
      Object.hasOwn = () => true;
      Reflect.ownKeys = () => [];
      JSON.stringify = () => '{"$aggregate":1}';
      Set.prototype.has = () => false;
      WeakMap.prototype.get = () => 1;
      Array.isArray = () => false;
      return { h, fake: { $aggregate: 1 } }`,
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /\$aggregate/ },
  },
  forgedHandleFromPrototype: {
    why: 'An object built on the handle prototype has no private id: it is a class instance, not a handle.',
    script: "const h = enclave.table('wages').count(); return Object.create(Object.getPrototypeOf(h))",
    expect: { code: 'SANDBOX_INVALID_RESULT' },
  },
  handleIdGetterRedefined: {
    why: "Redefining the handle's id getter changes what the script sees, not the id the host issued.",
    script: `const h = enclave.table('wages').count();
      Object.defineProperty(Object.getPrototypeOf(h), 'id', { get: () => 99 });
      return { h, seen: h.id }`,
    expect: { ok: true, result: { h: { $aggregate: 1 }, seen: 99 } },
  },
  sdkReplaced: {
    why: 'A script may replace `enclave`, but its fake handles are plain objects and are refused.',
    script: `globalThis.enclave = { table: () => ({ count: () => ({ $aggregate: 7 }) }) };
      return enclave.table('wages').count()`,
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /\$aggregate/ },
  },
  prototypePollutionKey: {
    why: 'An own "__proto__" key is refused so nothing downstream can be polluted by the released JSON.',
    script: `return JSON.parse('{"__proto__": {"polluted": true}}')`,
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /__proto__/ },
  },
  cycle: {
    why: 'Cycles are refused.',
    script: 'const a = { n: 1 }; a.self = a; return a',
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /cycle/ },
  },
  tooDeep: {
    why: 'Nesting beyond 64 levels is refused.',
    script: 'let v = 0; for (let i = 0; i < 100; i++) v = [v]; return v',
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /deeper than 64/ },
  },
  nonFinite: {
    why: 'NaN and Infinity are not JSON.',
    script: 'return { mean: 0 / 0 }',
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /not finite/ },
  },
  mapInResult: {
    why: 'Maps, Sets and class instances are refused.',
    script: "return { m: new Map([['a', 1]]) }",
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /Map, Set, class instance/ },
  },
  bigIntInResult: {
    why: 'BigInt is not JSON.',
    script: 'return { n: 10n }',
    expect: { code: 'SANDBOX_INVALID_RESULT', message: /BigInt/ },
  },
  unlicensedColumn: {
    why: 'A column outside the contract is not in the isolate at all; the error names it.',
    script: "return enclave.table('wages').col('salary')",
    expect: {
      code: 'SANDBOX_SCRIPT_ERROR',
      message: /"salary".*not one of the licensed columns.*\(script\.js:1:\d+\)/,
    },
  },
  unlicensedColumnInAggregate: {
    why: 'Aggregates over an unlicensed column are refused the same way.',
    script: "return enclave.table('wages').groupBy('region').mean('salary')",
    expect: { code: 'SANDBOX_SCRIPT_ERROR', message: /"salary"/ },
  },
  unlicensedTable: {
    why: 'A table outside the contract is refused by name.',
    script: "return enclave.table('patients').count()",
    expect: { code: 'SANDBOX_SCRIPT_ERROR', message: /"patients" is not licensed/ },
  },
  logRowValue: {
    why: 'console.log of a row value is captured in logs, which the caller treats as sensitive.',
    script: "const [row] = enclave.table('wages').rows(); console.log('first age', row.age); return null",
    expect: { ok: true, result: null, logs: /^first age \d+$/ },
  },
  logFlood: {
    why: 'Logs are capped in lines and in line length.',
    script: "for (let i = 0; i < 100000; i++) console.log('x'.repeat(5000)); return 'done'",
    expect: { ok: true, result: 'done', logs: /log limit of 1000 lines reached/ },
  },
  throwProxy: {
    why: 'A thrown Proxy whose traps throw is still reported as a script error, described inside the isolate.',
    script: "throw new Proxy({}, { get() { throw new Error('trap'); } })",
    expect: { code: 'SANDBOX_SCRIPT_ERROR' },
  },
  throwGetterLoop: {
    why: 'A thrown object whose message getter never returns is stopped by the watchdog.',
    script: 'throw { get message() { while (true) {} } }',
    limits: { cpuMs: 300 },
    expect: { code: 'SANDBOX_TIMEOUT' },
  },
  floatingRejection: {
    why:
      'A rejected promise that nothing handles fails the run when the script ends (isolated-vm throws it ' +
      "out of the call): the script's error, with its location.",
    script: "Promise.reject(new Error('forgotten')); return 1",
    expect: {
      code: 'SANDBOX_SCRIPT_ERROR',
      message: /^Unhandled promise rejection: Error: forgotten \(script\.js:1:\d+\)$/,
    },
  },
  floatingAsyncThrow: {
    why: 'An async function called without await that throws after an await is the same.',
    script: "await null; (async () => { await null; throw new TypeError('late'); })(); return 1",
    expect: {
      code: 'SANDBOX_SCRIPT_ERROR',
      message: /^Unhandled promise rejection: TypeError: late \(script\.js/,
    },
  },
  floatingRejectionOfString: {
    why: 'A rejection with a value that is not an Error is described by the value.',
    script: "Promise.reject('nope'); return 1",
    expect: { code: 'SANDBOX_SCRIPT_ERROR', message: /^Unhandled promise rejection: "nope"$/ },
  },
  floatingRejectionPosingAsHost: {
    why:
      "Rejections worded like isolated-vm's own timeout and memory errors are still the script's: the host " +
      'decides what happened from what it saw (watchdog, disposal, elapsed time), never from the text.',
    script: `Promise.reject(new Error('Script execution timed out.'));
      Promise.reject(new Error('Isolate was disposed during execution due to memory limit'));
      return 1`,
    expect: { code: 'SANDBOX_SCRIPT_ERROR', message: /^Unhandled promise rejection: / },
  },
  floatingRejectionGetterLoop: {
    why: 'isolated-vm reads the message of an unhandled rejection inside the isolate: a getter that never returns is stopped by the watchdog.',
    script: 'Promise.reject({ get message() { while (true) {} } }); return 1',
    limits: { cpuMs: 300 },
    expect: { code: 'SANDBOX_TIMEOUT' },
  },
  rejectionReasonLoopsForEver: {
    why:
      'isolated-vm reads the message and stack of a rejection left unhandled after the call has ended, ' +
      'where it swallows termination: with both reads looping, the thread spins for good and isolated-vm ' +
      'never reports it. The watchdog ends the run; the runner reports the isolate out of control.',
    script:
      'Promise.reject({ get message() { while (true) {} }, get stack() { while (true) {} } }); return 1',
    limits: { cpuMs: 300, wallMs: 1500 },
    expect: { code: 'SANDBOX_TIMEOUT' },
    isCatastrophic: true,
  },
  rejectionHandledBeforeTheEnd: {
    why: 'A rejection the script handles before it ends is no failure.',
    script: "const p = Promise.reject(new Error('x')); await null; p.catch(() => {}); return 'handled'",
    expect: { ok: true, result: 'handled' },
  },
  returnedRejection: {
    why: 'Returning a rejected promise is throwing.',
    script: "return Promise.reject(new Error('refused'))",
    expect: { code: 'SANDBOX_SCRIPT_ERROR', message: /^Error: refused \(script\.js:1:\d+\)$/ },
  },
  wrapperBreakout: {
    why:
      'Closing the wrapper function early only runs code at the top level of the same isolate: it reaches ' +
      'nothing the function body could not.',
    script: '}); globalThis.escaped = typeof process; (async function () { return globalThis.escaped;',
    expect: { ok: true, result: 'undefined' },
  },
} satisfies Record<string, THostileScript>;

export type THostileName = keyof typeof HOSTILE_SCRIPTS;
