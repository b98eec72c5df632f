import { createHash } from 'node:crypto';
import type { TAggregateRequest, TBounds, TRowFilter, TTable, TWhereClause } from '../types.ts';
import { frameDomains } from './domain.ts';
import { DisclosureError } from './errors.ts';
import { checkEdges } from './histogram.ts';
import { checkGroupBy, measureLabel, type TGroupByRequest } from './measures.ts';
import { MAX_REGRESSORS } from './regression.ts';
import { checkKind, findTable, getColumn, normalizeSelection, schemaOf } from './table-access.ts';
import type { TLabel } from './types.ts';

type THistogramRequest = Extract<TAggregateRequest, { kind: 'histogram' }>;
type TRegressionRequest = Extract<TAggregateRequest, { kind: 'regression' }>;

/**
 * One noisy statistic: a vector of integers over disjoint cells (a row adds to at most one cell),
 * released with discrete Laplace noise. Its `question` says exactly what it counts or sums, without
 * its answer: it depends on the request, the schema and the data's identity, never on the rows.
 */
export type TStatistic = {
  key: string;
  question: string;
  /** Share of the release's epsilon, relative to the other statistics. */
  weight: number;
  epsilon: number;
  /** SHA-256 of question and epsilon: keys the noise and the budget's ledger. */
  digest: string;
  aggregates: number[];
};

/** Clamping bounds of a measured column with their centre and half-width. */
export type TResolvedBounds = TBounds & { mid: number; half: number };

/** A magnitude measure's column under one set of bounds: its centred sum and what else it needs. */
export type TMeasured = {
  column: string;
  bounds: TResolvedBounds;
  sum: TStatistic;
  squares: TStatistic | null;
  /** Sum of the largest contributors, for the dominance rule (columns bounded below by 0). */
  dominance: TStatistic | null;
};

export type TFrameUnit = {
  kind: 'frame';
  table: TTable;
  rowsKey: string;
  filter: TRowFilter;
  selection: Uint8Array | null;
  columns: string[];
  domains: TLabel[][];
  cells: number;
  requests: TGroupByRequest[];
  rows: TStatistic;
  /** Non-null counts of nullable columns (a column that cannot be null counts the rows). */
  counted: Map<string, TStatistic>;
  measured: Map<string, TMeasured>;
};

export type THistogramUnit = {
  kind: 'histogram';
  table: TTable;
  rowsKey: string;
  filter: TRowFilter;
  selection: Uint8Array | null;
  column: string;
  edges: number[];
  requests: THistogramRequest[];
  bins: TStatistic;
};

export type TRegressionUnit = {
  kind: 'regression';
  table: TTable;
  rowsKey: string;
  filter: TRowFilter;
  selection: Uint8Array | null;
  y: string;
  x: string[];
  /** Bounds of x1..xk, then y. */
  bounds: TResolvedBounds[];
  requests: TRegressionRequest[];
  moments: TStatistic;
};

export type TUnit = TFrameUnit | THistogramUnit | TRegressionUnit;

export type TReleasePlan = {
  units: TUnit[];
  byRequest: Map<number, TUnit>;
  statistics: TStatistic[];
  /** Requests that cannot be released, with the reason (row runs only; aggregate runs refuse them). */
  unreleasable: Map<number, string>;
  epsilon: number;
};

export type TPlanOptions = {
  /** Epsilon of the whole release, split over its statistics by weight. */
  epsilon: number;
  /** The dominance rule's n, when the policy has one: adds a statistic to each sum and mean. */
  dominanceN: 1 | 2 | null;
  /**
   * `where`: rows must be chosen by where() clauses or be all rows, as in an aggregate run, whose
   * script never saw a real row; anything else is refused. `any`: rows chosen by a predicate are
   * kept as their bitmap (a row run, reviewed before anything is released).
   */
  rows: 'where' | 'any';
};

