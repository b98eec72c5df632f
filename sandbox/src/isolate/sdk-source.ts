/**
 * The SDK as it runs inside the isolate, evaluated before the operator's script. Everything it
 * needs from the host arrives as copies (`__tables`, `__params`) plus one logging callback; it
 * takes them into its closure and removes the globals. It records each aggregate the script asks
 * for and serialises the script's return value itself: only own data properties of plain objects
 * and arrays are read (no getters, toJSON or Proxies), aggregate handles become
 * `{ "$aggregate": id }`, anything else that claims that key fails the run, and the JSON is capped
 * while it is built.
 */
export const SDK_SOURCE = `
'use strict';
(() => {
  const g = globalThis;
  const tablesIn = g.__tables, paramsIn = g.__params, log = g.__log;
  for (const k of ['__tables', '__params', '__log', 'WebAssembly', 'SharedArrayBuffer', 'Atomics']) delete g[k];
  const ObjectKeys = Object.keys, getProto = Object.getPrototypeOf, getDesc = Object.getOwnPropertyDescriptor;
  const ObjProto = Object.prototype, ArrProto = Array.prototype, isArray = Array.isArray;
  const stringify = JSON.stringify, WeakSetHas = WeakSet.prototype.has, apply = Reflect.apply;
  const fromCharCode = String.fromCharCode, freeze = Object.freeze;
  const handles = new WeakSet();
  const requests = [];
  let nextId = 1;
  const fail = (code, message) => { const e = new Error(message); e.enclaveCode = code; throw e; };

  const fmt = (v) => { try { return typeof v === 'string' ? v : stringify(v); } catch { return String(v); } };
  const consoleLike = {};
  for (const level of ['log', 'info', 'warn', 'error']) {
    consoleLike[level] = (...args) => { log(level, args.map(fmt).join(' ').slice(0, 2000)); };
  }
  g.console = freeze(consoleLike);
  g.params = paramsIn;

  const pack = (sel) => {
    if (!sel) return null;
    let out = '';
    for (let i = 0; i < sel.length; i += 8) {
      let b = 0;
      for (let k = 0; k < 8 && i + k < sel.length; k++) if (sel[i + k]) b |= 1 << k;
      out += fromCharCode(b);
    }
    return out;
  };

  const OPS = { eq: 1, ne: 1, lt: 1, lte: 1, gt: 1, gte: 1, in: 1 };
  const MEASURES = { count: 1, sum: 1, mean: 1, variance: 1, stddev: 1, min: 1, max: 1, median: 1 };

  class Column {
    constructor(name, data) { this.name = name; this.type = data.type; this._d = data; }
    get length() { return this._d.values ? this._d.values.length : this._d.codes.length; }
    /** The value of row i: a number, a boolean, a string, or null. */
    get(i) {
      const d = this._d;
      if (d.codes) { const c = d.codes[i]; return c < 0 ? null : d.dictionary[c]; }
      if (d.nulls && d.nulls[i]) return null;
      return d.type === 'boolean' ? d.values[i] === 1 : d.values[i];
    }
  }

  class Table {
    constructor(src, sel, filter) {
      this._src = src; this._sel = sel; this._filter = filter;
      this.name = src.name;
      this.columns = ObjectKeys(src.columns);
      let n = src.rowCount;
      if (sel) { n = 0; for (let i = 0; i < sel.length; i++) n += sel[i]; }
      this.rowCount = n;
    }
    _data(name) {
      const d = this._src.columns[name];
      if (!d || !Object.prototype.hasOwnProperty.call(this._src.columns, name)) {
        fail('SCRIPT', 'column "' + name + '" is not licensed in table "' + this.name + '" (licensed: ' + this.columns.join(', ') + ')');
      }
      return d;
    }
    /** A column over all rows of the table (a filter does not shorten it): typed array or dictionary-coded. */
    col(name) {
      const d = this._data(name);
      if (d.codes) return { type: d.type, codes: d.codes, dictionary: d.dictionary, get: (i) => (d.codes[i] < 0 ? null : d.dictionary[d.codes[i]]) };
      if (d.type === 'boolean') return d.values;
      return d.values;
    }
    *rows() {
      const cols = this.columns.map((c) => new Column(c, this._data(c)));
      for (let i = 0; i < this._src.rowCount; i++) {
        if (this._sel && !this._sel[i]) continue;
        const row = {};
        for (const c of cols) row[c.name] = c.get(i);
        yield row;
      }
    }
    _base() { return this._sel ? this._sel.slice() : new Uint8Array(this._src.rowCount).fill(1); }
    where(column, op, value) {
      if (!OPS[op]) fail('SCRIPT', 'unknown where() operator ' + op);
      const d = this._data(column);
      const sel = this._base();
      const wanted = op === 'in' ? (isArray(value) ? value : fail('SCRIPT', 'in needs an array')) : [value];
      if (d.codes) {
        const codes = new Set(wanted.map((w) => (w === null ? -1 : d.dictionary.indexOf(String(w)))));
        const rhs = value === null ? null : String(value);
        for (let i = 0; i < sel.length; i++) {
          if (!sel[i]) continue;
          const c = d.codes[i], v = c < 0 ? null : d.dictionary[c];
          sel[i] = op === 'in' ? (codes.has(c) ? 1 : 0) : cmp(op, v, rhs) ? 1 : 0;
        }
      } else {
        const num = (w) => (w === null ? null : typeof w === 'boolean' ? (w ? 1 : 0) : Number(w));
        const set = new Set(wanted.map(num));
        const rhs = num(value);
        for (let i = 0; i < sel.length; i++) {
          if (!sel[i]) continue;
          const v = d.nulls && d.nulls[i] ? null : d.values[i];
          sel[i] = op === 'in' ? (set.has(v) ? 1 : 0) : cmp(op, v, rhs) ? 1 : 0;
        }
      }
      const prev = this._filter;
      const filter = prev.kind === 'predicate' ? prev : { kind: 'where', clauses: (prev.clauses || []).concat([{ column, op, value }]) };
      return new Table(this._src, sel, filter);
    }
    filter(predicate) {
      const sel = this._base();
      let i = 0;
      for (const row of new Table(this._src, null, { kind: 'all' }).rows()) { if (sel[i] && !predicate(row)) sel[i] = 0; i++; }
      return new Table(this._src, sel, { kind: 'predicate' });
    }
    groupBy(...cols) { for (const c of cols) this._data(c); return new Grouped(this, cols); }
    count() { return this.groupBy().count(); }
    sum(c) { return this.groupBy().sum(c); }
    mean(c) { return this.groupBy().mean(c); }
    variance(c) { return this.groupBy().variance(c); }
    stddev(c) { return this.groupBy().stddev(c); }
    crosstab(a, b) { return this.groupBy(a, b).count(); }
    histogram(column, edges) {
      this._data(column);
      if (!isArray(edges) || edges.length < 2) fail('SCRIPT', 'histogram needs at least two edges');
      return this._record({ kind: 'histogram', column, edges: edges.map(Number) }, () => histPreview(this, column, edges));
    }
    regression(y, xs) {
      this._data(y); for (const x of xs) this._data(x);
      return this._record({ kind: 'regression', y, x: xs.slice() }, () => null);
    }
    _record(spec, preview) {
      const id = nextId++;
      requests.push({ id, table: this.name, selection: pack(this._sel), filter: this._filter, ...spec });
      const h = freeze({ id, preview });
      apply(WeakSet.prototype.add, handles, [h]);
      return h;
    }
  }

  function cmp(op, v, rhs) {
    if (op === 'eq') return v === rhs;
    if (op === 'ne') return v !== rhs;
    if (v === null || rhs === null) return false;
    return op === 'lt' ? v < rhs : op === 'lte' ? v <= rhs : op === 'gt' ? v > rhs : v >= rhs;
  }

  class Grouped {
    constructor(table, cols) { this._t = table; this._cols = cols; }
    agg(spec) {
      const measures = [];
      for (const name of ObjectKeys(spec)) {
        const m = spec[name];
        const [fn, column] = isArray(m) ? m : [m];
        if (!MEASURES[fn]) fail('SCRIPT', 'unknown measure ' + fn);
        if (fn !== 'count') this._t._data(column);
        measures.push(fn === 'count' ? { fn } : { fn, column });
      }
      return this._t._record({ kind: 'groupBy', groupBy: this._cols.slice(), measures }, () => groupPreview(this._t, this._cols, measures));
    }
    count() { return this.agg({ n: 'count' }); }
    sum(c) { return this.agg({ sum: ['sum', c] }); }
    mean(c) { return this.agg({ mean: ['mean', c] }); }
    variance(c) { return this.agg({ variance: ['variance', c] }); }
    stddev(c) { return this.agg({ stddev: ['stddev', c] }); }
  }

  /** In-isolate values for debugging on dummy data; the host never uses them. */
  function groupPreview(t, cols, measures) {
    const src = t._src, sel = t._sel, n = src.rowCount;
    const keyCols = cols.map((c) => t._data(c));
    const groups = new Map();
    for (let i = 0; i < n; i++) {
      if (sel && !sel[i]) continue;
      let key = '';
      for (const d of keyCols) key += (d.codes ? d.codes[i] : d.values[i]) + '|';
      let acc = groups.get(key);
      if (!acc) { acc = { row: i, n: 0, s: measures.map(() => [0, 0, 0]) }; groups.set(key, acc); }
      acc.n++;
      measures.forEach((m, k) => {
        if (m.fn === 'count') return;
        const d = t._data(m.column);
        if (d.nulls && d.nulls[i]) return;
        const v = d.values[i];
        acc.s[k][0]++; acc.s[k][1] += v; acc.s[k][2] += v * v;
      });
    }
    const rows = [];
    for (const acc of groups.values()) {
      const labels = cols.map((c) => new Column(c, t._data(c)).get(acc.row));
      rows.push(labels.concat(measures.map((m, k) => {
        const [c, s, ss] = acc.s[k];
        if (m.fn === 'count') return acc.n;
        if (m.fn === 'sum') return s;
        if (m.fn === 'mean') return c ? s / c : null;
        const v = c > 1 ? (ss - (s * s) / c) / (c - 1) : null;
        return m.fn === 'stddev' ? (v === null ? null : Math.sqrt(v)) : m.fn === 'variance' ? v : null;
      })));
    }
    return { columns: cols.concat(measures.map((m) => m.fn + (m.column ? '(' + m.column + ')' : ''))), rows };
  }

  function histPreview(t, column, edges) {
    const d = t._data(column), counts = new Array(edges.length - 1).fill(0);
    for (let i = 0; i < t._src.rowCount; i++) {
      if ((t._sel && !t._sel[i]) || (d.nulls && d.nulls[i])) continue;
      const v = d.values[i];
      for (let b = 0; b < counts.length; b++) {
        if (v >= edges[b] && (v < edges[b + 1] || (b === counts.length - 1 && v === edges[b + 1]))) { counts[b]++; break; }
      }
    }
    return { edges, counts };
  }

  const tables = new Map();
  for (const t of tablesIn) tables.set(t.name, t);
  g.enclave = freeze({
    table(name) {
      const src = tables.get(name);
      if (!src) fail('SCRIPT', 'table "' + name + '" is not licensed to this contract (licensed: ' + [...tables.keys()].join(', ') + ')');
      return new Table(src, null, { kind: 'all' });
    },
    tables: () => [...tables.keys()],
  });

  /** Serialises what the script returned, within maxBytes, reading only own data properties. */
  function serialize(value, maxBytes) {
    const parts = [];
    let size = 0;
    const seen = new Set();
    const emit = (s) => { size += s.length; if (size > maxBytes) fail('SANDBOX_RESULT_TOO_LARGE', 'the result is larger than ' + maxBytes + ' bytes'); parts.push(s); };
    const walk = (v, depth) => {
      if (depth > 64) fail('SANDBOX_INVALID_RESULT', 'the result nests deeper than 64 levels');
      if (v === null || typeof v === 'boolean') return emit(String(v));
      if (typeof v === 'number') { if (!Number.isFinite(v)) fail('SANDBOX_INVALID_RESULT', 'the result holds a non-finite number'); return emit(stringify(v)); }
      if (typeof v === 'string') return emit(stringify(v));
      if (typeof v !== 'object') fail('SANDBOX_INVALID_RESULT', 'the result holds a ' + typeof v);
      if (apply(WeakSetHas, handles, [v])) return emit('{"$aggregate":' + v.id + '}');
      if (seen.has(v)) fail('SANDBOX_INVALID_RESULT', 'the result has a cycle');
      seen.add(v);
      const proto = getProto(v);
      if (isArray(v) && proto === ArrProto) {
        const lenDesc = getDesc(v, 'length');
        emit('[');
        for (let i = 0; i < lenDesc.value; i++) {
          const d = getDesc(v, String(i));
          if (i) emit(',');
          if (!d) { emit('null'); continue; }
          if (!('value' in d)) fail('SANDBOX_INVALID_RESULT', 'the result has an accessor property');
          walk(d.value, depth + 1);
        }
        emit(']');
      } else if (proto === ObjProto || proto === null) {
        if (Object.getOwnPropertySymbols(v).length) fail('SANDBOX_INVALID_RESULT', 'the result has symbol keys');
        emit('{');
        let first = true;
        for (const k of Object.getOwnPropertyNames(v)) {
          if (k === '$aggregate') fail('SANDBOX_INVALID_RESULT', 'only SDK aggregates may carry $aggregate');
          const d = getDesc(v, k);
          if (!('value' in d)) fail('SANDBOX_INVALID_RESULT', 'the result has an accessor property');
          if (!d.enumerable) continue;
          if (!first) emit(',');
          first = false;
          emit(stringify(k) + ':');
          walk(d.value, depth + 1);
        }
        emit('}');
      } else {
        fail('SANDBOX_INVALID_RESULT', 'the result holds an object that is not a plain object or array');
      }
      seen.delete(v);
    };
    walk(value, 0);
    return parts.join('');
  }

  g.__enclaveRun = async (fn, maxBytes) => {
    let result;
    try {
      result = await fn();
    } catch (e) {
      const code = e && e.enclaveCode && e.enclaveCode !== 'SCRIPT' ? e.enclaveCode : 'SANDBOX_SCRIPT_ERROR';
      let message;
      try { message = e && e.stack ? String(e.stack) : String(e); } catch { message = 'the script threw'; }
      return stringify({ error: { code, message: message.slice(0, 4000) } });
    }
    try {
      const body = serialize(result === undefined ? null : result, maxBytes);
      return '{"result":' + body + ',"requests":' + stringify(requests) + '}';
    } catch (e) {
      return stringify({ error: { code: (e && e.enclaveCode) || 'SANDBOX_INVALID_RESULT', message: String(e && e.message) } });
    }
  };
})();
`;
