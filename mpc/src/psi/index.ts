/**
 * Diffie–Hellman private set intersection over X25519 (commutative blinding): identifiers hashed to
 * Curve25519 points (RFC 9380), checked, blinded with WebCrypto X25519 and shuffled. Browser-safe:
 * `@noble/curves` and `globalThis.crypto` only.
 */
export {
  blindPoints,
  createBlindingKey,
  generateBlindingSecret,
  importBlindingSecret,
  type TBlindingKey,
  type TBlindOptions,
} from './blind.ts';
export { checkCurvePoints, isCurvePoint, POINT_BYTES } from './curve-point.ts';
export { hashIdentifier, hashIdentifiers, MAX_IDENTIFIER_BYTES, PSI_HASH_DST } from './hash-to-point.ts';
export { matchPoints } from './match-points.ts';
export { randomPermutation } from './shuffle.ts';
