/** Stable error codes of the API; every failure a caller sees carries one. */
export type TErrorCode =
  | 'VALIDATION_FAILED'
  | 'MALFORMED_BODY'
  | 'MALFORMED_REQUEST'
  | 'UNAUTHENTICATED'
  | 'INVALID_CREDENTIALS'
  | 'ACCOUNT_LOCKED'
  | 'CSRF_REJECTED'
  | 'LINK_INVALID'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INVALID_STATE'
  | 'INGEST_IN_PROGRESS'
  | 'INGEST_INVALID'
  | 'OPEN_DATA_NOT_AVAILABLE'
  | 'QUERY_TIMEOUT'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'DATABASE_UNAVAILABLE'
  | 'INTERNAL'
  | 'OPERATOR_KEY_REQUIRED'
  | 'CONTRACT_SIGNATURE_INVALID'
  | 'CONTRACT_NOT_ACTIVE'
  | 'CONTRACT_REVOKED'
  | 'CONTRACT_EXPIRED'
  | 'CONTRACT_NOT_YET_VALID'
  | 'CONTRACT_INTEGRITY_FAILED'
  | 'OPERATION_NOT_LICENSED'
  | 'DATASET_NOT_LICENSED'
  | 'COLUMN_NOT_LICENSED'
  | 'QUOTA_EXCEEDED'
  | 'BUDGET_EXHAUSTED'
  | 'AUDIT_BAD_RANGE'
  | 'AUDIT_SIZE_BEYOND_LOG'
  | 'AUDIT_LOG_INCONSISTENT'
  | 'MPC_INPUT_INVALID'
  | 'MPC_KEYS_MISSING'
  | 'MPC_NOT_RELEASABLE'
  | 'GRANT_REVOKED'
  | 'GRANT_EXPIRED'
  | 'GRANT_NOT_YET_VALID';

/** The one table from error code to HTTP status. */
export const codeToStatus = {
  VALIDATION_FAILED: 400,
  MALFORMED_BODY: 400,
  MALFORMED_REQUEST: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  ACCOUNT_LOCKED: 429,
  CSRF_REJECTED: 403,
  LINK_INVALID: 410,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  INVALID_STATE: 409,
  INGEST_IN_PROGRESS: 409,
  OPEN_DATA_NOT_AVAILABLE: 404,
  QUERY_TIMEOUT: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INGEST_INVALID: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  DATABASE_UNAVAILABLE: 503,
  OPERATOR_KEY_REQUIRED: 409,
  CONTRACT_SIGNATURE_INVALID: 422,
  CONTRACT_NOT_ACTIVE: 409,
  CONTRACT_REVOKED: 403,
  CONTRACT_EXPIRED: 403,
  CONTRACT_NOT_YET_VALID: 403,
  CONTRACT_INTEGRITY_FAILED: 409,
  OPERATION_NOT_LICENSED: 403,
  DATASET_NOT_LICENSED: 403,
  COLUMN_NOT_LICENSED: 403,
  QUOTA_EXCEEDED: 429,
  BUDGET_EXHAUSTED: 409,
  AUDIT_BAD_RANGE: 400,
  AUDIT_SIZE_BEYOND_LOG: 400,
  AUDIT_LOG_INCONSISTENT: 500,
  MPC_INPUT_INVALID: 422,
  MPC_KEYS_MISSING: 409,
  MPC_NOT_RELEASABLE: 422,
  GRANT_REVOKED: 403,
  GRANT_EXPIRED: 403,
  GRANT_NOT_YET_VALID: 403,
} as const satisfies Record<TErrorCode, number>;

export type TFieldError = { path: string; message: string };

/** A failure with a stable code; `detail` is shown to the caller, so it never holds internals. */
export class AppError extends Error {
  readonly code: TErrorCode;
  readonly extra: Record<string, unknown> | undefined;
  constructor(code: TErrorCode, detail: string, extra?: Record<string, unknown>) {
    super(detail);
    this.name = 'AppError';
    this.code = code;
    this.extra = extra;
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
export const invalid = (errors: TFieldError[]) =>
  new AppError('VALIDATION_FAILED', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
