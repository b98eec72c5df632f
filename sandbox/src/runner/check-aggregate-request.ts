import { DisclosureError, releaseProblem } from '../disclosure/index.ts';
import {
  MEASURE_FNS,
  type TAggregateRequest,
  type TBounds,
  type TMeasure,
  type TRowFilter,
  type TTable,
  type TWhereClause,
  type TWhereValue,
  WHERE_OPS,
} from '../types.ts';

/** Bounds on what one run may ask the host to aggregate. */
export const AGGREGATE_CAPS = {
  /** Aggregate requests per run. */
  maxRequests: 1000,
  /** Sum of the selection bitmaps' bytes per run (each is one byte per table row). */
  maxSelectionBytes: 256 * 1024 * 1024,
  maxGroupColumns: 8,
  maxMeasures: 32,
  maxHistogramEdges: 1001,
  maxRegressors: 20,
  maxSpecChars: 1024 * 1024,
  maxWhereClauses: 64,
  maxInValues: 10_000,
  maxNameChars: 200,
} as const;

const NUMERIC_TYPES = new Set(['integer', 'number']);
const MEASURES = new Set<string>(MEASURE_FNS);

type TChecked = { ok: true; request: TAggregateRequest } | { ok: false; message: string };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isWhereValue = (v: unknown): v is TWhereValue =>
  v === null ||
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v));

/**
 * How the rows were chosen, checked against the selection that came with it. `all` must come
 * without a selection (the release code then uses every row); `where` clauses must name licensed
 * columns, since the host evaluates them again on its own data; anything else is a predicate.
 */
function checkFilter(raw: unknown, table: TTable, bitmap: Uint8Array | null): TRowFilter | { error: string } {
  const mismatch = { error: 'The row selection does not match how the rows were chosen.' };
  if (!isPlainObject(raw)) return { error: 'The aggregate request is malformed.' };
  if (raw.kind === 'all') return bitmap === null ? { kind: 'all' } : mismatch;
  if (bitmap === null) return mismatch;
  if (raw.kind === 'predicate') return { kind: 'predicate' };
  if (raw.kind !== 'where' || !Array.isArray(raw.clauses))
    return { error: 'The aggregate request is malformed.' };
  if (raw.clauses.length === 0 || raw.clauses.length > AGGREGATE_CAPS.maxWhereClauses) {
    return { error: `At most ${AGGREGATE_CAPS.maxWhereClauses} where() clauses.` };
  }
  const clauses: TWhereClause[] = [];
  for (const c of raw.clauses) {
    if (!isPlainObject(c) || Object.keys(c).some((k) => k !== 'column' && k !== 'op' && k !== 'value')) {
      return { error: 'A where() clause is malformed.' };
    }
    if (typeof c.column !== 'string' || !Object.hasOwn(table.columns, c.column)) {
      return {
        error: `Column ${JSON.stringify(String(c.column))} is not available in table ${JSON.stringify(table.name)}.`,
      };
    }
    const op = WHERE_OPS.find((o) => o === c.op);
    if (!op) return { error: 'A where() clause has an unknown operator.' };
    const { value } = c;
    if (op === 'in') {
      if (!Array.isArray(value) || value.length > AGGREGATE_CAPS.maxInValues || !value.every(isWhereValue)) {
        return {
          error: `where(…, 'in', values): at most ${AGGREGATE_CAPS.maxInValues} strings, numbers, booleans or null.`,
        };
      }
      clauses.push({ column: c.column, op, value: [...value] });
    } else {
      if (!isWhereValue(value))
        return { error: 'A where() value must be a string, a number, a boolean or null.' };
      clauses.push({ column: c.column, op, value });
    }
  }
  return { kind: 'where', clauses };
}

/** `{ min, max }` of finite numbers with min < max, or an error. */
function checkBounds(raw: unknown, what: string): TBounds | { error: string } {
  const ok =
    isPlainObject(raw) &&
    Object.keys(raw).every((k) => k === 'min' || k === 'max') &&
    typeof raw.min === 'number' &&
    typeof raw.max === 'number' &&
    Number.isFinite(raw.min) &&
    Number.isFinite(raw.max) &&
    raw.min < raw.max;
  return ok
    ? { min: raw.min as number, max: raw.max as number }
    : { error: `${what}: bounds must be { min, max }, finite numbers with min < max.` };
}

