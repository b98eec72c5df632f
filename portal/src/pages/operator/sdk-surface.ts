/**
 * What a sandbox script sees (sandbox/README.md, "Writing a script"), for the editor's completions:
 * the `enclave` SDK, its tables' members and aggregates, and the contract's datasets and columns.
 * Pure: text before the cursor in, options out, so it is tested without an editor.
 */

export type TSdkColumn = {
  name: string;
  type: string;
  description?: string;
  min?: number;
  max?: number;
  codes?: unknown[];
};
export type TSdkTable = { slug: string; title?: string; columns: TSdkColumn[] };
export type TCompletionKind = 'function' | 'method' | 'property' | 'variable' | 'constant' | 'text' | 'type';
export type TOption = { label: string; type: TCompletionKind; detail?: string; info?: string };
export type TCompletions = { from: number; options: TOption[] };

const fn = (label: string, detail: string, info: string): TOption => ({
  label,
  type: 'method',
  detail,
  info,
});

export const GLOBALS: TOption[] = [
  {
    label: 'enclave',
    type: 'variable',
    detail: 'SDK',
    info: 'enclave.table(slug), enclave.tables, enclave.kind',
  },
  { label: 'params', type: 'variable', detail: 'JSON', info: 'a copy of the run’s parameters' },
  { label: 'console', type: 'variable', detail: 'log', info: 'console.log/info/warn/error: the run’s logs' },
];

export const ENCLAVE_MEMBERS: TOption[] = [
  fn('table', '(slug) → Table', 'opens a licensed table; only the contract’s columns'),
  { label: 'tables', type: 'property', detail: 'string[]', info: 'the licensed tables’ slugs' },
  { label: 'kind', type: 'property', detail: "'aggregate' | 'rows'", info: 'the kind of this run' },
];

/** Members of a table or view, of a group-by, and of an aggregate handle. */
export const TABLE_MEMBERS: TOption[] = [
  fn('where', '(column, op, value) → view', "op: 'eq' 'ne' 'lt' 'lte' 'gt' 'gte' 'in'"),
  fn('filter', '((row, i) => boolean) → view', 'a view of the rows the predicate keeps (row runs)'),
  fn('groupBy', '(...columns) → GroupBy', 'groups by columns with public values'),
  fn('agg', "({ n: 'count', m: [fn, column, bounds?] }) → handle", 'several named measures'),
  fn('count', '(column?) → handle', 'rows, or non-null values of a column'),
  fn('sum', '(column, bounds?) → handle', 'sum, clamped to bounds { min, max }'),
  fn('mean', '(column, bounds?) → handle', 'mean, clamped to bounds { min, max }'),
  fn('variance', '(column, bounds?) → handle', 'sample variance'),
  fn('stddev', '(column, bounds?) → handle', 'sample standard deviation'),
  fn('crosstab', '(a, b) → handle', 'groupBy(a, b).count()'),
  fn('histogram', '(column, edges) → handle', 'counts in bins [e0,e1), …'),
  fn('regression', '(y, [x1, x2…], { bounds? }) → handle', 'ordinary least squares with an intercept'),
  fn('col', '(name) → array', 'the column over this view'),
  fn('nulls', '(name) → Uint8Array | null', '1 where null'),
  fn('rows', '() → iterator', 'plain objects, for loop-style code'),
  { label: 'columns', type: 'property', detail: 'string[]', info: 'the licensed column names' },
  { label: 'schema', type: 'property', detail: '[{ name, type, … }]', info: 'from the catalogue' },
  { label: 'rowCount', type: 'property', detail: 'number', info: 'rows in this view' },
  { label: 'name', type: 'property', detail: 'string', info: 'the table’s slug' },
  fn('preview', '() → values', 'exact values over the rows this script sees; never released'),
  fn('release', '(epsilon) → Promise<table>', 'releases the aggregate now, under disclosure control'),
];

