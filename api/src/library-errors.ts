import { ContractError, type TContractErrorCode } from '@enclave/contracts';
import { MpcError, type TMpcErrorCode } from '@enclave/mpc';
import { MerkleError, type TMerkleErrorCode } from './audit/merkle.ts';
import { AppError, type TErrorCode } from './errors.ts';

/**
 * The one table from the libraries' own errors to the API's. A library error that reaches a
 * caller has one of these codes; the library's own code goes along as `reason`. Errors the table
 * leaves out (disclosure control, dummy tables, signed notes) are integration faults: a 500 with
 * a request id, logged, never shown.
 */
const CONTRACT: Record<TContractErrorCode, TErrorCode> = {
  CONTRACT_MALFORMED: 'CONTRACT_SIGNATURE_INVALID',
  CONTRACT_NOT_CANONICAL: 'CONTRACT_SIGNATURE_INVALID',
  CONTRACT_ALG_NOT_ALLOWED: 'CONTRACT_SIGNATURE_INVALID',
  CONTRACT_TYP_INVALID: 'CONTRACT_SIGNATURE_INVALID',
  CONTRACT_HEADER_NOT_ALLOWED: 'CONTRACT_SIGNATURE_INVALID',
  CONTRACT_KEY_UNKNOWN: 'CONTRACT_SIGNATURE_INVALID',
  CONTRACT_KEY_INVALID: 'VALIDATION_FAILED',
  CONTRACT_KEY_MISMATCH: 'CONTRACT_SIGNATURE_INVALID',
  CONTRACT_KEY_RING_INVALID: 'INTERNAL',
  CONTRACT_SIGNATURE_INVALID: 'CONTRACT_SIGNATURE_INVALID',
  CONTRACT_SIGNATURE_MISSING: 'CONTRACT_SIGNATURE_INVALID',
  CONTRACT_SIGNATURE_UNEXPECTED: 'CONTRACT_SIGNATURE_INVALID',
  CONTRACT_COUNTERSIGNATURE_MISSING: 'CONTRACT_SIGNATURE_INVALID',
  CONTRACT_NOT_YET_VALID: 'CONTRACT_NOT_YET_VALID',
  CONTRACT_EXPIRED: 'CONTRACT_EXPIRED',
  CONTRACT_ISSUED_OUTSIDE_KEY_PERIOD: 'CONTRACT_INTEGRITY_FAILED',
};

const MERKLE: Record<TMerkleErrorCode, TErrorCode> = {
  MERKLE_BAD_ARGUMENT: 'AUDIT_BAD_RANGE',
  MERKLE_INDEX_OUT_OF_RANGE: 'AUDIT_BAD_RANGE',
  MERKLE_BAD_RANGE: 'AUDIT_BAD_RANGE',
  MERKLE_PROOF_LENGTH: 'AUDIT_LOG_INCONSISTENT',
  MERKLE_ROOT_MISMATCH: 'AUDIT_LOG_INCONSISTENT',
};

const MPC: Record<TMpcErrorCode, TErrorCode> = {
  MPC_PARAMS_UNKNOWN: 'VALIDATION_FAILED',
  MPC_BYTES_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  MPC_BYTES_MALFORMED: 'MPC_INPUT_INVALID',
  MPC_BYTES_COMPRESSED: 'MPC_INPUT_INVALID',
  MPC_BYTES_INVALID: 'MPC_INPUT_INVALID',
  MPC_POINT_INVALID: 'MPC_INPUT_INVALID',
  MPC_INPUT_INVALID: 'MPC_INPUT_INVALID',
  MPC_KEYS_MISSING: 'MPC_KEYS_MISSING',
  MPC_WORKER_FAILED: 'INTERNAL',
};

/** The API error for a library's error, or null when it is not one the table knows. */
export function apiErrorOf(err: unknown): AppError | null {
  if (err instanceof ContractError && CONTRACT[err.code] !== 'INTERNAL')
    return new AppError(CONTRACT[err.code], err.message, { reason: err.code });
  if (err instanceof MpcError && MPC[err.code] !== 'INTERNAL')
    return new AppError(MPC[err.code], err.message, { reason: err.code });
  if (err instanceof MerkleError) return new AppError(MERKLE[err.code], err.message, { reason: err.code });
  return null;
}
