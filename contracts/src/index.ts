/**
 * @enclave/contracts: licence contracts as RFC 8785 payloads in EdDSA (Ed25519) General JSON JWS,
 * signed by the platform and countersigned by the operator; the platform key ring and its JWKS.
 * Plain values in, `ContractError` (with a stable `code`) out; no I/O.
 */
export { canonicalize, canonicalizeParsed } from './canonicalize.ts';
export { countersignContract } from './countersign-contract.ts';
export { createKeyRing } from './create-key-ring.ts';
export { currentSigningKey } from './current-signing-key.ts';
export { ContractError, type TContractErrorCode } from './errors.ts';
export { generateSigningKey, type TEd25519PrivateJwk, type TSigningKey } from './generate-signing-key.ts';
export { jwkThumbprint } from './jwk-thumbprint.ts';
export { CONTRACT_TYP, type TGeneralJws, type TJwsSignature } from './jws.ts';
export { parseKeyRing, type TKeyRing } from './parse-key-ring.ts';
export { parsePublicEd25519Jwk, type TEd25519PublicJwk } from './parse-public-ed25519-jwk.ts';
export { CONTRACT_OPERATIONS, type TContractPayload, ZContractPayload } from './payload.ts';
export { publicJwks, type TPublicJwk } from './public-jwks.ts';
export { rotateKeyRing } from './rotate-key-ring.ts';
export { signContract } from './sign-contract.ts';
export { type TVerifyOptions, type TVerifyResult, verifyContract } from './verify-contract.ts';
export { verifySignature } from './verify-signature.ts';
