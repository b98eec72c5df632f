import { MEASURE_FNS, type TAggregateRequest, type TRowFilter, WHERE_OPS } from '@enclave/sandbox';
import { sha256Hex } from '../lib/hash.ts';

/** Comments, string and template literals, numbers and white space, in one left-to-right pass. */
const TOKEN =
  /\/\/[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`|\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b|\s+/gi;

const SDK_WORDS = [...MEASURE_FNS, ...WHERE_OPS];

/**
 * A digest of a script's query shape: its text with comments and white space dropped and every
 * literal value blanked (numbers, and strings other than the contract's table and column names and
 * the SDK's operator and measure names). Scripts that ask the same questions about different rows,
 * by editing the filter values or bin edges written in them, share it; with the same script and
 * other `params` the shape is the same too. A lexical approximation, for the regulator's
 * near-identical-query alert, not a security boundary.
 *
 * ```ts
 * queryShapeOf(`t.where('age', 'lt', 30).count()`, ['age']) === queryShapeOf(`t.where('age','lt',31).count()`, ['age'])
 * ```
 */
export function queryShapeOf(script: string, names: readonly string[]): string {
  const kept = new Set([...names, ...SDK_WORDS]);
  const skeleton = script.replace(TOKEN, (token) => {
    const first = token[0]!;
    if (first === "'" || first === '"' || first === '`') return kept.has(token.slice(1, -1)) ? token : '?';
    if (first === '/' || /\s/.test(first)) return '';
    return '0';
  });
  return sha256Hex(skeleton);
}

/**
 * The query shape of a run from the aggregates it asked the host for: tables, groupings, measures,
 * and which columns were filtered how, without the filter values or bin edges. Unlike the script's
 * text, renaming variables or reformatting the script does not change it.
 */
export function aggregateShapeOf(aggregates: readonly TAggregateRequest[]): string {
  const filter = (f: TRowFilter | undefined) =>
    f?.kind === 'where' ? f.clauses.map((c) => [c.column, c.op]) : (f?.kind ?? 'all');
  const shapes = aggregates.map((a) => {
    switch (a.kind) {
      case 'groupBy':
        return [
          a.kind,
          a.table,
          a.groupBy,
          a.measures.map((m) => [m.fn, m.column ?? null]),
          filter(a.filter),
        ];
      case 'histogram':
        return [a.kind, a.table, a.column, a.edges.length, filter(a.filter)];
      default:
        return [a.kind, a.table, a.y, a.x, filter(a.filter)];
    }
  });
  return sha256Hex(JSON.stringify(shapes));
}
