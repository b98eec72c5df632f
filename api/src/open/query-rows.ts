import { type SQL, sql } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import { tableRef } from '../data/table-store.ts';
import { rowsOf } from '../db/client.ts';
import type { Deps } from '../deps.ts';
import { invalid, type TFieldError } from '../errors.ts';
import {
  columnMap,
  columnRef,
  decodeValue,
  lookupColumn,
  outputExpr,
  parseColumnList,
  shown,
  type TColumnMap,
} from './columns.ts';
import { decodeCursor, encodeCursor, generationOf, type TRowsCursor } from './cursor.ts';
import { filterCondition, parseFilterParam } from './filters.ts';
import { getOpenDataset, type TOpenDataset } from './open-dataset.ts';

export const ROWS_DEFAULT_LIMIT = 100;
export const ROWS_MAX_LIMIT = 1000;
export const ROWS_MAX_OFFSET = 100_000;
export const ROWS_MAX_FILTERS = 20;
export const ROWS_MAX_SORT_KEYS = 10;

/** The query string of a rows request, shape-checked by the route; names are checked here. */
export type TRowsInput = {
  /** `a,b`: columns to return; all, in schema order, when absent. */
  select?: string | undefined;
  /** `column:op:value` each, all of which must hold. */
  filter?: string[] | undefined;
  /** `-day,city_code`: `-` sorts descending. */
  sort?: string | undefined;
  limit: number;
  offset?: number | undefined;
  cursor?: string | undefined;
};

export type TRowValue = string | number | boolean | null;

export type TRowsPage = {
  version: number | null;
  items: Record<string, TRowValue>[];
  page: {
    limit: number;
    maxLimit: number;
    offset?: number;
    hasMore: boolean;
    nextCursor: string | null;
  };
};

function parseSort(columns: TColumnMap, raw: string | undefined, errors: TFieldError[]): SQL[] {
  if (raw === undefined) return [];
  const parts = raw.split(',');
  if (parts.length > ROWS_MAX_SORT_KEYS) {
    errors.push({ path: 'query.sort', message: `at most ${ROWS_MAX_SORT_KEYS} sort keys` });
    return [];
  }
  const seen = new Set<string>();
  const keys: SQL[] = [];
  for (const part of parts) {
    const key = part.trim();
    const isDesc = key.startsWith('-');
    const name = isDesc ? key.slice(1) : key;
    if (name === '') {
      errors.push({ path: 'query.sort', message: 'empty sort key; give column names, - for descending' });
      continue;
    }
    if (seen.has(name)) {
      errors.push({ path: 'query.sort', message: `column ${shown(name)} is sorted on twice` });
      continue;
    }
    seen.add(name);
    const column = lookupColumn(columns, name, 'query.sort', errors);
    if (column) keys.push(sql`${columnRef(column)} ${sql.raw(isDesc ? 'desc' : 'asc')}`);
  }
  return keys;
}

/** A page of rows of an open dataset (see {@link readRows}), counted as an open-data read. */
export async function queryRows(
  deps: Deps,
  actor: TActor | null,
  datasetId: string,
  input: TRowsInput,
): Promise<TRowsPage> {
  const page = await readRows(deps, await getOpenDataset(deps.db, datasetId), input);
  deps.readCounter.count(datasetId, 'rows', actor === null, deps.clock.now());
  return page;
}

/**
 * A page of rows: chosen columns, filters that must all hold, sorting, and paging by offset or, in
 * the default order, by an opaque cursor that pins the version the walk started at. With
 * `sinceVersion`, only the rows later versions added. Rows of versions not yet committed are never
 * read.
 */
export async function readRows(
  deps: Deps,
  dataset: TOpenDataset,
  input: TRowsInput,
  sinceVersion?: number,
): Promise<TRowsPage> {
  const columns = columnMap(dataset.columns, dataset.withheld);
  const errors: TFieldError[] = [];
  const selected = parseColumnList(columns, input.select, 'query.select', errors);
  const filters = input.filter ?? [];
  if (filters.length > ROWS_MAX_FILTERS) {
    errors.push({ path: 'query.filter', message: `at most ${ROWS_MAX_FILTERS} filters` });
  }
  const conditions: SQL[] = [];
  for (const raw of filters.slice(0, ROWS_MAX_FILTERS)) {
    const filter = parseFilterParam(raw);
    if (typeof filter === 'string') {
      errors.push({ path: 'query.filter', message: `${shown(raw)}: ${filter}` });
      continue;
    }
    const condition = filterCondition(columns, filter, 'query.filter', errors);
    if (condition) conditions.push(condition);
  }
  const order = parseSort(columns, input.sort, errors);
  let cursor: TRowsCursor | null = null;
  if (input.cursor !== undefined) {
    if (input.offset !== undefined) {
      errors.push({ path: 'query.cursor', message: 'give either cursor or offset, not both' });
    } else if (order.length > 0) {
      errors.push({
        path: 'query.cursor',
        message: 'cursor paging follows the default row order; with sort, page by offset',
      });
    } else {
      cursor = decodeCursor(dataset.id, input.cursor);
      if (!cursor) {
        errors.push({ path: 'query.cursor', message: 'not a cursor issued for this dataset' });
      } else if (
        dataset.version === null ||
        dataset.tableName === null ||
        cursor.generation !== generationOf(dataset.tableName) ||
        cursor.version > dataset.version
      ) {
        errors.push({
          path: 'query.cursor',
          message:
            'the dataset has been replaced since this cursor was issued; start again from the first page',
        });
      }
    }
  }
  if (errors.length > 0) throw invalid(errors);

  const page: TRowsPage['page'] = {
    limit: input.limit,
    maxLimit: ROWS_MAX_LIMIT,
    ...(input.offset !== undefined ? { offset: input.offset } : {}),
    hasMore: false,
    nextCursor: null,
  };
  if (dataset.version === null || dataset.tableName === null) return { version: null, items: [], page };

  const version = cursor?.version ?? dataset.version;
  const where = [sql`_v <= ${version}`, ...conditions];
  if (sinceVersion !== undefined) where.push(sql`_v > ${sinceVersion}`);
  if (cursor) where.push(sql`_rid > ${cursor.afterRid}`);
  const projection = selected.map(
    (c) => sql`${outputExpr(c.type, columnRef(c))} as ${sql.identifier(c.name)}`,
  );
  const result = await deps.db.execute(
    sql`select ${sql.join(projection, sql`, `)}, _rid from ${tableRef(dataset.tableName)} where ${sql.join(where, sql` and `)} order by ${sql.join([...order, sql`_rid`], sql`, `)} limit ${input.limit + 1} offset ${input.offset ?? 0}`,
  );
  const rows = rowsOf<Record<string, unknown>>(result);
  page.hasMore = rows.length > input.limit;
  const shownRows = page.hasMore ? rows.slice(0, input.limit) : rows;
  const items = shownRows.map((r) => {
    const item: Record<string, TRowValue> = {};
    for (const c of selected) item[c.name] = decodeValue(c.type, r[c.name]);
    return item;
  });
  const last = shownRows.at(-1);
  if (page.hasMore && order.length === 0 && last) {
    page.nextCursor = encodeCursor(dataset.id, {
      version,
      afterRid: Number(last._rid),
      generation: generationOf(dataset.tableName),
    });
  }
  return { version, items, page };
}