/** Relative epsilon of each kind of statistic: the dominance test tolerates more noise than values do. */
const WEIGHTS = { rows: 1, count: 1, sum: 1, squares: 1, dominance: 0.5, bins: 1, moments: 1 } as const;

/** Grid points per half-width: sums are of values rounded to (bounds' half-width) / 2^20. */
export const GRID = 2 ** 20;

const fail = (message: string) => new DisclosureError('DISCLOSURE_INVALID_REQUEST', message);

/**
 * Which noisy statistics releasing `requests` takes, and the epsilon of each: reads the requests,
 * the schema and the data's identity only, never a row, so what is charged cannot depend on the
 * data. Requests over the same rows, grouping and measure share a statistic (and its noise).
 *
 * @throws {DisclosureError} when a request cannot be released and `rows` is `where` (aggregate runs).
 */
export function planRelease(
  requests: TAggregateRequest[],
  tables: readonly TTable[],
  opts: TPlanOptions,
): TReleasePlan {
  const units = new Map<string, TUnit>();
  const stats = new Map<string, TStatistic>();
  const byRequest = new Map<number, TUnit>();
  const unreleasable = new Map<number, string>();
  /** The public values of each grouping and their digest, computed once per table and columns. */
  const groupings = new Map<
    string,
    { domains: TLabel[][]; cells: number; by: { by: string[]; domains: string } }
  >();
  const statistic = (
    table: TTable,
    rowsKey: string,
    what: Record<string, unknown>,
    weight: number,
    id: number,
  ) => {
    const question = JSON.stringify({ v: 1, data: table.dataKey ?? table.key, rows: rowsKey, ...what });
    let s = stats.get(question);
    if (!s) {
      s = { key: question, question, weight, epsilon: 0, digest: '', aggregates: [] };
      stats.set(question, s);
    }
    if (!s.aggregates.includes(id)) s.aggregates.push(id);
    return s;
  };

  /** The unit of `key`, made by `make` the first time; `req` is added to it. */
  const unitFor = <T extends TUnit>(key: string, req: T['requests'][number], make: () => T): T => {
    let unit = units.get(key) as T | undefined;
    if (!unit) {
      unit = make();
      units.set(key, unit);
    }
    (unit.requests as T['requests'][number][]).push(req);
    byRequest.set(req.id, unit);
    return unit;
  };

  for (const req of requests) {
    checkKind(req);
    const table = findTable(tables, req.table);
    const rows = rowChoice(req, table, opts.rows);
    const problem = 'problem' in rows ? rows.problem : requestProblem(req, table);
    if (problem !== null || 'problem' in rows) {
      if (opts.rows === 'where') throw fail(problem!);
      unreleasable.set(req.id, problem!);
      continue;
    }
    const { rowsKey, filter, selection } = rows;
    if (req.kind === 'groupBy') {
      const columns = checkGroupBy(req, table);
      const groupingKey = JSON.stringify([table.name, columns]);
      let grouping = groupings.get(groupingKey);
      if (!grouping) {
        const d = frameDomains(table, columns) as { domains: TLabel[][]; cells: number };
        grouping = { ...d, by: { by: columns, domains: digestOf(JSON.stringify(d.domains)) } };
        groupings.set(groupingKey, grouping);
      }
      const { by, domains, cells } = grouping;
      const key = JSON.stringify(['frame', table.name, rowsKey, columns]);
      const rowsStat = statistic(table, rowsKey, { ...by, stat: 'rows' }, WEIGHTS.rows, req.id);
      const unit = unitFor(
        key,
        req,
        (): TFrameUnit => ({
          kind: 'frame',
          table,
          rowsKey,
          filter,
          selection,
          columns,
          domains,
          cells,
          requests: [],
          rows: rowsStat,
          counted: new Map(),
          measured: new Map(),
        }),
      );
      for (const m of req.measures) {
        if (m.column === undefined) continue;
        if (schemaOf(table, m.column).nullable) {
          const what = { ...by, stat: 'count', column: m.column };
          unit.counted.set(m.column, statistic(table, rowsKey, what, WEIGHTS.count, req.id));
        }
        if (m.fn === 'count') continue;
        const bounds = resolveBounds(table, m.column, m.bounds) as TResolvedBounds;
        const mk = JSON.stringify([m.column, bounds.min, bounds.max]);
        const on = { ...by, column: m.column, bounds: [bounds.min, bounds.max] };
        const sum = statistic(table, rowsKey, { ...on, stat: 'sum' }, WEIGHTS.sum, req.id);
        let measured = unit.measured.get(mk);
        if (!measured) {
          measured = { column: m.column, bounds, sum, squares: null, dominance: null };
          unit.measured.set(mk, measured);
        }
        if (m.fn === 'variance' || m.fn === 'stddev') {
          measured.squares = statistic(table, rowsKey, { ...on, stat: 'squares' }, WEIGHTS.squares, req.id);
        }
        if ((m.fn === 'sum' || m.fn === 'mean') && opts.dominanceN !== null && bounds.min >= 0) {
          measured.dominance = statistic(
            table,
            rowsKey,
            { ...on, stat: 'dominance', n: opts.dominanceN },
            WEIGHTS.dominance,
            req.id,
          );
        }
      }
    } else if (req.kind === 'histogram') {
      const edges = checkEdges(req.edges);
      const key = JSON.stringify(['histogram', table.name, rowsKey, req.column, edges]);
      const what = { stat: 'bins', column: req.column, edges };
      const bins = statistic(table, rowsKey, what, WEIGHTS.bins, req.id);
      unitFor(
        key,
        req,
        (): THistogramUnit => ({
          kind: 'histogram',
          table,
          rowsKey,
          filter,
          selection,
          column: req.column,
          edges,
          requests: [],
          bins,
        }),
      );
    } else {
      const names = [...req.x, req.y];
      const bounds = names.map((c) => resolveBounds(table, c, req.bounds?.[c]) as TResolvedBounds);
      const what = { stat: 'moments', y: req.y, x: req.x, bounds: bounds.map((b) => [b.min, b.max]) };
      const key = JSON.stringify(['regression', table.name, rowsKey, what]);
      const moments = statistic(table, rowsKey, what, WEIGHTS.moments, req.id);
      unitFor(
        key,
        req,
        (): TRegressionUnit => ({
          kind: 'regression',
          table,
          rowsKey,
          filter,
          selection,
          y: req.y,
          x: [...req.x],
          bounds,
          requests: [],
          moments,
        }),
      );
    }
  }

  const statistics = [...stats.values()];
  if (statistics.length > 0 && !(opts.epsilon > 0 && Number.isFinite(opts.epsilon))) {
    throw new DisclosureError('DISCLOSURE_INVALID_POLICY', 'epsilon must be a positive number');
  }
  const total = statistics.reduce((w, s) => w + s.weight, 0);
  for (const s of statistics) {
    s.epsilon = (opts.epsilon * s.weight) / total;
    s.digest = digestOf(`${s.question}\n${s.epsilon}`);
  }
  return { units: [...units.values()], byRequest, statistics, unreleasable, epsilon: opts.epsilon };
}

