import type { TColumnData, TTable } from '@enclave/sandbox';
import type { TColumn } from '../catalogue/dataset-schema.ts';
import type { datasets } from '../db/schema/index.ts';
import { createRng, deriveSeed } from '../demo/prng.ts';

function dummyColumn(c: TColumn, rows: number, rnd: () => number): TColumnData {
  const nullAt = () => c.nullable && rnd() < 0.05;
  if (c.type === 'integer' || c.type === 'number') {
    const lo = c.min ?? 0;
    const hi = c.max ?? (c.min !== undefined ? c.min + 1000 : 1000);
    const values = new Float64Array(rows);
    let nulls: Uint8Array | null = null;
    for (let i = 0; i < rows; i++) {
      if (nullAt()) {
        nulls ??= new Uint8Array(rows);
        nulls[i] = 1;
        values[i] = Number.NaN;
        continue;
      }
      // A triangular distribution: plausible values cluster in the middle of the bounds.
      const v = lo + ((rnd() + rnd()) / 2) * (hi - lo);
      values[i] = c.type === 'integer' ? Math.round(v) : Math.round(v * 100) / 100;
    }
    return { type: c.type, values, nulls };
  }
  if (c.type === 'boolean') {
    const values = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) values[i] = rnd() < 0.5 ? 1 : 0;
    return { type: 'boolean', values, nulls: null };
  }
  const isUnique = c.sensitivity === 'identifier';
  const distinct = isUnique ? rows : Math.max(2, Math.min(50, Math.floor(rows / 20)));
  const dictionary: string[] = [];
  for (let k = 0; k < distinct; k++) {
    if (c.type === 'date') {
      dictionary.push(new Date(Date.UTC(2023, 0, 1) + k * 86_400_000).toISOString().slice(0, 10));
    } else if (c.type === 'timestamp') {
      dictionary.push(new Date(Date.UTC(2023, 0, 1) + k * 3_600_000).toISOString());
    } else dictionary.push(isUnique ? `${c.name}_${String(k).padStart(6, '0')}` : `${c.name}_${k}`);
  }
  const codes = new Int32Array(rows);
  for (let i = 0; i < rows; i++)
    codes[i] = nullAt() ? -1 : isUnique ? i : Math.floor(rnd() * rnd() * distinct);
  return { type: c.type, codes, dictionary };
}

/**
 * Dummy data for a licensed table: the same column names and types as the real one, values drawn
 * from the schema's bounds with plausible spread, identifiers unique. Operators write and debug
 * scripts on it and see everything, because none of it is real.
 */
export function dummyTable(dataset: typeof datasets.$inferSelect, columns: string[], rows = 2_000): TTable {
  const rng = createRng(deriveSeed(0, `${dataset.id}:${columns.join(',')}`));
  const rnd = () => rng.next();
  const data: Record<string, TColumnData> = {};
  const bounds: TTable['bounds'] = {};
  for (const name of columns) {
    const c = dataset.columns.find((x) => x.name === name)!;
    data[name] = dummyColumn(c, rows, rnd);
    if (c.min !== undefined || c.max !== undefined) bounds[name] = { min: c.min, max: c.max };
  }
  return {
    name: dataset.slug,
    key: `dummy:${dataset.id}:${[...columns].sort().join(',')}`,
    rowCount: rows,
    columns: data,
    bounds,
  };
}
