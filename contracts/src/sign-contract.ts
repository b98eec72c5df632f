import { canonicalize } from './canonicalize.ts';
import { ContractError } from './errors.ts';
import type { TSigningKey } from './generate-signing-key.ts';
import type { TGeneralJws } from './jws.ts';
import { privateKeyOf, signPayload } from './lib/crypto.ts';
import { type TContractPayload, ZContractPayload } from './payload.ts';

/**
 * Issues a contract: validates the payload, canonicalizes it (RFC 8785) and signs it with the
 * platform key as a General JSON JWS whose one protected header is exactly
 * `{ alg: 'EdDSA', kid, typ: CONTRACT_TYP }`. The operator adds its signature with
 * `countersignContract`.
 *
 * Throws `CONTRACT_MALFORMED` (payload), `CONTRACT_KEY_INVALID` (not an Ed25519 pair, or `kid` not
 * its thumbprint), `CONTRACT_KEY_MISMATCH` (`payload.issuer.kid` is not `key.kid`).
 */
export async function signContract(payload: TContractPayload, key: TSigningKey): Promise<TGeneralJws> {
  const parsed = ZContractPayload.safeParse(payload);
  if (!parsed.success) {
    throw new ContractError(
      'CONTRACT_MALFORMED',
      `not a contract payload: ${parsed.error.issues[0]?.message}`,
      {
        cause: parsed.error,
      },
    );
  }
  const signer = await privateKeyOf(key.kid, key.privateJwk, key.publicJwk);
  if (parsed.data.issuer.kid !== signer.kid) {
    throw new ContractError('CONTRACT_KEY_MISMATCH', 'payload.issuer.kid is not the kid of the signing key');
  }
  const signed = await signPayload(canonicalize(parsed.data), signer);
  return { payload: signed.payload, signatures: [signed.signature] };
}