const digestOf = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Why the host could not release a request of an aggregate run, whose rows must be chosen by
 * where() clauses, or null: what the runner refuses at once, while the script can be told.
 */
export function releaseProblem(req: TAggregateRequest, table: TTable): string | null {
  const rows = rowChoice(req, table, 'where');
  return 'problem' in rows ? rows.problem : requestProblem(req, table);
}

/**
 * How a request chose its rows, as a key that names the choice and not the rows it picks: `all`,
 * the where() clauses in a canonical order, or (row runs only) the digest of a predicate's bitmap.
 */
function rowChoice(
  req: TAggregateRequest,
  table: TTable,
  rows: TPlanOptions['rows'],
): { rowsKey: string; filter: TRowFilter; selection: Uint8Array | null } | { problem: string } {
  const filter: TRowFilter = req.filter ?? (req.selection === null ? { kind: 'all' } : { kind: 'predicate' });
  if (filter.kind === 'all') return { rowsKey: 'all', filter, selection: null };
  if (filter.kind === 'where') {
    for (const c of filter.clauses) getColumn(table, c.column);
    return { rowsKey: JSON.stringify(canonicalClauses(filter.clauses)), filter, selection: null };
  }
  if (rows === 'where') {
    return {
      problem:
        'rows chosen by filter() cannot be chosen again on the real data; use where() in an aggregate run, or submit a row run',
    };
  }
  const selection = normalizeSelection(table, req.selection);
  if (selection === null) return { rowsKey: 'all', filter: { kind: 'all' }, selection: null };
  return {
    rowsKey: `bitmap:${digestOf(Buffer.from(selection.buffer, selection.byteOffset, selection.length).toString('base64'))}`,
    filter,
    selection,
  };
}

