import type { TSigningKey } from './generate-signing-key.ts';
import { parseKeyRing, type TKeyRing } from './parse-key-ring.ts';

/**
 * The ring's one current key (not retired, with a private part), to pass to `signContract`.
 * Throws `CONTRACT_KEY_RING_INVALID` when the ring has none. Retired keys are never returned.
 */
export function currentSigningKey(ring: TKeyRing): TSigningKey {
  const current = parseKeyRing(ring).keys.find((k) => k.retiredAt === undefined)!;
  return { kid: current.kid, privateJwk: current.privateJwk!, publicJwk: current.publicJwk };
}
