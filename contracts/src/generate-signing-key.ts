import { exportJWK, generateKeyPair } from 'jose';
import type { TEd25519PrivateJwk, TEd25519PublicJwk } from './lib/ed25519-jwk.ts';
import { thumbprintOf } from './lib/ed25519-jwk.ts';

export type { TEd25519PrivateJwk };

/**
 * An Ed25519 key pair as JWKs. `kid` is the RFC 7638 thumbprint of the public key, and
 * `publicJwk` carries it; `privateJwk` is `{ kty, crv, x, d }`. Keep `privateJwk` secret.
 */
export type TSigningKey = { kid: string; privateJwk: TEd25519PrivateJwk; publicJwk: TEd25519PublicJwk };

/** A fresh Ed25519 signing key (WebCrypto), for the platform's ring or an operator's client. */
export async function generateSigningKey(): Promise<TSigningKey> {
  const { privateKey } = await generateKeyPair('Ed25519', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const x = jwk.x!;
  const kid = await thumbprintOf({ x });
  return {
    kid,
    privateJwk: { kty: 'OKP', crv: 'Ed25519', x, d: jwk.d! },
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x, kid },
  };
}