export const OPS: TOption[] = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in'].map((label) => ({
  label,
  type: 'constant',
  detail: 'where op',
}));
export const MEASURES: TOption[] = ['count', 'sum', 'mean', 'variance', 'stddev'].map((label) => ({
  label,
  type: 'constant',
  detail: 'measure',
}));

/**
 * The completions at the end of `before` (the document up to the cursor), or null where the SDK
 * has nothing to offer (the editor's own JavaScript completions apply there).
 */
export function sdkCompletions(before: string, tables: TSdkTable[]): TCompletions | null {
  const tail = before.slice(-400);
  const base = before.length - tail.length;
  let m = /enclave\s*\.\s*table\(\s*['"`]([\w-]*)$/.exec(tail);
  if (m) {
    return {
      from: base + tail.length - m[1]!.length,
      options: tables.map((tb) => ({
        label: tb.slug,
        type: 'text',
        detail: tb.title ?? 'table',
        info: tb.columns.map((c) => c.name).join(', '),
      })),
    };
  }
  m = /['"`]([\w-]*)$/.exec(tail);
  if (m) {
    const from = base + tail.length - m[1]!.length;
    const head = tail.slice(0, -m[0].length);
    // The second argument of where() is its operator; a measure spec's first string is a measure.
    if (/\.where\(\s*['"`][\w-]*['"`]\s*,\s*$/.test(head)) return { from, options: OPS };
    const isSpec = /[[:]\s*$/.test(head);
    return { from, options: [...(isSpec ? MEASURES : []), ...columnOptions(tables)] };
  }
  m = /\benclave\s*\.\s*(\w*)$/.exec(tail);
  if (m) return { from: base + tail.length - m[1]!.length, options: ENCLAVE_MEMBERS };
  m = /(?:(?:^|[^\w$])[A-Za-z_$][\w$]*|[)\]])\s*\.\s*(\w*)$/.exec(tail);
  if (m) {
    const word = /(\w*)$/.exec(tail)![1]!;
    return { from: base + tail.length - word.length, options: TABLE_MEMBERS };
  }
  m = /(?:^|[^\w.$'"`])([A-Za-z_$][\w$]*)$/.exec(tail);
  if (m) return { from: base + tail.length - m[1]!.length, options: GLOBALS };
  return null;
}

function columnOptions(tables: TSdkTable[]): TOption[] {
  const seen = new Map<string, TOption>();
  for (const tb of tables)
    for (const c of tb.columns) {
      const had = seen.get(c.name);
      if (had) had.detail = `${had.detail}, ${tb.slug}`;
      else
        seen.set(c.name, {
          label: c.name,
          type: 'property',
          detail: `${c.type} · ${tb.slug}`,
          ...(c.description ? { info: c.description } : {}),
        });
    }
  return [...seen.values()];
}

const isNumeric = (c: TSdkColumn) =>
  (c.type === 'integer' || c.type === 'number') && c.min !== undefined && c.max !== undefined;
const isGroupable = (c: TSdkColumn) => Array.isArray(c.codes) && c.codes.length > 0 && c.codes.length <= 50;

/** A first script for the contract's first table: counts and a bounded mean by a public grouping column. */
export function exampleScript(tables: TSdkTable[]): string {
  const tb = tables[0];
  if (!tb) return 'return {};\n';
  const group = tb.columns.find(isGroupable);
  const measure = tb.columns.find((c) => isNumeric(c) && !isGroupable(c));
  const lines = [`const t = enclave.table('${tb.slug}');`, ''];
  const grouped = group ? `t.groupBy('${group.name}')` : 't';
  const measures = measure
    ? `{ n: 'count', avg: ['mean', '${measure.name}', { min: ${measure.min}, max: ${measure.max} }] }`
    : `{ n: 'count' }`;
  lines.push('return {', `  total: t.count(),`, `  summary: ${grouped}.agg(${measures}),`, '};', '');
  return lines.join('\n');
}
