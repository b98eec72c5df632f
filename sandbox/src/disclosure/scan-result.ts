/** Deeper results are not released automatically (and not walked further). */
export const MAX_DEPTH = 64;

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

/** The ids of the markers in a result, in the order they appear. */
export function markerIds(result: unknown): number[] {
  const ids: number[] = [];
  mapMarkers(result, (id) => {
    if (!ids.includes(id)) ids.push(id);
    return undefined;
  });
  return ids;
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
