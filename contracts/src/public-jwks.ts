import { parseKeyRing, type TKeyRing } from './parse-key-ring.ts';

export type TPublicJwk = {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
  /** When the key began to sign (ISO 8601). */
  validFrom: string;
  /** When it stopped: retired keys only. A contract issued outside these instants is refused. */
  validUntil?: string;
};

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
      validFrom: k.createdAt,
      ...(k.retiredAt !== undefined ? { validUntil: k.retiredAt } : {}),
    })),
  };
}