/**
 * Turns what the in-isolate SDK sent (a JSON spec and a selection bitmap, both copies) into a
 * validated `TAggregateRequest` with the host-issued `id`, or a message for the script. Nothing
 * the script sends is trusted: names must be the table's licensed columns, measures must be known,
 * the selection must be one byte per row (normalised here to 0/1 in a fresh array), and the
 * recorded `filter` must agree with it.
 */
export function checkAggregateRequest(
  tables: ReadonlyMap<string, TTable>,
  id: number,
  specJson: unknown,
  selection: unknown,
  kind: 'aggregate' | 'rows' = 'rows',
): TChecked {
  const checked = checkShape(tables, id, specJson, selection);
  if (!checked.ok || kind === 'rows') return checked;
  // An aggregate run's requests are evaluated on the real rows by host code: refuse now, while the
  // script can still be told why, what the host could not release.
  let problem: string | null;
  try {
    problem = releaseProblem(checked.request, tables.get(checked.request.table)!);
  } catch (e) {
    if (!(e instanceof DisclosureError)) throw e;
    problem = e.message;
  }
  return problem === null
    ? checked
    : { ok: false, message: `${problem[0]!.toUpperCase()}${problem.slice(1)}.` };
}

function checkShape(
  tables: ReadonlyMap<string, TTable>,
  id: number,
  specJson: unknown,
  selection: unknown,
): TChecked {
  const refuse = (message: string): TChecked => ({ ok: false, message });
  if (typeof specJson !== 'string' || specJson.length > AGGREGATE_CAPS.maxSpecChars) {
    return refuse('The aggregate request is malformed.');
  }
  let spec: unknown;
  try {
    spec = JSON.parse(specJson);
  } catch {
    return refuse('The aggregate request is malformed.');
  }
  if (!isPlainObject(spec) || typeof spec.table !== 'string')
    return refuse('The aggregate request is malformed.');
  const table = tables.get(spec.table);
  if (!table) return refuse(`Table ${JSON.stringify(spec.table)} is not licensed for this run.`);

  let bitmap: Uint8Array | null = null;
  if (selection !== null) {
    if (!(selection instanceof Uint8Array) || selection.length !== table.rowCount) {
      return refuse('The row selection does not match the table.');
    }
    bitmap = new Uint8Array(table.rowCount);
    for (let i = 0; i < bitmap.length; i++) bitmap[i] = selection[i] !== 0 ? 1 : 0;
  }

  const filter = checkFilter(spec.filter, table, bitmap);
  if ('error' in filter) return refuse(filter.error);

  const column = (name: unknown, numeric: boolean, what: string): string | { error: string } => {
    if (typeof name !== 'string' || !Object.hasOwn(table.columns, name)) {
      return {
        error: `Column ${JSON.stringify(String(name))} is not available in table ${JSON.stringify(table.name)}.`,
      };
    }
    if (numeric && !NUMERIC_TYPES.has(table.columns[name]!.type)) {
      return {
        error: `${what} needs a numeric column; ${JSON.stringify(name)} is ${table.columns[name]!.type}.`,
      };
    }
    return name;
  };
  const columnList = (
    names: unknown,
    numeric: boolean,
    what: string,
    max: number,
  ): string[] | { error: string } => {
    if (!Array.isArray(names) || names.length > max) return { error: `${what}: at most ${max} columns.` };
    const out: string[] = [];
    for (const name of names) {
      const checked = column(name, numeric, what);
      if (typeof checked !== 'string') return checked;
      if (out.includes(checked)) return { error: `${what}: column ${JSON.stringify(checked)} is repeated.` };
      out.push(checked);
    }
    return out;
  };

  switch (spec.kind) {
    case 'groupBy': {
      const groupBy = columnList(spec.groupBy, false, 'groupBy()', AGGREGATE_CAPS.maxGroupColumns);
      if (!Array.isArray(groupBy)) return refuse(groupBy.error);
      const raw = spec.measures;
      if (!Array.isArray(raw) || raw.length === 0 || raw.length > AGGREGATE_CAPS.maxMeasures) {
        return refuse(`An aggregate needs 1 to ${AGGREGATE_CAPS.maxMeasures} measures.`);
      }
      const measures: TMeasure[] = [];
      const names = new Set<string>();
      for (const m of raw) {
        if (!isPlainObject(m) || typeof m.fn !== 'string' || !MEASURES.has(m.fn)) {
          return refuse(`Unknown measure; use one of ${MEASURE_FNS.join(', ')}.`);
        }
        const fn = m.fn as TMeasure['fn'];
        if (Object.keys(m).some((k) => k !== 'fn' && k !== 'column' && k !== 'name' && k !== 'bounds'))
          return refuse('The measure is malformed.');
        const measure: TMeasure = { fn };
        if (m.name !== undefined) {
          if (
            typeof m.name !== 'string' ||
            m.name.length === 0 ||
            m.name.length > AGGREGATE_CAPS.maxNameChars
          ) {
            return refuse(
              `A measure's name must be a string of 1 to ${AGGREGATE_CAPS.maxNameChars} characters.`,
            );
          }
          if (names.has(m.name) || groupBy.includes(m.name))
            return refuse(`The name ${JSON.stringify(m.name)} is used twice.`);
          names.add(m.name);
          measure.name = m.name;
        }
        if (m.column !== undefined) {
          const checked = column(m.column, fn !== 'count', `${fn}()`);
          if (typeof checked !== 'string') return refuse(checked.error);
          measure.column = checked;
        } else if (fn !== 'count') return refuse(`${fn}() needs a column.`);
        if (m.bounds !== undefined) {
          if (fn === 'count') return refuse("'count' takes no bounds.");
          const bounds = checkBounds(m.bounds, `${fn}(${JSON.stringify(measure.column)})`);
          if ('error' in bounds) return refuse(bounds.error);
          measure.bounds = bounds;
        }
        measures.push(measure);
      }
      return {
        ok: true,
        request: { id, kind: 'groupBy', table: table.name, selection: bitmap, filter, groupBy, measures },
      };
    }
    case 'histogram': {
      const checked = column(spec.column, true, 'histogram()');
      if (typeof checked !== 'string') return refuse(checked.error);
      const edges = spec.edges;
      if (
        !Array.isArray(edges) ||
        edges.length < 2 ||
        edges.length > AGGREGATE_CAPS.maxHistogramEdges ||
        !edges.every((e, i) => typeof e === 'number' && Number.isFinite(e) && (i === 0 || e > edges[i - 1]))
      ) {
        return refuse(
          `histogram(): 2 to ${AGGREGATE_CAPS.maxHistogramEdges} finite edges in strictly ascending order.`,
        );
      }
      return {
        ok: true,
        request: {
          id,
          kind: 'histogram',
          table: table.name,
          selection: bitmap,
          filter,
          column: checked,
          edges: [...edges],
        },
      };
    }
    case 'regression': {
      const y = column(spec.y, true, 'regression()');
      if (typeof y !== 'string') return refuse(y.error);
      const x = columnList(spec.x, true, 'regression()', AGGREGATE_CAPS.maxRegressors);
      if (!Array.isArray(x)) return refuse(x.error);
      if (x.length === 0) return refuse('regression() needs at least one x column.');
      if (x.includes(y)) return refuse('regression(): y cannot also be an x column.');
      let bounds: Record<string, TBounds> | undefined;
      if (spec.bounds !== undefined) {
        if (!isPlainObject(spec.bounds))
          return refuse('regression(): bounds must be { column: { min, max } }.');
        bounds = {};
        for (const [c, b] of Object.entries(spec.bounds)) {
          if (c !== y && !x.includes(c))
            return refuse(`regression(): bounds given for ${JSON.stringify(c)}, which is not y or an x.`);
          const checked = checkBounds(b, `regression(${JSON.stringify(c)})`);
          if ('error' in checked) return refuse(checked.error);
          Object.defineProperty(bounds, c, {
            value: checked,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
      }
      return {
        ok: true,
        request: {
          id,
          kind: 'regression',
          table: table.name,
          selection: bitmap,
          filter,
          y,
          x,
          ...(bounds ? { bounds } : {}),
        },
      };
    }
    default:
      return refuse('Unknown kind of aggregate.');
  }
}
