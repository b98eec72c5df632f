import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseKeyRing } from '@enclave/contracts';
import { createMpcPool } from '@enclave/mpc';
import { createExecutorPool } from '@enclave/sandbox';
import { serve } from '@hono/node-server';
import { bootstrapAdmin } from './accounts/bootstrap-admin.ts';
import { createApp } from './app.ts';
import { startCheckpointSchedule } from './audit/checkpoint-schedule.ts';
import type { TConfig } from './config.ts';
import { type Database, openDatabase } from './db/client.ts';
import { migrateDatabase } from './db/migrate.ts';
import type { Deps } from './deps.ts';
import { answerClientErrors } from './http/client-errors.ts';
import { createRateLimiter } from './http/rate-limit.ts';
import { createJobDispatcher } from './jobs/job-dispatcher.ts';
import {
  type AuditKeyStore,
  createFileAuditKeyStore,
  createMemoryAuditKeyStore,
} from './keys/audit-key-store.ts';
import { createFileKeyStore, createMemoryKeyStore, type KeyStore } from './keys/key-store.ts';
import { type Clock, systemClock } from './lib/clock.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { DEFAULT_POLICY_SETTINGS } from './licences/policy.ts';
import { mpcJobHandlers } from './mpc/mpc-jobs.ts';
import { createReadCounter } from './open/read-counter.ts';
import { createRunEvents } from './sandbox/run-events.ts';
import { sandboxJobHandlers } from './sandbox/sandbox-jobs.ts';

/** Builds the dependencies of the app from configuration and an open database. */
export function createDeps(
  config: TConfig,
  database: Database,
  overrides: { clock?: Clock; logger?: Logger; keys?: KeyStore; auditKey?: AuditKeyStore } = {},
): Deps {
  const clock = overrides.clock ?? systemClock;
  return {
    database,
    db: database.db,
    clock,
    keys: overrides.keys ?? createConfiguredKeyStore(config, clock),
    auditKey: overrides.auditKey ?? createConfiguredAuditKeyStore(config),
    logger: overrides.logger ?? createLogger(config.LOG_LEVEL),
    settings: {
      publicUrl: (config.ENCLAVE_PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/+$/, ''),
      portalDir: config.PORTAL_DIR ?? fileURLToPath(new URL('../../portal/dist', import.meta.url)),
      rateLimits: { anonymous: config.RATE_LIMIT_ANONYMOUS, token: config.RATE_LIMIT_TOKEN },
      registrationsPerHour: config.ENCLAVE_REGISTRATIONS_PER_HOUR,
      openQueryTimeoutMs: config.OPEN_QUERY_TIMEOUT_MS,
      policy: {
        floorMinCellCount: config.POLICY_MIN_CELL_FLOOR,
        defaults: {
          ...DEFAULT_POLICY_SETTINGS.defaults,
          epsilon: config.POLICY_EPSILON,
          epsilonPerRun: Math.min(config.POLICY_EPSILON, config.POLICY_EPSILON_PER_RUN),
        },
      },
      audit: {
        origin: config.ENCLAVE_AUDIT_ORIGIN,
        checkpointIntervalMs: config.ENCLAVE_AUDIT_CHECKPOINT_INTERVAL_S * 1000,
      },
      sandbox: {
        isolateMemoryMb: config.SANDBOX_ISOLATE_MEMORY_MB,
        pollMs: config.SANDBOX_POLL_MS,
        graceMs: config.SANDBOX_GRACE_MS,
        noiseSecretHex: noiseSecret(config),
      },
    },
    rateLimiter: createRateLimiter(),
    readCounter: createReadCounter(database.db),
    runEvents: createRunEvents(database),
  };
}

