import type { TColumnData, TTable } from '@enclave/sandbox';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { TColumn } from '../catalogue/dataset-schema.ts';
import { committedTableName, copyOut, ridBounds, tableRef } from '../data/table-store.ts';
import type { datasets } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';

const dialect = new PgDialect();

/** The cache key of a licensed table: the data (dataset and version) and the columns a contract sees. */
export const tableKey = (datasetId: string, version: number | null, columns: string[]) =>
  `${datasetId}:v${version ?? 0}:${[...columns].sort().join(',')}`;

type TBuilder = { push(text: string | null): void; finish(): TColumnData };

function builder(type: TColumn['type'], capacity: number): TBuilder {
  if (type === 'integer' || type === 'number') {
    let values = new Float64Array(capacity);
    let nulls: Uint8Array | null = null;
    let n = 0;
    return {
      push(text) {
        if (n === values.length) {
          const grown = new Float64Array(Math.max(16, values.length * 2));
          grown.set(values);
          values = grown;
          if (nulls) {
            const g = new Uint8Array(grown.length);
            g.set(nulls);
            nulls = g;
          }
        }
        if (text === null) {
          nulls ??= new Uint8Array(values.length);
          nulls[n] = 1;
          values[n] = Number.NaN;
        } else values[n] = Number(text);
        n++;
      },
      finish: () => ({ type, values: values.slice(0, n), nulls: nulls ? nulls.slice(0, n) : null }),
    };
  }
  if (type === 'boolean') {
    const values: number[] = [];
    let nulls: number[] | null = null;
    return {
      push(text) {
        if (text === null) {
          nulls ??= new Array(values.length).fill(0);
          nulls.push(1);
          values.push(0);
          return;
        }
        nulls?.push(0);
        values.push(text === 't' ? 1 : 0);
      },
      finish: () => ({ type, values: Uint8Array.from(values), nulls: nulls ? Uint8Array.from(nulls) : null }),
    };
  }
  const dictionary: string[] = [];
  const index = new Map<string, number>();
  let codes = new Int32Array(capacity);
  let n = 0;
  return {
    push(text) {
      if (n === codes.length) {
        const grown = new Int32Array(Math.max(16, codes.length * 2));
        grown.set(codes);
        codes = grown;
      }
      if (text === null) codes[n++] = -1;
      else {
        let code = index.get(text);
        if (code === undefined) {
          code = dictionary.length;
          dictionary.push(text);
          index.set(text, code);
        }
        codes[n++] = code;
      }
    },
    // PostgreSQL writes timestamps as `2024-03-01 08:00:00+00`; scripts see `2024-03-01T08:00:00.000Z`.
    finish: () => ({
      type: type as 'string',
      codes: codes.slice(0, n),
      dictionary:
        type === 'timestamp'
          ? dictionary.map((s) => new Date(s.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).toISOString())
          : dictionary,
    }),
  };
}

/** One field of PostgreSQL's COPY text format, unescaped; `\N` is null. */
function unescapeCopyField(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  return field.replace(/\\(.)/g, (_, c: string) =>
    c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c,
  );
}

/**
 * Loads a dataset version's licensed columns into the host's columnar form, streamed with COPY in
 * row order (`_rid`), so row indexes are stable for a version.
 */
export async function loadTable(
  deps: Deps,
  dataset: typeof datasets.$inferSelect,
  columns: string[],
): Promise<TTable> {
  const schema = columns.map((name) => dataset.columns.find((c) => c.name === name)!);
  const version = dataset.currentVersion;
  const key = tableKey(dataset.id, version, columns);
  const { bounds, columnSchema } = tableSchema(schema);
  const builders = schema.map((c) => builder(c.type, Math.max(16, dataset.rowCount)));
  let rowCount = 0;
  if (version !== null) {
    const tableName = await committedTableName(deps.db, dataset.id, version);
    if (!tableName) throw new Error(`dataset ${dataset.id}: current version ${version} is not committed`);
    const table = tableRef(tableName);
    const cols = sql.join(
      schema.map((c) => sql.identifier(c.name)),
      sql`, `,
    );
    const select = dialect.sqlToQuery(
      sql`select ${cols} from ${table} where _v <= ${sql.raw(String(version))} and ${sql.raw('{{range}}')} order by _rid`,
    ).sql;
    const chunks = copyOut(deps.database, select, {
      options: 'format text',
      header: false,
      ridBounds: () => ridBounds(deps.db, tableName),
    });
    const decoder = new TextDecoder();
    let rest = '';
    const takeLines = (text: string) => {
      let start = 0;
      for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
        const line = text.slice(start, nl);
        start = nl + 1;
        const fields = line.split('\t');
        for (let i = 0; i < builders.length; i++) builders[i]!.push(unescapeCopyField(fields[i]!));
        rowCount++;
      }
      return text.slice(start);
    };
    for await (const chunk of chunks) rest = takeLines(rest + decoder.decode(chunk, { stream: true }));
    takeLines(rest + decoder.decode());
  }
  const data: Record<string, TColumnData> = {};
  schema.forEach((c, i) => {
    data[c.name] = builders[i]!.finish();
  });
  return {
    name: dataset.slug,
    key,
    dataKey: `${dataset.id}:v${version ?? 0}`,
    rowCount,
    columns: data,
    bounds,
    schema: columnSchema,
  };
}

/** What the sandbox needs of the catalogue schema: bounds, nullability and code lists. */
export function tableSchema(columns: TColumn[]): {
  bounds: TTable['bounds'];
  columnSchema: NonNullable<TTable['schema']>;
} {
  const bounds: TTable['bounds'] = {};
  const columnSchema: NonNullable<TTable['schema']> = {};
  for (const c of columns) {
    if (c.min !== undefined || c.max !== undefined) bounds[c.name] = { min: c.min, max: c.max };
    columnSchema[c.name] = { nullable: c.nullable, ...(c.codes ? { codes: c.codes } : {}) };
  }
  return { bounds, columnSchema };
}
