import { base64url } from 'jose';

const ALPHABET = /^[A-Za-z0-9_-]*$/;

export const encodeBase64url = (bytes: Uint8Array | string): string => base64url.encode(bytes);

/**
 * Decodes unpadded base64url, accepting only the one canonical spelling of the bytes, so a
 * signed value cannot be re-encoded into a different string that means the same.
 */
export function decodeBase64url(text: string): Uint8Array | null {
  if (!ALPHABET.test(text) || text.length % 4 === 1) return null;
  let bytes: Uint8Array;
  try {
    bytes = base64url.decode(text);
  } catch {
    return null;
  }
  return base64url.encode(bytes) === text ? bytes : null;
}
