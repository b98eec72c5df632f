import { parsePublicJwk, type TEd25519PublicJwk } from './lib/ed25519-jwk.ts';

export type { TEd25519PublicJwk };

/**
 * Validates an Ed25519 public key as a JWK and returns only its public members (plus `kid` when
 * present). Refused with `CONTRACT_KEY_INVALID`: private keys (`d`), any other `kty`/`crv` (RSA,
 * P-256, X25519…), an `x` that is not 32 bytes of canonical base64url, small-order points, and
 * members outside kty/crv/x/kid/alg/use/key_ops/ext (so no `x5u`, `jku`, `x5c`…). Accepts what
 * WebCrypto's `exportKey('jwk', publicKey)` produces.
 *
 * A `kid` is returned as given; it is not checked against the thumbprint here (see `jwkThumbprint`).
 */
export function parsePublicEd25519Jwk(jwk: unknown): TEd25519PublicJwk {
  return parsePublicJwk(jwk);
}
