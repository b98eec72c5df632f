import type { TAggregateRequest } from '../types.ts';

/** Deeper results are not released automatically (and not walked further). */
export const MAX_DEPTH = 64;

/**
 * Why a result cannot be released automatically. Deliberately coarse: the reason is shown to the
 * operator, so it names the kind of thing found, never its value, key or position (which a script
 * could make data-dependent).
 */
export const PROBLEMS = {
  number: 'a bare number',
  string: 'a string',
  boolean: 'a boolean',
  null: 'a null',
  other: 'a value that is not JSON',
  key: 'an object key that is not a literal of the script or its params',
  marker: 'a malformed { $aggregate } marker',
  unknownId: 'an { $aggregate } id the SDK did not record',
  deep: `nesting deeper than ${MAX_DEPTH} levels`,
  min: 'a min measure (reveals a single row’s value)',
  max: 'a max measure (reveals a single row’s value)',
  median: 'a median measure (reveals a single row’s value)',
} as const;
export type TProblem = keyof typeof PROBLEMS;

export type TScan = { ids: Set<number>; problems: Set<TProblem> };

/** Own key `$aggregate` and nothing else, with an integer id. */
export function markerId(value: Record<string, unknown>): number | null {
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== '$aggregate') return null;
  const id = value.$aggregate;
  return Number.isSafeInteger(id) ? (id as number) : null;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Walks a script's result: releasable only if it is a marker, or arrays and objects nesting only
 * markers, every key an allowed label, every marker naming a recorded aggregate whose measures
 * do not reveal single rows.
 */
export function scanResult(
  result: unknown,
  allowedLabels: Set<string>,
  recorded: Map<number, TAggregateRequest>,
): TScan {
  const ids = new Set<number>();
  const problems = new Set<TProblem>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) {
      problems.add('deep');
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    if (isPlainObject(v)) {
      if (Object.hasOwn(v, '$aggregate')) {
        const id = markerId(v);
        if (id === null) problems.add('marker');
        else if (!recorded.has(id)) problems.add('unknownId');
        else ids.add(id);
        return;
      }
      for (const [k, x] of Object.entries(v)) {
        if (!allowedLabels.has(k)) problems.add('key');
        walk(x, depth + 1);
      }
      return;
    }
    if (typeof v === 'number') problems.add('number');
    else if (typeof v === 'string') problems.add('string');
    else if (typeof v === 'boolean') problems.add('boolean');
    else if (v === null) problems.add('null');
    else problems.add('other');
  };
  walk(result, 0);
  for (const id of ids) {
    const req = recorded.get(id)!;
    if (req.kind !== 'groupBy') continue;
    for (const m of req.measures) {
      if (m.fn === 'min' || m.fn === 'max' || m.fn === 'median') problems.add(m.fn);
    }
  }
  return { ids, problems };
}

/** The review reason for a set of problems, in a fixed order. */
export function problemReason(problems: Set<TProblem>): string {
  const found = (Object.keys(PROBLEMS) as TProblem[]).filter((p) => problems.has(p)).map((p) => PROBLEMS[p]);
  return `not releasable automatically: the result contains ${found.join('; ')}; only SDK aggregates under literal keys are`;
}

/**
 * A copy of `value` with each marker replaced by `replace(id)` (markers it returns undefined for
 * stay as they are). Keys are copied as own data properties, so `__proto__` stays a plain key.
 */
export function mapMarkers(value: unknown, replace: (id: number) => unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((x) => mapMarkers(x, replace, depth + 1));
  if (isPlainObject(value)) {
    if (Object.hasOwn(value, '$aggregate')) {
      const id = markerId(value);
      const out = id === null ? undefined : replace(id);
      return out === undefined ? value : out;
    }
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, mapMarkers(x, replace, depth + 1)]));
  }
  return value;
}
