// biome-ignore-all lint/suspicious/noSelfCompare: `v !== v` is the NaN (null) test in the hot loops; it calls nothing a script could have replaced.
/*
 * The Enclave SDK as it runs INSIDE the isolate. This file is plain JavaScript: the runner reads it
 * once and evaluates it in every fresh context before the operator's script, as
 * `return (<this file>)(hostRecord, hostLog, hostColumn, hostPreview, hostRelease, metaJson, params, configJson)`.
 *
 * It installs the globals `enclave`, `params` and `console`, removes `SharedArrayBuffer`, `Atomics`
 * and `WebAssembly`, and returns `runMain(userFn)`, which awaits the operator's function and
 * serialises what it returned into a JSON string.
 *
 * Everything here is strict mode (so `CallSite#getFunction()` never hands a script one of these
 * closures), and every built-in the serialiser and the host bridge rely on is captured below,
 * before any operator code runs: a script may redefine any global or prototype method in its own
 * isolate, which changes its own view but not these captured originals. The host does not trust
 * this code either: it re-validates every aggregate request and every `$aggregate` marker.
 */
(function installEnclaveSdk(
  hostRecord,
  hostLog,
  hostColumn,
  hostPreview,
  hostRelease,
  metaJson,
  paramsValue,
  configJson,
) {
  // biome-ignore lint/suspicious/noRedundantUseStrict: evaluated as a classic script, where this directive matters.
  'use strict';

  // ---------------------------------------------------------------------------------------------
  // Primordials
  // ---------------------------------------------------------------------------------------------
  const uncurryThis = Function.prototype.bind.bind(Function.prototype.call);
  const ObjectPrototype = Object.prototype;
  const ArrayPrototype = Array.prototype;
  const DatePrototype = Date.prototype;
  const ObjectGetPrototypeOf = Object.getPrototypeOf;
  const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const ObjectHasOwn = Object.hasOwn;
  const ObjectDefineProperty = Object.defineProperty;
  const ObjectFreeze = Object.freeze;
  const ReflectOwnKeys = Reflect.ownKeys;
  const ReflectApply = Reflect.apply;
  const ArrayIsArray = Array.isArray;
  const NumberIsFinite = Number.isFinite;
  const NumberIsInteger = Number.isInteger;
  const JSONStringify = JSON.stringify;
  const JSONParse = JSON.parse;
  const StringCtor = String;
  const MapCtor = Map;
  const MapGet = uncurryThis(Map.prototype.get);
  const MapSet = uncurryThis(Map.prototype.set);
  const SetCtor = Set;
  const SetAdd = uncurryThis(Set.prototype.add);
  const SetHas = uncurryThis(Set.prototype.has);
  const SetDelete = uncurryThis(Set.prototype.delete);
  const ErrorCtor = Error;
  const TypeErrorCtor = TypeError;
  const RangeErrorCtor = RangeError;
  const DateToISOString = uncurryThis(Date.prototype.toISOString);
  const RegExpExec = uncurryThis(RegExp.prototype.exec);
  const StringCharCodeAt = uncurryThis(String.prototype.charCodeAt);
  const StringSlice = uncurryThis(String.prototype.slice);
  const TypedArrayPrototype = ObjectGetPrototypeOf(Uint8Array.prototype);
  const TypedArrayTag = uncurryThis(
    ObjectGetOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag).get,
  );
  const TypedArrayLength = uncurryThis(ObjectGetOwnPropertyDescriptor(TypedArrayPrototype, 'length').get);
  const Float64ArrayCtor = Float64Array;
  const Int32ArrayCtor = Int32Array;
  const Uint8ArrayCtor = Uint8Array;
  const NaNValue = Number.NaN;

  // hostRelease is a host reference: apply() with a proxied promise result, captured before any script runs.
  const ReleaseApply = uncurryThis(hostRelease.apply);
  const RELEASE_OPTIONS = ObjectFreeze({
    arguments: ObjectFreeze({ copy: true }),
    result: ObjectFreeze({ promise: true, copy: true }),
  });
  const config = JSONParse(configJson);
  const MAX_RESULT_BYTES = config.maxResultBytes;
  const MAX_LOG_LINES = config.maxLogLines;
  const MAX_LOG_LINE_CHARS = config.maxLogLineChars;
  const MAX_ERROR_CHARS = config.maxErrorChars;
  const MAX_DEPTH = 64;
  /** 'aggregate': the tables here are dummy data and aggregates are computed on the real rows by the host. */
  const RUN_KIND = config.kind;

  // ---------------------------------------------------------------------------------------------
  // Hardening of the context
  // ---------------------------------------------------------------------------------------------
  // SharedArrayBuffer + Atomics.wait could block the isolate's thread outside the script's own
  // loop; WebAssembly is not needed by the SDK and compiles native code whose memory is not the
  // script's heap. None of the three is reachable again once its global is gone.
  delete globalThis.SharedArrayBuffer;
  delete globalThis.Atomics;
  delete globalThis.WebAssembly;
  Error.stackTraceLimit = 50;
  if (RUN_KIND === 'aggregate') freezeClock(config.now);

  /**
   * An aggregate run's script must not time the host: `await handle.release()` waits for work on the
   * real rows, whose duration could be encoded in the result. Every clock it can read — `Date.now()`,
   * `new Date()`, `Date()`, and `Intl.DateTimeFormat` formatting the current time — shows `now`, the
   * time the run started. Dates built from a value are unaffected.
   */
  function freezeClock(now) {
    const RealDate = Date;
    const Construct = Reflect.construct;
    function FrozenDate(...args) {
      if (new.target === undefined) return new RealDate(now).toString();
      return Construct(
        RealDate,
        args.length === 0 ? [now] : args,
        new.target === FrozenDate ? RealDate : new.target,
      );
    }
    ObjectDefineProperty(FrozenDate, 'prototype', { value: RealDate.prototype });
    for (const name of ['UTC', 'parse'])
      ObjectDefineProperty(FrozenDate, name, { value: RealDate[name], writable: true, configurable: true });
    ObjectDefineProperty(FrozenDate, 'now', { value: () => now, writable: true, configurable: true });
    ObjectDefineProperty(RealDate.prototype, 'constructor', {
      value: FrozenDate,
      writable: true,
      configurable: true,
    });
    ObjectDefineProperty(globalThis, 'Date', { value: FrozenDate, writable: true, configurable: true });
    const dtf = Intl.DateTimeFormat.prototype;
    const format = ObjectGetOwnPropertyDescriptor(dtf, 'format').get;
    const toParts = dtf.formatToParts;
    ObjectDefineProperty(dtf, 'format', {
      configurable: true,
      get() {
        const bound = ReflectApply(format, this, []);
        return (date) => bound(date === undefined ? now : date);
      },
    });
    ObjectDefineProperty(dtf, 'formatToParts', {
      configurable: true,
      writable: true,
      value(date) {
        return ReflectApply(toParts, this, [date === undefined ? now : date]);
      },
    });
  }

  const fail = (message) => {
    throw new ErrorCtor(message);
  };
  const quote = (name) => JSONStringify(StringCtor(name));

  // ---------------------------------------------------------------------------------------------
  // Tables: metadata is known up front; column data is copied in on first use
  // ---------------------------------------------------------------------------------------------
  const NUMERIC = 1;
  const BOOLEAN = 2;
  const CODED = 3;
  const kindOf = (type) =>
    type === 'integer' || type === 'number' ? NUMERIC : type === 'boolean' ? BOOLEAN : CODED;

  const CONSTRUCT = Symbol('construct');
  const states = new MapCtor();
  const tableNames = [];

  function createState(meta, index) {
    const columns = new MapCtor();
    const names = [];
    for (let i = 0; i < meta.columns.length; i++) {
      const c = meta.columns[i];
      MapSet(columns, c.name, {
        name: c.name,
        type: c.type,
        kind: kindOf(c.type),
        schema: c.schema,
        data: null,
      });
      names[i] = c.name;
    }
    return { name: meta.name, index, rowCount: meta.rowCount, columns, names };
  }

  /** A licensed column's name and type, without copying its data in. */
  function columnMeta(state, name) {
    const column = typeof name === 'string' ? MapGet(state.columns, name) : undefined;
    if (column === undefined) {
      fail(
        `Column ${quote(name)} is not available in table ${quote(state.name)}: it is not one of the ` +
          `licensed columns (${state.names.join(', ')}).`,
      );
    }
    return column;
  }

  /** A licensed column with its data, copied in from the host on first use. */
  function columnOf(state, name) {
    const column = columnMeta(state, name);
    if (column.data === null) column.data = loadColumn(state, column);
    return column;
  }

  function loadColumn(state, column) {
    const fetch = (part) => hostColumn(state.index, column.name, part);
    if (column.kind === CODED) {
      const codes = fetch('codes');
      const dictionary = fetch('dictionary');
      if (!(codes instanceof Int32ArrayCtor) || !ArrayIsArray(dictionary)) fail('Column data unavailable.');
      return { values: null, nulls: null, codes, dictionary };
    }
    const values = fetch('values');
    const nulls = fetch('nulls');
    if (column.kind === NUMERIC) {
      if (!(values instanceof Float64ArrayCtor)) fail('Column data unavailable.');
      // Nulls read as NaN, so every numeric loop skips them with one comparison.
      if (nulls !== null) for (let i = 0; i < nulls.length; i++) if (nulls[i] !== 0) values[i] = NaNValue;
    } else if (!(values instanceof Uint8ArrayCtor)) fail('Column data unavailable.');
    return { values, nulls: nulls instanceof Uint8ArrayCtor ? nulls : null, codes: null, dictionary: null };
  }

  function requireNumeric(state, name, what) {
    const column = columnMeta(state, name);
    if (column.kind !== NUMERIC) {
      throw new TypeErrorCtor(
        `${what} needs a numeric column; ${quote(name)} in table ${quote(state.name)} is ${column.type}.`,
      );
    }
    return column;
  }

  function valueAt(column, row) {
    const d = column.data;
    if (column.kind === NUMERIC) {
      const v = d.values[row];
      return v === v ? v : null;
    }
    if (column.kind === BOOLEAN) return d.nulls !== null && d.nulls[row] !== 0 ? null : d.values[row] !== 0;
    const code = d.codes[row];
    return code < 0 ? null : d.dictionary[code];
  }

  function makeRow(state, row) {
    const out = {};
    for (let c = 0; c < state.names.length; c++) {
      const name = state.names[c];
      const value = valueAt(columnOf(state, name), row);
      if (name === '__proto__') {
        ObjectDefineProperty(out, name, { value, writable: true, enumerable: true, configurable: true });
      } else out[name] = value;
    }
    return out;
  }

  function compact(array, sel, count, Ctor) {
    if (sel === null) return array;
    const out = new Ctor(count);
    let j = 0;
    for (let i = 0; i < sel.length; i++) if (sel[i] !== 0) out[j++] = array[i];
    return out;
  }

  const WHERE_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in'];

  function compare(op, a, b) {
    switch (op) {
      case 'eq':
        return a === b;
      case 'ne':
        return a !== b;
      case 'lt':
        return a < b;
      case 'lte':
        return a <= b;
      case 'gt':
        return a > b;
      default:
        return a >= b;
    }
  }

  /**
   * The rows of `state` (within `sel`) where `column op value` holds, as a 0/1 bitmap, by the same
   * rules the host uses when it evaluates where() clauses again on its own data: null equals only
   * null (so 'ne' keeps null rows, and 'in' matches them when the list holds null), and no ordering
   * operator matches null.
   */
  function whereMask(state, sel, name, op, value) {
    if (!WHERE_OPS.includes(op)) {
      throw new TypeErrorCtor(`where(): unknown operator ${quote(op)}; use one of ${WHERE_OPS.join(', ')}.`);
    }
    const column = columnOf(state, name);
    const what = `where(${quote(name)}, ${quote(op)}, …)`;
    const isOrdering = op !== 'eq' && op !== 'ne' && op !== 'in';
    if (op === 'in' && !ArrayIsArray(value))
      throw new TypeErrorCtor(`${what}: 'in' needs an array of values.`);
    if (isOrdering && value === null)
      throw new TypeErrorCtor(`${what}: null can only be used with 'eq', 'ne' or 'in'.`);
    if (isOrdering && column.kind === BOOLEAN) {
      throw new TypeErrorCtor(`${what}: boolean columns support only 'eq', 'ne' and 'in'.`);
    }
    const type = column.kind === NUMERIC ? 'number' : column.kind === BOOLEAN ? 'boolean' : 'string';
    const wanted = op === 'in' ? value : [value];
    const set = new SetCtor();
    let isNullWanted = false;
    for (let k = 0; k < wanted.length; k++) {
      const w = wanted[k];
      if (w === null) isNullWanted = true;
      else if (typeof w !== type || (type === 'number' && w !== w)) {
        throw new TypeErrorCtor(
          `${what}: ${quote(name)} is ${column.type}, so values must be ${type}s or null.`,
        );
      } else SetAdd(set, w);
    }
    // What a null row gives, and what a non-null value v gives.
    const nullHit = op === 'ne' ? value !== null : op === 'eq' || op === 'in' ? isNullWanted : false;
    const hit = (v) => {
      switch (op) {
        case 'eq':
          return value !== null && v === value;
        case 'ne':
          return value === null || v !== value;
        case 'in':
          return SetHas(set, v);
        default:
          return compare(op, v, value);
      }
    };

    const n = state.rowCount;
    const out = new Uint8ArrayCtor(n);
    let count = 0;
    const d = column.data;
    if (column.kind === NUMERIC) {
      const values = d.values;
      for (let i = 0; i < n; i++) {
        if (sel !== null && sel[i] === 0) continue;
        const v = values[i];
        if (v !== v ? nullHit : hit(v)) {
          out[i] = 1;
          count++;
        }
      }
      return { mask: out, count };
    }
    // Booleans and dictionary codes: decide once per distinct value, then one pass over the rows.
    const isCoded = column.kind === CODED;
    const decided = isCoded
      ? d.dictionary.map((text) => (hit(text) ? 1 : 0))
      : [hit(false) ? 1 : 0, hit(true) ? 1 : 0];
    const match = new Uint8ArrayCtor(decided.length + 1);
    match[0] = nullHit ? 1 : 0;
    for (let c = 0; c < decided.length; c++) match[c + 1] = decided[c];
    const codes = isCoded ? d.codes : d.values;
    const nulls = isCoded ? null : d.nulls;
    for (let i = 0; i < n; i++) {
      if (sel !== null && sel[i] === 0) continue;
      const slot = nulls !== null && nulls[i] !== 0 ? 0 : codes[i] + 1;
      if (match[slot] !== 0) {
        out[i] = 1;
        count++;
      }
    }
    return { mask: out, count };
  }

  // ---------------------------------------------------------------------------------------------
  // Handles
  // ---------------------------------------------------------------------------------------------
  const MEASURE_FNS = ['count', 'sum', 'mean', 'variance', 'stddev', 'min', 'max', 'median'];

  /** What a host callback answered: 'R' + JSON, or 'E' + a message to throw. */
  function fromHost(text) {
    if (typeof text !== 'string' || text.length === 0) fail('The host did not answer.');
    if (text[0] === 'R') return JSONParse(StringSlice(text, 1));
    fail(StringSlice(text, 1));
  }

  class AggregateHandle {
    // The host-issued id lives in a private field: no script can read, forge or change it, and
    // `#id in value` recognises a genuine handle without calling anything the script controls.
    #id;
    #kind;
    #preview = undefined;

    constructor(token, id, kind) {
      if (token !== CONSTRUCT) throw new TypeErrorCtor('Aggregate handles are created by the SDK.');
      this.#id = id;
      this.#kind = kind;
      ObjectFreeze(this);
    }

    /** The id the host issued for this aggregate; the returned value shows it as `{ $aggregate: id }`. */
    get id() {
      return this.#id;
    }

    /** 'groupBy', 'histogram' or 'regression'. */
    get kind() {
      return this.#kind;
    }

    /**
     * The exact values over the rows this script sees (dummy rows in an aggregate run), computed by
     * the host. For debugging: never released, and returning it is returning raw numbers.
     */
    preview() {
      if (this.#preview === undefined) this.#preview = fromHost(hostPreview(this.#id));
      return this.#preview;
    }

    /**
     * Releases this aggregate now, computed on the real rows under disclosure control, spending
     * `epsilon` of the run's: for a script that must decide what to ask next from an answer. Resolves
     * to the released table, the same value the aggregate would have in the result.
     */
    async release(epsilon) {
      if (typeof epsilon !== 'number' || !NumberIsFinite(epsilon) || !(epsilon > 0)) {
        throw new TypeErrorCtor('release(epsilon) needs a positive number: the epsilon to spend on it.');
      }
      return fromHost(await ReleaseApply(hostRelease, undefined, [this.#id, epsilon], RELEASE_OPTIONS));
    }

    toString() {
      return `[Aggregate #${this.#id} ${this.#kind}]`;
    }

    static idOf(value) {
      return #id in value ? value.#id : undefined;
    }
  }
  const handleIdOf = AggregateHandle.idOf;

  /** Records an aggregate with the host, which checks it, issues its id, and wraps it in a handle. */
  function record(state, sel, filter, spec) {
    spec.table = state.name;
    spec.filter = filter;
    const id = hostRecord(JSONStringify(spec), sel);
    if (typeof id !== 'number') fail(typeof id === 'string' ? id : 'The aggregate was refused.');
    return new AggregateHandle(CONSTRUCT, id, spec.kind);
  }

  /** A copy of clamping bounds `{ min, max }` as plain numbers (the host checks them). */
  function copyBounds(bounds, what) {
    if (bounds === undefined) return undefined;
    if (bounds === null || typeof bounds !== 'object') {
      throw new TypeErrorCtor(`${what}: bounds are { min, max }.`);
    }
    return { min: bounds.min, max: bounds.max };
  }

  function measure(fn, column, bounds, name) {
    const m = { fn, name };
    if (column !== undefined) m.column = column;
    const copy = copyBounds(bounds, `${fn}(${quote(column)})`);
    if (copy !== undefined) m.bounds = copy;
    return m;
  }

  function parseMeasures(spec) {
    if (spec === null || typeof spec !== 'object' || ArrayIsArray(spec)) {
      throw new TypeErrorCtor("agg() takes an object such as { n: 'count', avg: ['mean', 'wage'] }.");
    }
    const measures = [];
    const keys = ReflectOwnKeys(spec);
    for (let k = 0; k < keys.length; k++) {
      const name = keys[k];
      if (typeof name !== 'string') continue;
      const entry = spec[name];
      const [fn, column, bounds] = typeof entry === 'string' ? [entry] : ArrayIsArray(entry) ? entry : [];
      if (!MEASURE_FNS.includes(fn)) {
        throw new TypeErrorCtor(
          `agg(): measure ${quote(name)} must be 'count' or [fn, column, { min, max }?] with fn one of ${MEASURE_FNS.join(', ')}.`,
        );
      }
      if (fn !== 'count' && typeof column !== 'string') {
        throw new TypeErrorCtor(`agg(): measure ${quote(name)} needs a column: [${quote(fn)}, 'column'].`);
      }
      measures[measures.length] = measure(fn, column, bounds, name);
    }
    if (measures.length === 0) throw new TypeErrorCtor('agg() needs at least one measure.');
    return measures;
  }

  function groupByHandle(state, sel, filter, groupCols, measures) {
    for (let c = 0; c < groupCols.length; c++) columnMeta(state, groupCols[c]);
    for (let m = 0; m < measures.length; m++) {
      if (measures[m].column !== undefined && measures[m].fn !== 'count') {
        requireNumeric(state, measures[m].column, `${measures[m].fn}()`);
      }
    }
    return record(state, sel, filter, { kind: 'groupBy', groupBy: groupCols, measures });
  }

  /** One measure under its default name: `count`, or `fn_column`. */
  const singleMeasure = (fn, column, bounds) =>
    measure(fn, column, bounds, column === undefined ? fn : `${fn}_${column}`);

  // ---------------------------------------------------------------------------------------------
  // Table and GroupBy
  // ---------------------------------------------------------------------------------------------
  class GroupBy {
    #state;
    #sel;
    #filter;
    #columns;

    constructor(token, state, sel, filter, columns) {
      if (token !== CONSTRUCT) throw new TypeErrorCtor('Use table.groupBy(...columns).');
      this.#state = state;
      this.#sel = sel;
      this.#filter = filter;
      this.#columns = columns;
    }

    /** The grouping columns. */
    get columns() {
      return [...this.#columns];
    }

    /**
     * One aggregate with several named measures:
     * `{ n: 'count', avgWage: ['mean', 'wage'], total: ['sum', 'wage', { min: 0, max: 50000 }] }`.
     */
    agg(spec) {
      return groupByHandle(this.#state, this.#sel, this.#filter, this.#columns, parseMeasures(spec));
    }

    #one(fn, column, bounds) {
      return groupByHandle(this.#state, this.#sel, this.#filter, this.#columns, [
        singleMeasure(fn, column, bounds),
      ]);
    }

    /** Rows per group, or with a column the rows where it is not null. */
    count(column) {
      return this.#one('count', column);
    }
    /** Sum of a numeric column, its values clamped to `bounds` ({ min, max }; default the schema's). */
    sum(column, bounds) {
      return this.#one('sum', column, bounds);
    }
    mean(column, bounds) {
      return this.#one('mean', column, bounds);
    }
    variance(column, bounds) {
      return this.#one('variance', column, bounds);
    }
    stddev(column, bounds) {
      return this.#one('stddev', column, bounds);
    }
    min(column) {
      return this.#one('min', column);
    }
    max(column) {
      return this.#one('max', column);
    }
    median(column) {
      return this.#one('median', column);
    }
  }

  const ALL_ROWS = ObjectFreeze({ kind: 'all' });
  const BY_PREDICATE = ObjectFreeze({ kind: 'predicate' });

  class Table {
    #state;
    #sel;
    #count;
    // How the rows were chosen, for the host: all rows, where() clauses it can evaluate again on its
    // own data, or a JavaScript predicate (whose aggregates go to review).
    #filter;

    constructor(token, state, sel, count, filter) {
      if (token !== CONSTRUCT) throw new TypeErrorCtor('Use enclave.table(name).');
      this.#state = state;
      this.#sel = sel;
      this.#count = count;
      this.#filter = filter;
    }

    /** The dataset slug. */
    get name() {
      return this.#state.name;
    }

    /** The licensed column names. */
    get columns() {
      return [...this.#state.names];
    }

    /** Column names and types: [{ name, type }]. */
    /** Column names and types, with what the catalogue says of them: `{ name, type, nullable, codes?, min?, max? }`. */
    get schema() {
      return this.#state.names.map((name) => {
        const c = MapGet(this.#state.columns, name);
        return { name, type: c.type, ...JSONParse(JSONStringify(c.schema ?? {})) };
      });
    }

    /** Rows in this view (all rows of the table, or those left by filter/where). */
    get rowCount() {
      return this.#count;
    }

    /**
     * A column of this view: Float64Array for integer/number (NaN where null), Uint8Array of 0/1 for
     * boolean (see nulls()), `{ codes: Int32Array, dictionary: string[] }` for string/date/timestamp
     * (code -1 where null). On the unfiltered table these are the SDK's own arrays: do not modify.
     */
    col(name) {
      const column = columnOf(this.#state, name);
      const d = column.data;
      const sel = this.#sel;
      if (column.kind === CODED) {
        return { codes: compact(d.codes, sel, this.#count, Int32ArrayCtor), dictionary: d.dictionary };
      }
      return compact(d.values, sel, this.#count, column.kind === NUMERIC ? Float64ArrayCtor : Uint8ArrayCtor);
    }

    /** 1 where the column is null, as a Uint8Array over this view; null if the column has no nulls. */
    nulls(name) {
      const column = columnOf(this.#state, name);
      const d = column.data;
      let mask;
      if (column.kind === CODED) {
        mask = new Uint8ArrayCtor(d.codes.length);
        for (let i = 0; i < mask.length; i++) mask[i] = d.codes[i] < 0 ? 1 : 0;
      } else if (column.kind === NUMERIC) {
        mask = new Uint8ArrayCtor(d.values.length);
        for (let i = 0; i < mask.length; i++) mask[i] = d.values[i] !== d.values[i] ? 1 : 0;
      } else if (d.nulls === null) return null;
      else mask = d.nulls;
      const out = compact(mask, this.#sel, this.#count, Uint8ArrayCtor);
      return out.includes(1) ? (out === d.nulls ? out.slice() : out) : null;
    }

    /** Plain row objects ({ column: value }, null where null), one per row of this view. */
    *rows() {
      const state = this.#state;
      const sel = this.#sel;
      for (let i = 0; i < state.rowCount; i++) if (sel === null || sel[i] !== 0) yield makeRow(state, i);
    }

    /** A view of the rows for which `predicate(row, index)` is truthy (index: row number in the table). */
    filter(predicate) {
      if (typeof predicate !== 'function')
        throw new TypeErrorCtor('filter() takes a function (row) => boolean.');
      const state = this.#state;
      const sel = this.#sel;
      const mask = new Uint8ArrayCtor(state.rowCount);
      let count = 0;
      for (let i = 0; i < state.rowCount; i++) {
        if ((sel === null || sel[i] !== 0) && predicate(makeRow(state, i), i)) {
          mask[i] = 1;
          count++;
        }
      }
      return new Table(CONSTRUCT, state, mask, count, BY_PREDICATE);
    }

    /** A view of the rows where `column op value`; op: eq, ne, lt, lte, gt, gte, in. Nulls never match, except `eq null`. */
    where(column, op, value) {
      const { mask, count } = whereMask(this.#state, this.#sel, column, op, value);
      const prev = this.#filter;
      const clause = { column, op, value: ArrayIsArray(value) ? [...value] : value };
      const filter =
        prev.kind === 'predicate' ? prev : { kind: 'where', clauses: [...(prev.clauses ?? []), clause] };
      return new Table(CONSTRUCT, this.#state, mask, count, filter);
    }

    /** Groups this view by one or more columns; finish with agg(), count(), mean(col), … */
    groupBy(...columns) {
      for (let c = 0; c < columns.length; c++) columnMeta(this.#state, columns[c]);
      if (new SetCtor(columns).size !== columns.length)
        throw new TypeErrorCtor('groupBy(): a column is repeated.');
      return new GroupBy(CONSTRUCT, this.#state, this.#sel, this.#filter, columns);
    }

    agg(spec) {
      return this.groupBy().agg(spec);
    }
    count(column) {
      return this.groupBy().count(column);
    }
    sum(column, bounds) {
      return this.groupBy().sum(column, bounds);
    }
    mean(column, bounds) {
      return this.groupBy().mean(column, bounds);
    }
    variance(column, bounds) {
      return this.groupBy().variance(column, bounds);
    }
    stddev(column, bounds) {
      return this.groupBy().stddev(column, bounds);
    }
    min(column) {
      return this.groupBy().min(column);
    }
    max(column) {
      return this.groupBy().max(column);
    }
    median(column) {
      return this.groupBy().median(column);
    }

    /** Counts per pair of values: groupBy(a, b).count(). */
    crosstab(a, b) {
      return this.groupBy(a, b).count();
    }

    /** Counts in bins [e0,e1), …, [e(n-1),en] of a numeric column. */
    histogram(column, edges) {
      const state = this.#state;
      const sel = this.#sel;
      const filter = this.#filter;
      requireNumeric(state, column, 'histogram()');
      if (!ArrayIsArray(edges) || edges.length < 2) {
        throw new TypeErrorCtor('histogram(column, edges) needs at least two ascending bin edges.');
      }
      const copy = [];
      for (let k = 0; k < edges.length; k++) {
        const e = edges[k];
        if (typeof e !== 'number' || !NumberIsFinite(e) || (k > 0 && !(e > copy[k - 1]))) {
          throw new RangeErrorCtor('histogram(): edges must be finite numbers in strictly ascending order.');
        }
        copy[k] = e;
      }
      return record(state, sel, filter, { kind: 'histogram', column, edges: copy });
    }

    /**
     * Ordinary least squares of y on the x columns, with an intercept; rows with a null are left out.
     * `options.bounds` clamps variables: `{ bounds: { wage: { min: 0, max: 30000 } } }`.
     */
    regression(y, xs, options) {
      const state = this.#state;
      if (!ArrayIsArray(xs) || xs.length === 0) {
        throw new TypeErrorCtor("regression(y, ['x1', 'x2']) needs at least one x column.");
      }
      const x = [...xs];
      requireNumeric(state, y, 'regression()');
      for (let k = 0; k < x.length; k++) requireNumeric(state, x[k], 'regression()');
      const spec = { kind: 'regression', y, x };
      const given = options === undefined || options === null ? undefined : options.bounds;
      if (given !== undefined) {
        if (given === null || typeof given !== 'object')
          throw new TypeErrorCtor('regression(): bounds are { column: { min, max } }.');
        const bounds = {};
        const names = ReflectOwnKeys(given);
        for (let k = 0; k < names.length; k++) {
          if (typeof names[k] !== 'string') continue;
          ObjectDefineProperty(bounds, names[k], {
            value: copyBounds(given[names[k]], `regression(${quote(names[k])})`),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        spec.bounds = bounds;
      }
      return record(state, this.#sel, this.#filter, spec);
    }

    toString() {
      return `[Table ${this.#state.name}: ${this.#count} rows]`;
    }

    static isTable(value) {
      return #state in value;
    }
  }

  const metas = JSONParse(metaJson);
  const tables = new MapCtor();
  for (let t = 0; t < metas.length; t++) {
    const state = createState(metas[t], t);
    MapSet(states, state.name, state);
    MapSet(tables, state.name, new Table(CONSTRUCT, state, null, state.rowCount, ALL_ROWS));
    tableNames[t] = state.name;
  }

  const enclave = ObjectFreeze({
    /** The licensed table opened by its dataset slug. */
    table(name) {
      const table = typeof name === 'string' ? MapGet(tables, name) : undefined;
      if (table === undefined) {
        fail(
          `Table ${quote(name)} is not licensed for this run (licensed: ${tableNames.join(', ') || 'none'}).`,
        );
      }
      return table;
    },
    /** The slugs of the licensed tables. */
    get tables() {
      return [...tableNames];
    },
    /**
     * 'aggregate': this script sees dummy tables; its aggregates are computed on the real rows by
     * the host and released under disclosure control. 'rows': the tables here are the ones the run
     * is on, and everything it produces is held for review.
     */
    get kind() {
      return RUN_KIND;
    },
  });

  // ---------------------------------------------------------------------------------------------
  // console: lines go to the host as they are written (so they survive a timeout), capped
  // ---------------------------------------------------------------------------------------------
  function inspect(value, depth, seen, budget) {
    if (budget.left <= 0) return '…';
    switch (typeof value) {
      case 'string':
        return depth === 0 ? value : JSONStringify(value);
      case 'number':
      case 'boolean':
      case 'undefined':
        return StringCtor(value);
      case 'bigint':
        return `${StringCtor(value)}n`;
      case 'symbol':
        return StringCtor(value);
      case 'function':
        return '[Function]';
    }
    if (value === null) return 'null';
    const handleId = handleIdOf(value);
    if (handleId !== undefined) return `[Aggregate #${handleId}]`;
    if (Table.isTable(value)) return ReflectApply(Table.prototype.toString, value, []);
    if (SetHas(seen, value)) return '[Circular]';
    const tag = TypedArrayTag(value);
    if (tag !== undefined) {
      const length = TypedArrayLength(value);
      const shown = [];
      for (let i = 0; i < length && i < 20; i++) shown[i] = StringCtor(value[i]);
      return `${tag}(${length}) [${shown.join(', ')}${length > 20 ? ', …' : ''}]`;
    }
    if (value instanceof ErrorCtor) return `${value.name}: ${value.message}`;
    const proto = ObjectGetPrototypeOf(value);
    if (proto === DatePrototype) return DateToISOString(value);
    if (depth >= 4) return ArrayIsArray(value) ? '[Array]' : '[Object]';
    SetAdd(seen, value);
    const parts = [];
    const keys = ReflectOwnKeys(value);
    const isArray = ArrayIsArray(value);
    for (let k = 0; k < keys.length && parts.length < 50 && budget.left > 0; k++) {
      const key = keys[k];
      if (isArray && key === 'length') continue;
      const desc = ObjectGetOwnPropertyDescriptor(value, key);
      if (desc === undefined || !desc.enumerable) continue;
      const shown = ObjectHasOwn(desc, 'value')
        ? inspect(desc.value, depth + 1, seen, budget)
        : '[Getter/Setter]';
      const part = isArray ? shown : `${typeof key === 'symbol' ? `[${StringCtor(key)}]` : key}: ${shown}`;
      budget.left -= part.length + 2;
      parts[parts.length] = part;
    }
    SetDelete(seen, value);
    if (isArray) return `[${parts.join(', ')}]`;
    return `{ ${parts.join(', ')} }`;
  }

  let logLines = 0;
  function emit(level, args) {
    if (logLines > MAX_LOG_LINES) return;
    logLines++;
    if (logLines > MAX_LOG_LINES) {
      hostLog(`[log limit of ${MAX_LOG_LINES} lines reached: later lines are dropped]`);
      return;
    }
    let line = '';
    try {
      const budget = { left: MAX_LOG_LINE_CHARS };
      const parts = [];
      for (let a = 0; a < args.length && budget.left > 0; a++) {
        const part = inspect(args[a], 0, new SetCtor(), budget);
        budget.left -= part.length + 1;
        parts[a] = part;
      }
      line = parts.join(' ');
    } catch {
      line = '[unprintable value]';
    }
    if (level !== 'log' && level !== 'info') line = `[${level}] ${line}`;
    if (line.length > MAX_LOG_LINE_CHARS) line = `${StringSlice(line, 0, MAX_LOG_LINE_CHARS - 1)}…`;
    hostLog(line);
  }

  const sdkConsole = ObjectFreeze({
    log: (...args) => emit('log', args),
    info: (...args) => emit('info', args),
    warn: (...args) => emit('warn', args),
    error: (...args) => emit('error', args),
    debug: (...args) => emit('debug', args),
  });

  const define = (name, value) =>
    ObjectDefineProperty(globalThis, name, { value, writable: true, enumerable: false, configurable: true });
  define('enclave', enclave);
  define('params', paramsValue);
  define('console', sdkConsole);

  // ---------------------------------------------------------------------------------------------
  // Result serialisation
  // ---------------------------------------------------------------------------------------------
  class Refusal {
    constructor(tag, reason) {
      this.tag = tag;
      this.reason = reason;
    }
  }
  const invalid = (reason) => {
    throw new Refusal('I', reason);
  };
  const tooLarge = () => {
    throw new Refusal('T', `the result is larger than ${MAX_RESULT_BYTES} bytes`);
  };

  /**
   * JSON of the returned value, walked through own property descriptors only: no getter, setter,
   * toJSON or Proxy `get` trap is ever invoked, and only the `value` field of a data descriptor is
   * read. A Proxy can still lie through its getPrototypeOf/ownKeys/getOwnPropertyDescriptor traps,
   * but whatever it reports is just data the script chose to return (it could have returned that
   * data directly), and the one thing that must not be forgeable, the `$aggregate` marker, is only
   * written for a genuine handle (private-field brand check) and refused as a key everywhere else.
   */
  function serializeResult(value) {
    // Code units are a lower bound on UTF-8 bytes, so this cap stops early; the exact byte count
    // is checked once at the end.
    let out = '';
    const ancestors = new SetCtor();
    const write = (text) => {
      if (out.length + text.length > MAX_RESULT_BYTES) tooLarge();
      out += text;
    };

    const walk = (v, depth) => {
      switch (typeof v) {
        case 'string':
          if (out.length + v.length + 2 > MAX_RESULT_BYTES) tooLarge();
          write(JSONStringify(v));
          return;
        case 'number':
          if (!NumberIsFinite(v)) invalid(`a number is not finite (${StringCtor(v)})`);
          write(v === 0 ? '0' : StringCtor(v));
          return;
        case 'boolean':
          write(v ? 'true' : 'false');
          return;
        case 'undefined':
          write('null');
          return;
        case 'bigint':
          invalid('a BigInt is not JSON; convert it to a number or a string');
          return;
        case 'symbol':
          invalid('a Symbol cannot be returned');
          return;
        case 'function':
          invalid('a function cannot be returned');
          return;
      }
      if (v === null) {
        write('null');
        return;
      }
      const id = handleIdOf(v);
      if (id !== undefined) {
        write(`{"$aggregate":${id}}`);
        return;
      }
      if (depth >= MAX_DEPTH) invalid(`the result is nested deeper than ${MAX_DEPTH} levels`);
      if (SetHas(ancestors, v)) invalid('the result contains a cycle');
      const tag = TypedArrayTag(v);
      if (tag !== undefined) {
        if (tag === 'BigInt64Array' || tag === 'BigUint64Array') invalid(`a ${tag} cannot be returned`);
        const length = TypedArrayLength(v);
        write('[');
        for (let i = 0; i < length; i++) {
          if (i > 0) write(',');
          walk(v[i], depth + 1);
        }
        write(']');
        return;
      }
      const proto = ObjectGetPrototypeOf(v);
      if (proto === DatePrototype) {
        let iso;
        try {
          iso = DateToISOString(v);
        } catch {
          invalid('an invalid Date cannot be returned');
        }
        walk(iso, depth);
        return;
      }
      const isArray = proto === ArrayPrototype && ArrayIsArray(v);
      if (!isArray && proto !== ObjectPrototype && proto !== null) {
        invalid(
          'only plain objects, arrays, strings, numbers, booleans, null, Dates, typed arrays and ' +
            'aggregate handles can be returned (found a Map, Set, class instance or other object)',
        );
      }
      SetAdd(ancestors, v);
      if (isArray) {
        const lengthDesc = ObjectGetOwnPropertyDescriptor(v, 'length');
        const length = lengthDesc === undefined ? 0 : lengthDesc.value;
        if (typeof length !== 'number' || !NumberIsInteger(length) || length < 0)
          invalid('a malformed array');
        write('[');
        for (let i = 0; i < length; i++) {
          if (i > 0) write(',');
          const desc = ObjectGetOwnPropertyDescriptor(v, StringCtor(i));
          if (desc === undefined) write('null');
          else if (!ObjectHasOwn(desc, 'value')) invalid(`array element ${i} is a getter or setter`);
          else walk(desc.value, depth + 1);
        }
        write(']');
      } else {
        const keys = ReflectOwnKeys(v);
        write('{');
        let first = true;
        for (let k = 0; k < keys.length; k++) {
          const key = keys[k];
          if (typeof key !== 'string') invalid('an object has a Symbol key');
          const desc = ObjectGetOwnPropertyDescriptor(v, key);
          if (desc === undefined || !desc.enumerable) continue;
          if (!ObjectHasOwn(desc, 'value')) invalid(`property ${JSONStringify(key)} is a getter or setter`);
          if (key === '$aggregate') invalid('"$aggregate" is reserved for aggregate handles');
          if (key === '__proto__') invalid('"__proto__" cannot be used as a key');
          const item = desc.value;
          if (item === undefined) continue;
          write(first ? '' : ',');
          first = false;
          write(JSONStringify(key));
          write(':');
          walk(item, depth + 1);
        }
        write('}');
      }
      SetDelete(ancestors, v);
    };

    try {
      walk(value, 0);
    } catch (error) {
      if (error instanceof Refusal) return error.tag + error.reason;
      return `I${describeError(error)}`;
    }
    let bytes = 0;
    for (let i = 0; i < out.length; i++) {
      const c = StringCharCodeAt(out, i);
      if (c < 0x80) bytes += 1;
      else if (c < 0x800) bytes += 2;
      else if (c >= 0xd800 && c <= 0xdbff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    }
    if (bytes > MAX_RESULT_BYTES) return `Tthe result is larger than ${MAX_RESULT_BYTES} bytes`;
    return `R${out}`;
  }

  // ---------------------------------------------------------------------------------------------
  // Errors: "Name: message (script.js:line:column)"
  // ---------------------------------------------------------------------------------------------
  // A frame's own position ("at script.js:3:7", "at f (script.js:3:7)"), not an eval origin.
  const LOCATION = /^\s+at (?:[^\n(]*\()?script\.js:(\d+):(\d+)\)?$/m;
  function describeError(error) {
    let text;
    try {
      if (error !== null && (typeof error === 'object' || typeof error === 'function')) {
        const name = error.name;
        const message = error.message;
        const stack = error.stack;
        text =
          typeof message === 'string'
            ? `${typeof name === 'string' && name !== '' ? name : 'Error'}: ${message}`
            : `Uncaught ${inspect(error, 1, new SetCtor(), { left: MAX_ERROR_CHARS })}`;
        const at = typeof stack === 'string' ? RegExpExec(LOCATION, stack) : null;
        if (at !== null) text += ` (script.js:${at[1]}:${at[2]})`;
      } else {
        text = `Uncaught ${typeof error === 'string' ? JSONStringify(error) : StringCtor(error)}`;
      }
    } catch {
      text = 'The script threw a value that cannot be described.';
    }
    if (typeof text !== 'string') text = 'The script threw a value that cannot be described.';
    return text.length > MAX_ERROR_CHARS ? `${StringSlice(text, 0, MAX_ERROR_CHARS - 1)}…` : text;
  }

  /** Runs the operator's function; the host receives 'R' + JSON, or 'E'/'I'/'T' + a reason. */
  return async function runMain(userFn) {
    let value;
    try {
      value = await ReflectApply(userFn, undefined, []);
    } catch (error) {
      return `E${describeError(error)}`;
    }
    return serializeResult(value);
  };
});
