import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError, codeToStatus, type TErrorCode, type TFieldError } from '../errors.ts';

const TITLES: Record<TErrorCode, string> = {
  VALIDATION_FAILED: 'Invalid request',
  MALFORMED_BODY: 'Malformed body',
  MALFORMED_REQUEST: 'Malformed request',
  UNAUTHENTICATED: 'Authentication required',
  INVALID_CREDENTIALS: 'Wrong login or password',
  ACCOUNT_LOCKED: 'Sign-in locked',
  CSRF_REJECTED: 'Cross-site request refused',
  LINK_INVALID: 'Link invalid, used or expired',
  FORBIDDEN: 'Forbidden',
  NOT_FOUND: 'Not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  CONFLICT: 'Conflict',
  INVALID_STATE: 'Not allowed in the current state',
  INGEST_IN_PROGRESS: 'Another upload is in progress',
  INGEST_INVALID: 'Upload rejected',
  OPEN_DATA_NOT_AVAILABLE: 'Not available as open data',
  QUERY_TIMEOUT: 'Query ran too long',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  RATE_LIMITED: 'Too many requests',
  INTERNAL: 'Internal error',
  DATABASE_UNAVAILABLE: 'Service unavailable',
  OPERATOR_KEY_REQUIRED: 'Countersigning key required',
  CONTRACT_SIGNATURE_INVALID: 'Signature does not verify',
  CONTRACT_NOT_ACTIVE: 'Contract not active',
  CONTRACT_REVOKED: 'Contract revoked',
  CONTRACT_EXPIRED: 'Contract expired',
  CONTRACT_NOT_YET_VALID: 'Contract not yet valid',
  CONTRACT_INTEGRITY_FAILED: 'Contract integrity check failed',
  OPERATION_NOT_LICENSED: 'Operation not licensed',
  DATASET_NOT_LICENSED: 'Dataset not licensed',
  COLUMN_NOT_LICENSED: 'Column not licensed',
  QUOTA_EXCEEDED: 'Quota exceeded',
  BUDGET_EXHAUSTED: 'Privacy budget exhausted',
  AUDIT_BAD_RANGE: 'Impossible tree positions',
  AUDIT_SIZE_BEYOND_LOG: 'Beyond the audit log',
  AUDIT_LOG_INCONSISTENT: 'Audit log inconsistent',
  MPC_INPUT_INVALID: 'Encrypted or blinded input refused',
  MPC_KEYS_MISSING: 'Keys missing for this computation',
  MPC_NOT_RELEASABLE: 'Nothing releasable',
  GRANT_REVOKED: 'Sharing grant revoked',
  GRANT_EXPIRED: 'Sharing grant expired',
  GRANT_NOT_YET_VALID: 'Sharing grant not yet valid',
};

/** An RFC 9457 problem document for an error; never includes a stack, SQL or a path. */
export function problemResponse(c: Context, err: AppError, headers: Record<string, string> = {}): Response {
  const status = codeToStatus[err.code];
  const body = {
    type: `urn:enclave:error:${err.code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[err.code],
    status,
    code: err.code,
    detail: err.message,
    instance: c.req.path,
    requestId: c.get('requestId'),
    ...err.extra,
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', 'x-request-id': c.get('requestId'), ...headers },
  });
}

/** Turns zod issues into field errors that name where each one is, e.g. `body.columns.0.name`. */
export function fieldErrors(error: z.ZodError, prefix: string): TFieldError[] {
  return error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].join('.'),
    message:
      i.code === 'unrecognized_keys'
        ? `unknown field(s): ${(i as { keys: string[] }).keys.join(', ')}`
        : i.message,
  }));
}

export const toAppError = (error: z.ZodError, prefix: string) => {
  const errors = fieldErrors(error, prefix);
  return new AppError('VALIDATION_FAILED', errors.map((e) => `${e.path}: ${e.message}`).join('; '), {
    errors,
  });
};
