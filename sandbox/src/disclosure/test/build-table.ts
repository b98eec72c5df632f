import type { TAggregateRequest, TColumnData, TColumnSchema, TTable } from '../../types.ts';
import { computeRelease, type TReleasePolicy } from '../release-compute.ts';
import { planRelease, type TPlanOptions } from '../release-plan.ts';

/**
 * A column given as plain JS values (null for null), with optional schema bounds for numbers and a
 * code list; a column is nullable in the schema when it holds a null (or when said so).
 */
export type TColumnSpec = (
  | { type: 'string' | 'date' | 'timestamp'; values: (string | null)[] }
  | { type: 'integer' | 'number'; values: (number | null)[]; min?: number; max?: number }
  | { type: 'boolean'; values: (boolean | null)[] }
) & { codes?: (string | number)[]; nullable?: boolean };

export const str = (values: (string | null)[], codes?: string[]): TColumnSpec => ({
  type: 'string',
  values,
  ...(codes ? { codes } : {}),
});
export const num = (values: (number | null)[], bounds: { min?: number; max?: number } = {}): TColumnSpec => ({
  type: 'number',
  values,
  ...bounds,
});
export const int = (values: (number | null)[], bounds: { min?: number; max?: number } = {}): TColumnSpec => ({
  type: 'integer',
  values,
  ...bounds,
});
export const bool = (values: (boolean | null)[]): TColumnSpec => ({ type: 'boolean', values });

/** Builds the host's columnar TTable from plain columns, as the loader would. */
export function buildTable(name: string, columns: Record<string, TColumnSpec>, key = `${name}:v1`): TTable {
  const lengths = new Set(Object.values(columns).map((c) => c.values.length));
  if (lengths.size > 1) throw new Error('columns of different lengths');
  const rowCount = lengths.size === 0 ? 0 : [...lengths][0]!;
  const data: Record<string, TColumnData> = {};
  const bounds: TTable['bounds'] = {};
  const schema: Record<string, TColumnSchema> = {};
  for (const [col, spec] of Object.entries(columns)) {
    schema[col] = {
      nullable: spec.nullable ?? (spec.values as unknown[]).includes(null),
      ...(spec.codes ? { codes: spec.codes } : {}),
    };
    switch (spec.type) {
      case 'string':
      case 'date':
      case 'timestamp': {
        const dictionary = [...new Set(spec.values.filter((v): v is string => v !== null))].sort();
        const index = new Map(dictionary.map((s, i) => [s, i]));
        data[col] = {
          type: spec.type,
          dictionary,
          codes: Int32Array.from(spec.values, (v) => (v === null ? -1 : index.get(v)!)),
        };
        break;
      }
      case 'boolean':
        data[col] = {
          type: 'boolean',
          values: Uint8Array.from(spec.values, (v) => (v ? 1 : 0)),
          nulls: spec.values.includes(null)
            ? Uint8Array.from(spec.values, (v) => (v === null ? 1 : 0))
            : null,
        };
        break;
      default:
        data[col] = {
          type: spec.type,
          values: Float64Array.from(spec.values, (v) => v ?? 0),
          nulls: spec.values.includes(null)
            ? Uint8Array.from(spec.values, (v) => (v === null ? 1 : 0))
            : null,
        };
        if (spec.min !== undefined || spec.max !== undefined) bounds[col] = { min: spec.min, max: spec.max };
    }
  }
  return { name, key, rowCount, columns: data, bounds, schema };
}

/** A deterministic PRNG (mulberry32) for test data. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SECRET = new Uint8Array(32).fill(7);

export function policy(overrides: Partial<TReleasePolicy> = {}): TReleasePolicy {
  return { minCellCount: 10, rounding: 5, dominance: { n: 2, k: 0.85 }, noiseSecret: SECRET, ...overrides };
}

/** Plans and computes the release of `requests` as an aggregate run would. */
export function release(
  requests: TAggregateRequest[],
  tables: TTable[],
  opts: Partial<TPlanOptions> & { policy?: TReleasePolicy } = {},
) {
  const p = opts.policy ?? policy();
  const plan = planRelease(requests, tables, {
    epsilon: opts.epsilon ?? 1,
    dominanceN: opts.dominanceN === undefined ? (p.dominance?.n ?? null) : opts.dominanceN,
    rows: opts.rows ?? 'where',
  });
  return { plan, ...computeRelease(plan, p) };
}

/** A selection bitmap over `rowCount` rows from a predicate on the row index. */
export function select(rowCount: number, pick: (i: number) => boolean): Uint8Array {
  return Uint8Array.from({ length: rowCount }, (_, i) => (pick(i) ? 1 : 0));
}

export function groupBy(
  id: number,
  table: string,
  groupBy: string[],
  measures: Extract<TAggregateRequest, { kind: 'groupBy' }>['measures'],
  selection: Uint8Array | null = null,
): TAggregateRequest {
  return {
    id,
    kind: 'groupBy',
    table,
    selection,
    filter: selection ? { kind: 'predicate' } : { kind: 'all' },
    groupBy,
    measures,
  };
}

export const marker = (id: number) => ({ $aggregate: id });
