import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  createKeyRing,
  parseKeyRing,
  publicJwks,
  rotateKeyRing,
  type TKeyRing,
  type TPublicJwk,
} from '@enclave/contracts';

/**
 * Where the platform's signing keys live. The ring holds every key ever used: the current one
 * with its private part, retired ones public only, so old contracts keep verifying.
 */
export interface KeyStore {
  ring(): Promise<TKeyRing>;
  /** Makes a new current key; the old one keeps only its public part. */
  rotate(now: Date): Promise<TKeyRing>;
  /** The public keys contracts are verified with, each with its signing period. */
  jwks(): Promise<{ keys: TPublicJwk[] }>;
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
    jwks: async () => publicJwks(await read()),
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
    async jwks() {
      return publicJwks(await this.ring());
    },
  };
}

const JWKS_REFRESH_MS = 60_000;

/**
 * Public keys only, for processes that verify contracts and never sign them (`enclave worker`):
 * the platform's JWKS from a file or from the API's `/.well-known/jwks.json`, re-read at most once
 * a minute so a rotation reaches the workers. It has no ring: asking it to sign or rotate throws.
 */
export function createPublicKeyStore(source: string): KeyStore {
  let cached: { at: number; jwks: { keys: TPublicJwk[] } } | null = null;
  const load = async () => {
    const text = /^https?:\/\//.test(source)
      ? await fetch(source, { redirect: 'error' }).then((res) => {
          if (!res.ok) throw new Error(`${source}: HTTP ${res.status}`);
          return res.text();
        })
      : readFileSync(source, 'utf8');
    const jwks = JSON.parse(text) as { keys?: unknown };
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error(`${source}: not a JWKS`);
    if (jwks.keys.some((k) => typeof k !== 'object' || k === null || 'd' in k))
      throw new Error(`${source}: a JWKS of public keys only`);
    return jwks as { keys: TPublicJwk[] };
  };
  const refuse = () => {
    throw new Error(
      'this process holds the platform’s public keys only: it verifies contracts, it cannot sign',
    );
  };
  return {
    ring: async () => refuse(),
    rotate: async () => refuse(),
    async jwks() {
      if (!cached || Date.now() - cached.at > JWKS_REFRESH_MS)
        cached = { at: Date.now(), jwks: await load() };
      return cached.jwks;
    },
  };
}