function canonicalClauses(clauses: TWhereClause[]) {
  const order = (v: unknown) => JSON.stringify(v);
  return clauses
    .map((c) => [
      c.column,
      c.op,
      Array.isArray(c.value) ? [...new Set(c.value.map(order))].sort() : order(c.value),
    ])
    .sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/** Why a request cannot be released through disclosure control, or null. */
function requestProblem(req: TAggregateRequest, table: TTable): string | null {
  if (req.kind === 'groupBy') {
    const columns = checkGroupBy(req, table);
    const d = frameDomains(table, columns);
    if ('problem' in d) return d.problem;
    for (const m of req.measures) {
      if (m.fn === 'min' || m.fn === 'max' || m.fn === 'median') {
        return `${measureLabel(m)} is the value of a single row, which is never released through disclosure control`;
      }
      if (m.column === undefined || m.fn === 'count') continue;
      const b = resolveBounds(table, m.column, m.bounds);
      if ('problem' in b) return b.problem;
    }
    return null;
  }
  if (req.kind === 'histogram') {
    checkEdges(req.edges);
    getColumn(table, req.column);
    return null;
  }
  if (!Array.isArray(req.x) || req.x.length === 0 || req.x.length > MAX_REGRESSORS) {
    return `a regression needs 1 to ${MAX_REGRESSORS} x columns`;
  }
  for (const c of [...req.x, req.y]) {
    const b = resolveBounds(table, c, req.bounds?.[c]);
    if ('problem' in b) return b.problem;
  }
  return null;
}

/**
 * The bounds a column's values are clamped to: the request's, which must lie within the schema's,
 * or else the schema's. A sum's sensitivity is the bounds' half-width, so both must be finite.
 */
export function resolveBounds(
  table: TTable,
  column: string,
  given: TBounds | undefined,
): TResolvedBounds | { problem: string } {
  const col = getColumn(table, column);
  if (col.type !== 'integer' && col.type !== 'number') {
    return { problem: `${JSON.stringify(column)} is ${col.type}; sums and means need a numeric column` };
  }
  const schema = Object.hasOwn(table.bounds, column) ? table.bounds[column]! : {};
  const lo = given?.min ?? schema.min;
  const hi = given?.max ?? schema.max;
  const name = JSON.stringify(column);
  if (lo === undefined || hi === undefined || !Number.isFinite(lo) || !Number.isFinite(hi)) {
    return {
      problem: `${name} has no schema bounds: give clamping bounds ({ min, max }) for its sums and means`,
    };
  }
  if (!(lo < hi)) return { problem: `the bounds of ${name} must have min < max` };
  if ((schema.min !== undefined && lo < schema.min) || (schema.max !== undefined && hi > schema.max)) {
    return {
      problem: `the bounds [${lo}, ${hi}] of ${name} are wider than its schema bounds [${schema.min ?? '−∞'}, ${schema.max ?? '∞'}]`,
    };
  }
  return { min: lo, max: hi, mid: (lo + hi) / 2, half: (hi - lo) / 2 };
}
