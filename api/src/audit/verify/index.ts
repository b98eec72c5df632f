/**
 * Verifying the audit log from outside, in Node (`enclave audit verify`) and in the browser (the
 * regulator's workspace) alike: checkpoint notes and their Ed25519 signatures, RFC 9162 inclusion
 * and consistency proofs, an entry's leaf hash. WebCrypto only; no `node:` module.
 */
export { auditEntryLeafHash } from './audit-entry-leaf.ts';
export { decodeBase64, encodeBase64, equalBytes } from './bytes.ts';
export {
  HASH_BYTES,
  hashChildren,
  hashLeaf,
  MerkleError,
  rootFromInclusionProof,
  type TMerkleErrorCode,
  verifyConsistency,
  verifyInclusion,
} from './merkle-proofs.ts';
export {
  computeNoteKeyId,
  isValidKeyName,
  NoteError,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  type TCheckpoint,
  type TNoteErrorCode,
  type TNoteVerifier,
} from './signed-note.ts';
