import { parseKeyRing, type TKeyRing } from './parse-key-ring.ts';

export type TPublicJwk = { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; alg: 'EdDSA'; use: 'sig' };

/**
 * The JWKS to publish at `/.well-known/jwks.json` and to pass to `verifyContract`: every key of the
 * ring, retired ones included, public members only.
 */
export function publicJwks(ring: TKeyRing): { keys: TPublicJwk[] } {
  return {
    keys: parseKeyRing(ring).keys.map((k) => ({
      kty: 'OKP',
      crv: 'Ed25519',
      x: k.publicJwk.x,
      kid: k.kid,
      alg: 'EdDSA',
      use: 'sig',
    })),
  };
}
