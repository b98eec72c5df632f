import { z } from 'zod';

const ZConfig = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  ENCLAVE_BOOTSTRAP_TOKEN: z.string().min(24).optional(),
  /** Requests per minute for callers without a token, and per token. */
  RATE_LIMIT_ANONYMOUS: z.coerce.number().int().positive().default(60),
  RATE_LIMIT_TOKEN: z.coerce.number().int().positive().default(1200),
  /** The platform signing key ring as JSON; else it lives in DATA_DIR/signing-keys.json. */
  ENCLAVE_SIGNING_KEYS: z.string().optional(),
  /** No licence may set minCellCount below this. */
  POLICY_MIN_CELL_FLOOR: z.coerce.number().int().min(1).default(5),
  /** Sandbox executor processes this process runs (0: none; runs wait for `enclave worker`). */
  SANDBOX_EXECUTORS: z.coerce.number().int().min(0).max(64).default(2),
  /** How often workers look for queued runs when no notification woke them. */
  SANDBOX_POLL_MS: z.coerce.number().int().min(10).max(3_600_000).default(500),
  SANDBOX_ISOLATE_MEMORY_MB: z.coerce.number().int().min(16).max(8192).default(256),
  /** Hex key of the cell-key perturbation; else kept in DATA_DIR/cell-key-secret. */
  ENCLAVE_CELL_KEY_SECRET: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
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
