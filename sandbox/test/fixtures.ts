import type { TColumnData, TRunInput, TRunLimits, TTable } from '../src/types.ts';

export const LIMITS: TRunLimits = { memoryMb: 128, cpuMs: 2000, wallMs: 10_000, maxResultBytes: 1 << 20 };

export function stringColumn(
  values: (string | null)[],
  type: 'string' | 'date' | 'timestamp' = 'string',
): TColumnData {
  const dictionary: string[] = [];
  const index = new Map<string, number>();
  const codes = new Int32Array(values.length);
  values.forEach((v, i) => {
    if (v === null) {
      codes[i] = -1;
      return;
    }
    let code = index.get(v);
    if (code === undefined) {
      code = dictionary.length;
      dictionary.push(v);
      index.set(v, code);
    }
    codes[i] = code;
  });
  return { type, codes, dictionary };
}

export function numberColumn(values: (number | null)[], type: 'integer' | 'number' = 'number'): TColumnData {
  const hasNulls = values.includes(null);
  return {
    type,
    values: Float64Array.from(values, (v) => (v === null ? Number.NaN : v)),
    nulls: hasNulls ? Uint8Array.from(values, (v) => (v === null ? 1 : 0)) : null,
  };
}

export function booleanColumn(values: (boolean | null)[]): TColumnData {
  const hasNulls = values.includes(null);
  return {
    type: 'boolean',
    values: Uint8Array.from(values, (v) => (v ? 1 : 0)),
    nulls: hasNulls ? Uint8Array.from(values, (v) => (v === null ? 1 : 0)) : null,
  };
}

export function makeTable(name: string, columns: Record<string, TColumnData>): TTable {
  const first = Object.values(columns)[0];
  const rowCount = !first ? 0 : 'codes' in first ? first.codes.length : first.values.length;
  return { name, key: `${name}:v1`, rowCount, columns, bounds: {} };
}

/** A small deterministic generator, so tests build the same data every time. */
export function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export type TWageRow = {
  region: string | null;
  sector: string;
  age: number;
  wage: number | null;
  insured: boolean | null;
  hired: string;
};

export const REGIONS = ['north', 'south', 'east', 'west'];
export const SECTORS = ['farming', 'mining', 'services'];

/** Rows of the `wages` test table, with a few nulls in region, wage and insured. */
export function wageRows(n = 240, seed = 7): TWageRow[] {
  const next = random(seed);
  return Array.from({ length: n }, (_, i) => ({
    region: i % 17 === 5 ? null : REGIONS[Math.floor(next() * REGIONS.length)]!,
    sector: SECTORS[Math.floor(next() * SECTORS.length)]!,
    age: 18 + Math.floor(next() * 50),
    wage: i % 13 === 3 ? null : Math.round(2000 + next() * 8000),
    insured: i % 11 === 2 ? null : next() < 0.6,
    hired: `20${10 + Math.floor(next() * 14)}-0${1 + Math.floor(next() * 9)}-15`,
  }));
}

export function wagesTable(rows: TWageRow[] = wageRows()): TTable {
  return makeTable('wages', {
    region: stringColumn(rows.map((r) => r.region)),
    sector: stringColumn(rows.map((r) => r.sector)),
    age: numberColumn(
      rows.map((r) => r.age),
      'integer',
    ),
    wage: numberColumn(rows.map((r) => r.wage)),
    insured: booleanColumn(rows.map((r) => r.insured)),
    hired: stringColumn(
      rows.map((r) => r.hired),
      'date',
    ),
  });
}

export function runInput(script: string, overrides: Partial<TRunInput> = {}): TRunInput {
  return { script, params: {}, tables: [wagesTable()], limits: { ...LIMITS }, ...overrides };
}
