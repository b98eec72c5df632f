import { z } from 'zod';
import { isValidKeyName } from './audit/checkpoint.ts';

const ZConfig = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  /** Where callers reach the platform (behind a proxy, its public address): links in DCAT are built from it. */
  ENCLAVE_PUBLIC_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(u), 'an http(s) address without query or fragment')
    .optional(),
  DATA_DIR: z.string().default('./data'),
  /** The built portal (`npm run build -w portal`); served at `/`. */
  PORTAL_DIR: z.string().optional(),
  DATABASE_URL: z.string().url().optional(),
  ENCLAVE_BOOTSTRAP_TOKEN: z.string().min(24).optional(),
  /** Requests per minute for callers without a token, and per token. */
  RATE_LIMIT_ANONYMOUS: z.coerce.number().int().positive().default(60),
  RATE_LIMIT_TOKEN: z.coerce.number().int().positive().default(1200),
  /** Self-registrations an address may make an hour. */
  ENCLAVE_REGISTRATIONS_PER_HOUR: z.coerce.number().int().positive().default(5),
  /** Longest an open-data aggregate query may run, ms. */
  OPEN_QUERY_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(10_000),
  /** The platform signing key ring as JSON; else it lives in DATA_DIR/signing-keys.json. */
  ENCLAVE_SIGNING_KEYS: z.string().optional(),
  /** For `enclave worker`: the platform's public JWKS (a file, or the API's /.well-known/jwks.json). */
  ENCLAVE_JWKS: z.string().min(1).optional(),
  /** No licence may set minCellCount below this. */
  POLICY_MIN_CELL_FLOOR: z.coerce.number().int().min(1).default(5),
  /** Sandbox executor processes this process runs (0: none; runs wait for `enclave worker`). */
  SANDBOX_EXECUTORS: z.coerce.number().int().min(0).max(64).default(2),
  /** How often workers look for queued runs when no notification woke them. */
  SANDBOX_POLL_MS: z.coerce.number().int().min(10).max(3_600_000).default(500),
  SANDBOX_ISOLATE_MEMORY_MB: z.coerce.number().int().min(16).max(8192).default(256),
  /** Time an executor gets past a run's wall limit before it is killed; a row run's outcome shows after both. */
  SANDBOX_GRACE_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /** The privacy budget of a contract whose providers set none, and what one run spends by default. */
  POLICY_EPSILON: z.coerce.number().positive().max(100).default(10),
  POLICY_EPSILON_PER_RUN: z.coerce.number().positive().max(100).default(1),
  /** Hex key of the noise released numbers carry; else kept in DATA_DIR/noise-secret. */
  ENCLAVE_NOISE_SECRET: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** The audit log's identity: first line of its checkpoints, and the name of a new signing key. */
  ENCLAVE_AUDIT_ORIGIN: z
    .string()
    .refine(isValidKeyName, 'no spaces, plus signs or control characters')
    .default('enclave.localhost/audit'),
  /** The checkpoint-signing key (`PRIVATE+KEY+…`, Go sumdb/note format); else DATA_DIR/audit-signing-key. */
  ENCLAVE_AUDIT_KEY: z.string().startsWith('PRIVATE+KEY+').optional(),
  /** Seconds between checkpoints of a growing audit log (0: only on request). */
  ENCLAVE_AUDIT_CHECKPOINT_INTERVAL_S: z.coerce.number().int().min(0).max(86_400).default(60),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export type TConfig = z.infer<typeof ZConfig>;

/** Parses the environment once, at start; a bad value stops the process with the field named. */
export function parseConfig(env: Record<string, string | undefined>): TConfig {
  const parsed = ZConfig.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${fields}`);
  }
  return parsed.data;
}
