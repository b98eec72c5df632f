import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createKeyRing, parseKeyRing, rotateKeyRing, type TKeyRing } from '@enclave/contracts';

/**
 * Where the platform's signing keys live. The ring holds every key ever used: the current one
 * with its private part, retired ones public only, so old contracts keep verifying.
 */
export interface KeyStore {
  ring(): Promise<TKeyRing>;
  /** Makes a new current key; the old one keeps only its public part. */
  rotate(now: Date): Promise<TKeyRing>;
}

/** A ring in a JSON file (mode 0600), created on first use and re-read when the file changes. */
export function createFileKeyStore(path: string, clock: { now(): Date }): KeyStore {
  let cached: { mtimeMs: number; ring: TKeyRing } | null = null;
  const write = (ring: TKeyRing) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(ring, null, 2)}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
  };
  const read = async (): Promise<TKeyRing> => {
    if (!existsSync(path)) write(await createKeyRing(clock.now()));
    const { mtimeMs } = statSync(path);
    if (cached?.mtimeMs !== mtimeMs)
      cached = { mtimeMs, ring: parseKeyRing(JSON.parse(readFileSync(path, 'utf8'))) };
    return cached.ring;
  };
  return {
    ring: read,
    async rotate(now) {
      const next = await rotateKeyRing(await read(), now);
      write(next);
      cached = null;
      return next;
    },
  };
}

/** A ring given by configuration (ENCLAVE_SIGNING_KEYS) or built in memory for tests. */
export function createMemoryKeyStore(initial: TKeyRing | null, clock: { now(): Date }): KeyStore {
  let ring = initial;
  return {
    async ring() {
      ring ??= await createKeyRing(clock.now());
      return ring;
    },
    async rotate(now) {
      ring = await rotateKeyRing(await this.ring(), now);
      return ring;
    },
  };
}
