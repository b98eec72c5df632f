import type { TColumnData, TTable } from '../types.ts';
import { nullMask } from './draw.ts';
import { numericValues } from './numeric.ts';
import { createRng, type TRng } from './rng.ts';
import { type TDummyColumn, type TDummySpec, validateSpec } from './spec.ts';
import { textValues } from './text.ts';

const DEFAULT_NULL_SHARE = 0.05;

/**
 * A dummy table of the same schema as a licensed one, for operators to write and debug scripts on
 * and for aggregate runs to execute against. It is drawn from the public column spec only (types,
 * bounds, code lists, distribution hints), never from the rows, so everything about it may be shown.
 *
 * - Columns with `codes` hold only those codes, by `hints.weights` or uniformly; a short list
 *   appears in full, so a `where()` on any public code selects rows.
 * - Numeric columns stay within `min`/`max`, shaped by `hints` (uniform, normal, lognormal with the
 *   values' mean and sd); integers are whole, numbers have two decimals.
 * - `identifier` string and numeric columns hold distinct values (`${name}_000001`, or every code
 *   and then values shaped like them); identifying dates (a birth date) keep the shape of dates.
 * - Nulls only in nullable columns, at `hints.nullShare` (default 5 %).
 * - `bounds` and `schema` carry the spec's min/max, nullability and codes, as for the real table.
 *
 * Deterministic: the same spec and seed give the same table. Each column draws from its own stream,
 * so its values do not depend on which other columns the table has.
 *
 * @throws {DummyTableError} `DUMMY_SPEC_INVALID` when the spec contradicts itself.
 * @example
 * const t = dummyTable({
 *   name: 'households', key: 'dummy:households:v1', rows: 2000, seed: 'households:v1',
 *   columns: [{ name: 'district', type: 'string', nullable: false, sensitivity: 'public', codes: ['330102', '330106'] }],
 * });
 */
export function dummyTable(spec: TDummySpec): TTable {
  validateSpec(spec);
  const columns = Object.fromEntries(
    spec.columns.map((c) => [c.name, dummyColumn(c, spec.rows, createRng(`${spec.seed}\u0000${c.name}`))]),
  );
  const bounds: TTable['bounds'] = Object.fromEntries(
    spec.columns
      .filter(
        (c) => (c.type === 'integer' || c.type === 'number') && (c.min !== undefined || c.max !== undefined),
      )
      .map((c) => [
        c.name,
        { ...(c.min !== undefined && { min: c.min }), ...(c.max !== undefined && { max: c.max }) },
      ]),
  );
  const schema: TTable['schema'] = Object.fromEntries(
    spec.columns.map((c) => [
      c.name,
      { nullable: c.nullable, ...(c.codes !== undefined && { codes: [...c.codes] }) },
    ]),
  );
  return { name: spec.name, key: spec.key, rowCount: spec.rows, columns, bounds, schema };
}

function dummyColumn(c: TDummyColumn, n: number, rng: TRng): TColumnData {
  const share = c.nullable ? (c.hints?.nullShare ?? DEFAULT_NULL_SHARE) : 0;
  const nulls = nullMask(n, share, rng);
  switch (c.type) {
    case 'boolean': {
      const values = new Uint8Array(n);
      for (let i = 0; i < n; i++) values[i] = !nulls?.[i] && rng.next() < 0.5 ? 1 : 0;
      return { type: 'boolean', values, nulls };
    }
    case 'integer':
    case 'number':
      return { type: c.type, values: numericValues(c, n, nulls, rng), nulls };
    default:
      return { type: c.type, ...textValues(c, n, nulls, rng) };
  }
}
