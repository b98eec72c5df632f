import type { TColumnData, TTable } from '../types.ts';

/** Bytes a table holds in memory, counting typed arrays exactly and dictionary strings roughly. */
export function tableBytes(table: TTable): number {
  let bytes = 0;
  for (const col of Object.values(table.columns) as TColumnData[]) {
    if ('values' in col) bytes += col.values.byteLength + (col.nulls?.byteLength ?? 0);
    else bytes += col.codes.byteLength + col.dictionary.reduce((n, s) => n + 2 * s.length + 16, 0);
  }
  return bytes;
}

/** Tables by key, least recently used evicted first once the byte budget is exceeded. */
export function createTableCache(budgetBytes: number) {
  const entries = new Map<string, { table: TTable; bytes: number }>();
  let total = 0;
  return {
    get(key: string): TTable | undefined {
      const e = entries.get(key);
      if (!e) return undefined;
      entries.delete(key);
      entries.set(key, e);
      return e.table;
    },
    put(key: string, table: TTable) {
      const old = entries.get(key);
      if (old) {
        total -= old.bytes;
        entries.delete(key);
      }
      const bytes = tableBytes(table);
      entries.set(key, { table, bytes });
      total += bytes;
      for (const [k, e] of entries) {
        if (total <= budgetBytes || k === key) break;
        entries.delete(k);
        total -= e.bytes;
      }
    },
    keys: () => [...entries.keys()],
    bytes: () => total,
  };
}
