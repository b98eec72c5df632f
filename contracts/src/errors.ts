/**
 * Why a contract, key or key ring was refused. Stable: callers (the API's status table, the CLI)
 * switch on these, never on messages.
 */
export type TContractErrorCode =
  /** Not the expected shape: not a General JSON JWS, bad base64url, payload not the contract schema. */
  | 'CONTRACT_MALFORMED'
  /** The payload bytes are not the RFC 8785 form of the JSON they hold. */
  | 'CONTRACT_NOT_CANONICAL'
  /** A protected header's `alg` is not exactly `EdDSA`. */
  | 'CONTRACT_ALG_NOT_ALLOWED'
  /** A protected header's `typ` is not exactly {@link CONTRACT_TYP}. */
  | 'CONTRACT_TYP_INVALID'
  /** A header member other than `alg`, `kid`, `typ`, or an unprotected header. */
  | 'CONTRACT_HEADER_NOT_ALLOWED'
  /** A `kid` the payload names is not in the key set given. */
  | 'CONTRACT_KEY_UNKNOWN'
  /** A key is not a well-formed Ed25519 key of the expected kind (public or private). */
  | 'CONTRACT_KEY_INVALID'
  /** A key is valid but not the one the payload names (signing with the wrong kid). */
  | 'CONTRACT_KEY_MISMATCH'
  /** A key ring breaks its invariants (e.g. not exactly one current key with a private part). */
  | 'CONTRACT_KEY_RING_INVALID'
  /** A signature does not verify. */
  | 'CONTRACT_SIGNATURE_INVALID'
  /** No signature by the platform key the payload names (`issuer.kid`). */
  | 'CONTRACT_SIGNATURE_MISSING'
  /** A signature beyond the platform's and the licensee's (another kid, or a kid twice). */
  | 'CONTRACT_SIGNATURE_UNEXPECTED'
  /** No signature by the licensee key the payload names (`licensee.kid`). */
  | 'CONTRACT_COUNTERSIGNATURE_MISSING'
  /** `now` is before `term.notBefore`. */
  | 'CONTRACT_NOT_YET_VALID'
  /** `now` is at or after `term.notAfter`. */
  | 'CONTRACT_EXPIRED'
  /** `issuedAt` falls outside the period in which the issuer key signed (its JWK's validFrom/validUntil). */
  | 'CONTRACT_ISSUED_OUTSIDE_KEY_PERIOD';

/**
 * The one error this package throws on purpose. Like jose's `JOSEError`, branch on `code`.
 *
 * @example
 * try { await verifyContract(jws, opts) } catch (e) { if (e instanceof ContractError) reply(e.code) }
 */
export class ContractError extends Error {
  readonly code: TContractErrorCode;

  constructor(code: TContractErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ContractError';
    this.code = code;
  }
}
