import { generateSigningKey } from './generate-signing-key.ts';
import { instant } from './lib/instant.ts';
import { parseKeyRing, type TKeyRing } from './parse-key-ring.ts';

/**
 * A new ring (the one given is not changed) with a fresh current key. The previous current key is
 * retired `now` and its private part dropped, so it can never sign again; it stays in the ring, and
 * so in `publicJwks`, so contracts it signed still verify.
 */
export async function rotateKeyRing(ring: TKeyRing, now: Date): Promise<TKeyRing> {
  const at = instant(now);
  const { keys } = parseKeyRing(ring);
  const next = await generateSigningKey();
  return {
    keys: [
      ...keys.map(({ privateJwk: _dropped, ...k }) =>
        k.retiredAt === undefined ? { ...k, retiredAt: at } : k,
      ),
      { kid: next.kid, privateJwk: next.privateJwk, publicJwk: next.publicJwk, createdAt: at },
    ],
  };
}
