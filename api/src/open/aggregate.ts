import { type SQL, sql } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import type { TColumn, TColumnType } from '../catalogue/dataset-schema.ts';
import { tableRef } from '../data/table-store.ts';
import { rowsOf } from '../db/client.ts';
import { pgCode } from '../db/errors.ts';
import type { Deps } from '../deps.ts';
import { AppError, invalid, type TFieldError } from '../errors.ts';
import { columnMap, columnRef, decodeValue, lookupColumn, outputExpr } from './columns.ts';
import { filterCondition } from './filters.ts';
import { getOpenDataset, type TOpenDataset } from './open-dataset.ts';
import type { TOpenQueryBody } from './query-input.ts';
import type { TRowValue } from './query-rows.ts';

export type TQueryResult = {
  version: number | null;
  columns: { name: string; type: TColumnType }[];
  /** One array per result row, values in the order of `columns`. */
  rows: TRowValue[][];
  limit: number;
  /** True when more rows matched than `limit`. */
  truncated: boolean;
};

type TOutput = { name: string; type: TColumnType; expr: SQL };

const isNumeric = (c: TColumn) => c.type === 'integer' || c.type === 'number';

/** A structured query over an open dataset (see {@link runQuery}), counted as an open-data read. */
export async function aggregateOpenData(
  deps: Deps,
  actor: TActor | null,
  datasetId: string,
  body: TOpenQueryBody,
): Promise<TQueryResult> {
  const result = await runQuery(deps, await getOpenDataset(deps.db, datasetId), body);
  deps.readCounter.count(datasetId, 'query', actor === null, deps.clock.now());
  return result;
}

/**
 * Runs a structured query over a dataset's visible version: filters, then either groups with count, sum, avg,
 * min and max, or (with neither aggregates nor groupBy) a projection of rows. Every name is
 * checked against the schema and reaches SQL as a quoted identifier; every value is a parameter.
 */
export async function runQuery(
  deps: Deps,
  dataset: TOpenDataset,
  body: TOpenQueryBody,
): Promise<TQueryResult> {
  const columns = columnMap(dataset.columns, dataset.withheld);
  const errors: TFieldError[] = [];
  // Groups are labelled unless the caller chose the outputs.
  const select = body.select ?? body.groupBy ?? [];
  const aggregates = body.aggregates ?? [];
  const groupBy = body.groupBy ?? [];
  const isGrouped = aggregates.length > 0 || groupBy.length > 0;

  const groupColumns = new Map<string, TColumn>();
  groupBy.forEach((name, i) => {
    const column = lookupColumn(columns, name, `body.groupBy.${i}`, errors);
    if (column) groupColumns.set(name, column);
  });
  const outputs: TOutput[] = [];
  select.forEach((name, i) => {
    const column = lookupColumn(columns, name, `body.select.${i}`, errors);
    if (column) outputs.push({ name, type: column.type, expr: outputExpr(column.type, columnRef(column)) });
  });
  const aggregateOrder = new Map<string, SQL>();
  aggregates.forEach((a, i) => {
    if (a.fn === 'count') {
      outputs.push({ name: a.as, type: 'integer', expr: sql`count(*)` });
      aggregateOrder.set(a.as, sql`count(*)`);
      return;
    }
    const path = `body.aggregates.${i}.column`;
    const column = a.column === undefined ? undefined : lookupColumn(columns, a.column, path, errors);
    if (!column) return;
    const ref = columnRef(column);
    if ((a.fn === 'sum' || a.fn === 'avg') && !isNumeric(column)) {
      errors.push({
        path,
        message: `${a.fn} applies to integer and number columns; ${column.name} is ${column.type}`,
      });
      return;
    }
    if (column.type === 'boolean') {
      errors.push({ path, message: `${a.fn} does not apply to boolean columns` });
      return;
    }
    const raw = sql`${sql.raw(a.fn)}(${ref})`;
    aggregateOrder.set(a.as, raw);
    if (a.fn === 'avg') outputs.push({ name: a.as, type: 'number', expr: sql`(${raw})::double precision` });
    else if (a.fn === 'sum') outputs.push({ name: a.as, type: column.type, expr: raw });
    else outputs.push({ name: a.as, type: column.type, expr: outputExpr(column.type, raw) });
  });
  const conditions: SQL[] = [];
  (body.where ?? []).forEach((w, i) => {
    const condition = filterCondition(columns, w, `body.where.${i}`, errors, undefined, true);
    if (condition) conditions.push(condition);
  });
  if (errors.length > 0) throw invalid(errors);

  const order: SQL[] = [];
  for (const o of body.orderBy ?? []) {
    const dir = sql.raw(o.dir);
    const grouped = groupColumns.get(o.key);
    const aggregate = aggregateOrder.get(o.key);
    if (isGrouped && grouped) order.push(sql`${columnRef(grouped)} ${dir}`);
    else if (aggregate) order.push(sql`${aggregate} ${dir}`);
    else if (!isGrouped) order.push(sql`${columnRef(columns.get(o.key)!)} ${dir}`);
  }
  // Ties broken by the groups (or the row order) so that equal queries give equal pages.
  if (isGrouped) for (const c of groupColumns.values()) order.push(columnRef(c));
  else order.push(sql`_rid`);

  const result: TQueryResult = {
    version: dataset.version,
    columns: outputs.map((o) => ({ name: o.name, type: o.type })),
    rows: [],
    limit: body.limit,
    truncated: false,
  };
  if (dataset.version === null || dataset.tableName === null) {
    // No data yet: a query with aggregates but no groups still has its one row, as in SQL.
    if (aggregates.length > 0 && groupBy.length === 0) {
      result.rows = [aggregates.map((a) => (a.fn === 'count' ? 0 : null))];
    }
  } else {
    const projection = outputs.map((o, i) => sql`${o.expr} as ${sql.identifier(`c${i}`)}`);
    const where = [sql`_v <= ${dataset.version}`, ...conditions];
    const groupClause =
      groupColumns.size > 0
        ? sql` group by ${sql.join(
            [...groupColumns.values()].map((c) => columnRef(c)),
            sql`, `,
          )}`
        : sql``;
    const orderClause = order.length > 0 ? sql` order by ${sql.join(order, sql`, `)}` : sql``;
    let rows: Record<string, unknown>[];
    try {
      const query = sql`select ${sql.join(projection, sql`, `)} from ${tableRef(dataset.tableName)} where ${sql.join(where, sql` and `)}${groupClause}${orderClause} limit ${body.limit + 1}`;
      const timeoutMs = Math.floor(deps.settings.openQueryTimeoutMs);
      rows = await deps.db.transaction(async (tx) => {
        await tx.execute(sql.raw(`set local statement_timeout = ${timeoutMs}`));
        return rowsOf<Record<string, unknown>>(await tx.execute(query));
      });
    } catch (err) {
      if (pgCode(err) === '57014') {
        throw new AppError(
          'QUERY_TIMEOUT',
          `the query ran past ${deps.settings.openQueryTimeoutMs} ms; narrow it with filters, fewer groups or the download`,
        );
      }
      // A sum of large doubles can leave their range; that is the query's limit, not a fault.
      if (pgCode(err) === '22003') {
        throw invalid([
          { path: 'body.aggregates', message: 'a sum or average leaves the range of double precision' },
        ]);
      }
      throw err;
    }
    result.truncated = rows.length > body.limit;
    result.rows = rows
      .slice(0, body.limit)
      .map((r) => outputs.map((o, i) => decodeValue(o.type, r[`c${i}`])));
  }
  return result;
}
