import { z } from 'zod';
import { ContractError } from './errors.ts';
import {
  parsePrivateJwk,
  parsePublicJwk,
  type TEd25519PrivateJwk,
  type TEd25519PublicJwk,
} from './lib/ed25519-jwk.ts';

/**
 * The platform's signing keys, as stored (a 0600 file or configuration). Exactly one key is
 * current: not retired, with its private part. Retired keys keep only their public part, so they
 * can still verify old contracts and never sign again.
 */
export type TKeyRing = {
  keys: {
    kid: string;
    privateJwk?: TEd25519PrivateJwk;
    publicJwk: TEd25519PublicJwk;
    createdAt: string;
    retiredAt?: string;
  }[];
};

const ZStoredRing = z.strictObject({
  keys: z
    .array(
      z.strictObject({
        kid: z.string().min(1).max(256),
        privateJwk: z.unknown().optional(),
        publicJwk: z.unknown(),
        createdAt: z.iso.datetime(),
        retiredAt: z.iso.datetime().optional(),
      }),
    )
    .min(1),
});

function refuse(message: string, cause?: unknown): never {
  throw new ContractError('CONTRACT_KEY_RING_INVALID', message, { cause });
}

function keyOrRefuse<T>(at: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    return refuse(`${at}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

/**
 * Validates a stored key ring and returns a clean copy: every key an Ed25519 JWK pair, kids unique,
 * retired keys without a private part, exactly one current key and it has one. Throws
 * `CONTRACT_KEY_RING_INVALID`. (Synchronous, so it cannot recompute thumbprints; signing does.)
 */
export function parseKeyRing(value: unknown): TKeyRing {
  const parsed = ZStoredRing.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refuse(`not a key ring: ${issue?.path.join('.')}: ${issue?.message}`, parsed.error);
  }
  const seen = new Set<string>();
  const keys = parsed.data.keys.map((entry, i) => {
    const at = `keys[${i}]`;
    if (seen.has(entry.kid)) refuse(`${at}: kid ${entry.kid} appears twice`);
    seen.add(entry.kid);
    const pub = keyOrRefuse(`${at}.publicJwk`, () => parsePublicJwk(entry.publicJwk));
    if (pub.kid !== undefined && pub.kid !== entry.kid) refuse(`${at}: publicJwk.kid differs from kid`);
    const out: TKeyRing['keys'][number] = {
      kid: entry.kid,
      publicJwk: { kty: 'OKP', crv: 'Ed25519', x: pub.x, kid: entry.kid },
      createdAt: entry.createdAt,
    };
    if (entry.privateJwk !== undefined) {
      if (entry.retiredAt !== undefined) refuse(`${at}: a retired key must not keep its private part`);
      const priv = keyOrRefuse(`${at}.privateJwk`, () => parsePrivateJwk(entry.privateJwk));
      if (priv.x !== pub.x) refuse(`${at}: privateJwk and publicJwk are not a pair`);
      out.privateJwk = priv;
    }
    if (entry.retiredAt !== undefined) out.retiredAt = entry.retiredAt;
    return out;
  });
  const current = keys.filter((k) => k.retiredAt === undefined);
  if (current.length !== 1) refuse(`a ring has exactly one current (non-retired) key, not ${current.length}`);
  if (!current[0]!.privateJwk) refuse('the current key has no private part');
  return { keys };
}
