import type { TAggregateRequest, TTable } from '../types.ts';
import type { TColumnNeeds } from './group-frame.ts';
import { buildFrame, type TFrame } from './group-frame.ts';
import { checkEdges, histogramCells } from './histogram.ts';
import { addNeeds, checkGroupBy, measureLabel, type TGroupByRequest } from './measures.ts';
import { regressionCells, solveRegression } from './regression.ts';
import { mapMarkers } from './scan-result.ts';
import { checkKind, findTable, normalizeSelection } from './table-access.ts';
import type { THostAggregate, THostGroupBy, TLabel } from './types.ts';

/**
 * Computes one aggregate exactly from the host's copy of the data, with no disclosure control:
 * for the provider's reviewer, for dummy data, and for tests. Every group appears, with its rows.
 *
 * @example
 * computeAggregate({ id: 1, kind: 'groupBy', table: 'wages', selection: null, groupBy: ['district'],
 *   measures: [{ fn: 'count' }, { fn: 'mean', column: 'wage' }] }, tables)
 * // → { columns: ['district', 'count', 'mean(wage)'], rows: [['A', 120, 5100.5], …], n: [120, …] }
 */
export function computeAggregate(request: TAggregateRequest, tables: readonly TTable[]): THostAggregate {
  checkKind(request);
  const table = findTable(tables, request.table);
  const selection = normalizeSelection(table, request.selection);
  if (request.kind === 'histogram') {
    const edges = checkEdges(request.edges);
    return { edges: [...edges], counts: Array.from(histogramCells(table, selection, request.column, edges)) };
  }
  if (request.kind === 'regression') {
    const cells = regressionCells(table, selection, request.y, request.x);
    const coef = cells.n > 0 ? solveRegression(cells.mean, cells.cross) : null;
    if (!coef) {
      return {
        coefficients: null,
        n: cells.n,
        note:
          cells.n === 0
            ? 'no complete rows'
            : 'the x columns are constant or collinear (singular normal equations)',
      };
    }
    const p = request.x.length + 1;
    const syy = cells.cross[p * p - 1]!;
    let explained = 0;
    for (let j = 0; j < p - 1; j++) explained += coef[j + 1]! * cells.cross[j * p + p - 1]!;
    const r2 = syy > 0 ? Math.min(1, Math.max(0, explained / syy)) : null;
    return { coefficients: coefficientRecord(request.x, coef), n: cells.n, r2 };
  }
  const columns = checkGroupBy(request, table);
  const needs = new Map<string, TColumnNeeds>();
  addNeeds(needs, request, table);
  const frame = buildFrame(table, selection, columns, needs);
  return hostGroupBy(request, frame);
}

/**
 * The script's result with every aggregate marker replaced by its exact host computation (markers
 * naming no recorded aggregate are left as they are). For dummy data, and for review.
 */
export function materializeResult(
  result: unknown,
  aggregates: readonly TAggregateRequest[],
  tables: readonly TTable[],
): unknown {
  const computed = new Map<number, THostAggregate>();
  return mapMarkers(result, (id) => {
    const req = aggregates.find((a) => a.id === id);
    if (!req) return undefined;
    let out = computed.get(id);
    if (!out) {
      out = computeAggregate(req, tables);
      computed.set(id, out);
    }
    return out;
  });
}

/** `{ intercept, x1: β1, … }` as own data properties. */
export function coefficientRecord(xs: string[], coef: ArrayLike<number>): Record<string, number> {
  return Object.fromEntries([['intercept', coef[0]!], ...xs.map((x, j) => [x, coef[j + 1]!] as const)]);
}

/** Positions in the frame's (sorted) labels of a request's grouping columns. */
export function labelPositions(req: TGroupByRequest, frame: TFrame): number[] {
  return req.groupBy.map((c) => frame.columns.indexOf(c));
}

function hostGroupBy(req: TGroupByRequest, frame: TFrame): THostGroupBy {
  const at = labelPositions(req, frame);
  const rows: (TLabel | number | null)[][] = [];
  const n: number[] = [];
  for (const g of frame.order) {
    const labels = frame.labels[g]!;
    const row: (TLabel | number | null)[] = at.map((j) => labels[j]!);
    for (const m of req.measures) {
      if (m.column === undefined) {
        row.push(frame.n[g]!);
        continue;
      }
      const s = frame.stats.get(m.column)!;
      const k = s.n[g]!;
      const nan = (v: number) => (Number.isNaN(v) ? null : v);
      switch (m.fn) {
        case 'count':
          row.push(k);
          break;
        case 'sum':
          row.push(s.sum![g]!);
          break;
        case 'mean':
          row.push(k > 0 ? s.sum![g]! / k : null);
          break;
        case 'variance':
          row.push(k > 1 ? s.m2![g]! / (k - 1) : null);
          break;
        case 'stddev':
          row.push(k > 1 ? Math.sqrt(s.m2![g]! / (k - 1)) : null);
          break;
        case 'min':
          row.push(nan(s.min![g]!));
          break;
        case 'max':
          row.push(nan(s.max![g]!));
          break;
        case 'median':
          row.push(nan(s.median![g]!));
          break;
      }
    }
    rows.push(row);
    n.push(frame.n[g]!);
  }
  return { columns: [...req.groupBy, ...req.measures.map(measureLabel)], rows, n };
}
