import { ContractError } from './errors.ts';
import type { TJwsSignature } from './jws.ts';
import { privateKeyOf, signPayload } from './lib/crypto.ts';
import { decodeContractPayload, parseGeneralJws } from './lib/jws.ts';

/**
 * The operator's signature over the same payload bytes the platform signed, with the same header
 * shape and the operator's kid. Append it to `jws.signatures` to complete the contract. This is what
 * an operator's client runs; verify the platform signature first (`verifyContract` with
 * `requireCountersignature: false`), since signing says "I agree to this".
 *
 * Throws `CONTRACT_MALFORMED`/`CONTRACT_NOT_CANONICAL` (the JWS), `CONTRACT_KEY_INVALID` (not an
 * Ed25519 private key, or `kid` not its thumbprint), `CONTRACT_KEY_MISMATCH` (`payload.licensee.kid`
 * is not `key.kid`).
 */
export async function countersignContract(
  jws: unknown,
  key: { kid: string; privateJwk: object },
): Promise<TJwsSignature> {
  const { payload } = parseGeneralJws(jws);
  const { contract, text } = decodeContractPayload(payload);
  const signer = await privateKeyOf(key.kid, key.privateJwk);
  if (contract.licensee.kid !== signer.kid) {
    throw new ContractError('CONTRACT_KEY_MISMATCH', 'payload.licensee.kid is not the kid of this key');
  }
  // Canonical base64url is unique, so re-encoding the decoded bytes gives back `payload` exactly.
  const signed = await signPayload(text, signer);
  if (signed.payload !== payload)
    throw new ContractError('CONTRACT_MALFORMED', 'payload re-encoding differs');
  return signed.signature;
}
