/** The `typ` every contract signature's protected header carries, and the only one accepted. */
export const CONTRACT_TYP = 'enclave-contract+jws';

/**
 * One signature of a General JSON JWS. Only a protected header: an unprotected `header` is
 * never emitted and always refused.
 */
export type TJwsSignature = { protected: string; signature: string };

/**
 * A JWS in the General JSON serialization (RFC 7515 §7.2.1). `payload` is the base64url of the
 * contract's RFC 8785 bytes; `signatures` holds the platform's signature, then the operator's.
 */
export type TGeneralJws = { payload: string; signatures: TJwsSignature[] };
