import type { Database, Db } from './db/client.ts';
import type { RateLimiter } from './http/rate-limit.ts';
import type { AuditKeyStore } from './keys/audit-key-store.ts';
import type { KeyStore } from './keys/key-store.ts';
import type { Clock } from './lib/clock.ts';
import type { Logger } from './lib/logger.ts';
import type { TPolicySettings } from './licences/policy.ts';
import type { ReadCounter } from './open/read-counter.ts';
import type { RunEvents } from './sandbox/run-events.ts';

export type TAppSettings = {
  /** Base URL used in absolute links (DCAT), without a trailing slash. */
  publicUrl: string;
  /** The built portal's folder, served at `/`; null: no portal (API only). */
  portalDir: string | null;
  /** Requests a minute: per address without a token, per token with one. */
  rateLimits: { anonymous: number; token: number };
  /** Self-registrations (`POST /v1/registrations`) an address may make an hour. */
  registrationsPerHour: number;
  /** Longest an open-data query may run on the database (a server; PGlite cannot interrupt one). */
  openQueryTimeoutMs: number;
  /** Licence policy floor and defaults. */
  policy: TPolicySettings;
  audit: {
    /** The origin line of checkpoints (C2SP tlog-checkpoint). */
    origin: string;
    /** How often the server issues a checkpoint if the log grew; 0: never on its own. */
    checkpointIntervalMs: number;
  };
  sandbox: {
    /** Heap limit of one run's isolate. */
    isolateMemoryMb: number;
    /** How often a worker looks for queued runs when nothing woke it. */
    pollMs: number;
    /** Time an executor gets past a run's wall limit before it is killed. */
    graceMs: number;
    /** Key of the released noise; the same on every worker, so a question gets the same answer anywhere. */
    noiseSecretHex: string;
  };
};

/** Everything a request handler may use, built once by the server (or a test) and passed in. */
export type Deps = {
  database: Database;
  db: Db;
  clock: Clock;
  logger: Logger;
  settings: TAppSettings;
  rateLimiter: RateLimiter;
  readCounter: ReadCounter;
  /** The platform's contract-signing keys. */
  keys: KeyStore;
  /** The audit log's checkpoint-signing key. */
  auditKey: AuditKeyStore;
  /** Announcements of finished sandbox runs, for long polls. */
  runEvents: RunEvents;
};