/** The noise secret from configuration, else from DATA_DIR/noise-secret, made on first use. */
function noiseSecret(config: TConfig): string {
  if (config.ENCLAVE_NOISE_SECRET) return config.ENCLAVE_NOISE_SECRET;
  const path = join(config.DATA_DIR, 'noise-secret');
  if (!existsSync(path)) {
    mkdirSync(config.DATA_DIR, { recursive: true });
    writeFileSync(path, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(path, 'utf8').trim();
}

/** The signing keys from ENCLAVE_SIGNING_KEYS, else from DATA_DIR/signing-keys.json (0600). */
export function createConfiguredKeyStore(config: TConfig, clock: Clock): KeyStore {
  if (config.ENCLAVE_SIGNING_KEYS)
    return createMemoryKeyStore(parseKeyRing(JSON.parse(config.ENCLAVE_SIGNING_KEYS)), clock);
  return createFileKeyStore(join(config.DATA_DIR, 'signing-keys.json'), clock);
}

/** The checkpoint key from ENCLAVE_AUDIT_KEY, else from DATA_DIR/audit-signing-key (0600). */
export function createConfiguredAuditKeyStore(config: TConfig): AuditKeyStore {
  if (config.ENCLAVE_AUDIT_KEY)
    return createMemoryAuditKeyStore(config.ENCLAVE_AUDIT_KEY, config.ENCLAVE_AUDIT_ORIGIN);
  return createFileAuditKeyStore(join(config.DATA_DIR, 'audit-signing-key'), config.ENCLAVE_AUDIT_ORIGIN);
}

export async function openConfiguredDatabase(config: TConfig): Promise<Database> {
  return openDatabase(config.DATABASE_URL ? { url: config.DATABASE_URL } : { dataDir: config.DATA_DIR });
}

/** Resident memory past which a joint-computation worker is recycled: SEAL's heap never shrinks. */
export const MPC_RSS_LIMIT_BYTES = 1024 ** 3;

/**
 * The worker: a pool of executor processes and the dispatcher that feeds it every kind of job from
 * the one queue (sandbox runs today). `npm start` runs one beside the API; `enclave worker` runs
 * one alone, on any machine that reaches the database.
 */
export function startSandboxWorker(deps: Deps, executors: number) {
  const pool = createExecutorPool({
    size: executors,
    graceMs: deps.settings.sandbox.graceMs,
    isolateMemoryMb: deps.settings.sandbox.isolateMemoryMb,
  });
  // Joint computations: SEAL and curve arithmetic in processes of their own, at most one per core.
  const mpc = createMpcPool({
    size: Math.min(executors, availableParallelism()),
    rssLimitBytes: MPC_RSS_LIMIT_BYTES,
  });
  const handlers = { ...sandboxJobHandlers(deps, pool), ...mpcJobHandlers(deps, mpc) };
  const dispatcher = createJobDispatcher(deps, handlers, {
    slots: executors,
    workerId: `${hostname()}:${process.pid}`,
    pollMs: deps.settings.sandbox.pollMs,
  });
  const unlisten = deps.runEvents.onQueued(dispatcher.wake).catch((err) => {
    deps.logger.warn('cannot listen for queued runs; polling only', { error: String(err) });
    return async () => {};
  });
  return {
    dispatcher,
    pool,
    mpc,
    async stop() {
      await (await unlisten)();
      await dispatcher.stop();
      await pool.close();
      await mpc.close();
    },
  };
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
  deps.auditKey.signer();
  const boot = await bootstrapAdmin(deps, {
    token: config.ENCLAVE_BOOTSTRAP_TOKEN,
    dataDir: config.DATA_DIR,
  });
  await hooks.afterMigrate?.(deps);
  const sandbox = config.SANDBOX_EXECUTORS > 0 ? startSandboxWorker(deps, config.SANDBOX_EXECUTORS) : null;
  const app = createApp(deps);
  const checkpoints = startCheckpointSchedule(deps);
  const flushTimer = setInterval(() => {
    deps.readCounter
      .flush()
      .catch((err) => deps.logger.warn('read counter flush failed', { error: String(err) }));
  }, 10_000);
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST });
  answerClientErrors(server as Server);
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const stop = async () => {
    clearInterval(flushTimer);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sandbox?.stop();
    await checkpoints.stop();
    await deps.readCounter.flush().catch(() => {});
    await database.close();
  };
  return { deps, port, boot, stop, url: `http://${config.HOST}:${port}` };
}
