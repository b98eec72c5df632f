import { generateSigningKey } from './generate-signing-key.ts';
import { instant } from './lib/instant.ts';
import type { TKeyRing } from './parse-key-ring.ts';

/** A new ring holding one fresh current key, created `now`. */
export async function createKeyRing(now: Date): Promise<TKeyRing> {
  const createdAt = instant(now);
  const key = await generateSigningKey();
  return { keys: [{ kid: key.kid, privateJwk: key.privateJwk, publicJwk: key.publicJwk, createdAt }] };
}
