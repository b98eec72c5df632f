import { join } from 'node:path';
import { parseKeyRing } from '@enclave/contracts';
import { serve } from '@hono/node-server';
import { bootstrapAdmin } from './accounts/bootstrap-admin.ts';
import { createApp } from './app.ts';
import type { TConfig } from './config.ts';
import { type Database, openDatabase } from './db/client.ts';
import { migrateDatabase } from './db/migrate.ts';
import type { Deps } from './deps.ts';
import { createRateLimiter } from './http/rate-limit.ts';
import { createFileKeyStore, createMemoryKeyStore, type KeyStore } from './keys/key-store.ts';
import { type Clock, systemClock } from './lib/clock.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { DEFAULT_POLICY_SETTINGS } from './licences/policy.ts';
import { createReadCounter } from './open/read-counter.ts';

/** Builds the dependencies of the app from configuration and an open database. */
export function createDeps(
  config: TConfig,
  database: Database,
  overrides: { clock?: Clock; logger?: Logger; keys?: KeyStore } = {},
): Deps {
  const clock = overrides.clock ?? systemClock;
  return {
    database,
    db: database.db,
    clock,
    keys: overrides.keys ?? createConfiguredKeyStore(config, clock),
    logger: overrides.logger ?? createLogger(config.LOG_LEVEL),
    settings: {
      maxJsonBytes: 1024 * 1024,
      publicUrl: `http://${config.HOST}:${config.PORT}`,
      rateLimits: { anonymous: config.RATE_LIMIT_ANONYMOUS, token: config.RATE_LIMIT_TOKEN },
      policy: { ...DEFAULT_POLICY_SETTINGS, floorMinCellCount: config.POLICY_MIN_CELL_FLOOR },
    },
    rateLimiter: createRateLimiter(),
    readCounter: createReadCounter(database.db),
  };
}

/** The signing keys from ENCLAVE_SIGNING_KEYS, else from DATA_DIR/signing-keys.json (0600). */
export function createConfiguredKeyStore(config: TConfig, clock: Clock): KeyStore {
  if (config.ENCLAVE_SIGNING_KEYS)
    return createMemoryKeyStore(parseKeyRing(JSON.parse(config.ENCLAVE_SIGNING_KEYS)), clock);
  return createFileKeyStore(join(config.DATA_DIR, 'signing-keys.json'), clock);
}

export async function openConfiguredDatabase(config: TConfig): Promise<Database> {
  return openDatabase(config.DATABASE_URL ? { url: config.DATABASE_URL } : { dataDir: config.DATA_DIR });
}

/** Starts the API: migrations, first-start admin, then listening. */
export async function startServer(
  config: TConfig,
  hooks: { afterMigrate?: (deps: Deps) => Promise<void> } = {},
) {
  const database = await openConfiguredDatabase(config);
  await migrateDatabase(database);
  const deps = createDeps(config, database);
  await deps.keys.ring();
  const boot = await bootstrapAdmin(deps, {
    token: config.ENCLAVE_BOOTSTRAP_TOKEN,
    dataDir: config.DATA_DIR,
  });
  await hooks.afterMigrate?.(deps);
  const app = createApp(deps);
  const flushTimer = setInterval(() => {
    deps.readCounter
      .flush()
      .catch((err) => deps.logger.warn('read counter flush failed', { error: String(err) }));
  }, 10_000);
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const stop = async () => {
    clearInterval(flushTimer);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await deps.readCounter.flush().catch(() => {});
    await database.close();
  };
  return { deps, port, boot, stop, url: `http://${config.HOST}:${port}` };
}
