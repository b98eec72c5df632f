export type TJsonObject = { [name: string]: unknown };

export const isJsonObject = (value: unknown): value is TJsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** True when `value` has exactly these own members, no more, no fewer. */
export function hasExactly(value: TJsonObject, names: readonly string[]): boolean {
  const own = Object.keys(value);
  return own.length === names.length && names.every((n) => Object.hasOwn(value, n));
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strict UTF-8 (no replacement characters, a BOM kept so it is seen and refused later). */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
