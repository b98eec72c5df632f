import { canonicalizeParsed } from '@enclave/contracts';
import { utf8 } from './bytes.ts';
import { hashLeaf } from './merkle-proofs.ts';

/**
 * The leaf hash of an audit entry as the API serves it (`GET /v1/audit/entries/{index}`, a line of
 * the NDJSON export): SHA-256(0x00 ‖ JCS(the entry without `index`)). Recomputed by the verifier
 * from what it was shown, never taken from the platform.
 */
export function auditEntryLeafHash(entry: Record<string, unknown>): Promise<Uint8Array> {
  const { index: _index, ...record } = entry;
  return hashLeaf(utf8(canonicalizeParsed(record)));
}
