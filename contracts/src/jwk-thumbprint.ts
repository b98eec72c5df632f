import { parsePublicJwk, thumbprintOf } from './lib/ed25519-jwk.ts';

/**
 * The RFC 7638 JWK thumbprint (SHA-256 over `{"crv","kty","x"}`, base64url) of an Ed25519 public
 * key: the `kid` this package gives every key. Throws `CONTRACT_KEY_INVALID` for anything
 * `parsePublicEd25519Jwk` refuses, private keys included.
 */
export async function jwkThumbprint(publicJwk: unknown): Promise<string> {
  return thumbprintOf(parsePublicJwk(publicJwk));
}
