import { ContractError } from './errors.ts';
import { publicKeyOf, verifyWithKey } from './lib/crypto.ts';
import { parsePublicJwk } from './lib/ed25519-jwk.ts';
import { checkProtectedHeader, decodeContractPayload, parseGeneralJws, parseSignature } from './lib/jws.ts';

/**
 * Verifies one signature of a contract against one Ed25519 public key, with every check
 * `verifyContract` makes on a signature: General JSON shape, protected header exactly
 * alg EdDSA / typ CONTRACT_TYP / kid (no `jku`, `x5u`, `jwk`, `x5c`, `crit`, `b64`, no unprotected
 * header), canonical payload passing the contract schema, a kid that the payload names (issuer or
 * licensee) and that is the thumbprint of `publicJwk`. `signature` need not be in `jws.signatures`
 * yet (check a countersignature before appending it). Resolves, or throws a `ContractError`.
 */
export async function verifySignature(jws: unknown, signature: unknown, publicJwk: unknown): Promise<void> {
  const { payload } = parseGeneralJws(jws);
  const sig = parseSignature(signature);
  const { kid } = checkProtectedHeader(sig.protected);
  const { contract } = decodeContractPayload(payload);
  if (kid !== contract.issuer.kid && kid !== contract.licensee.kid) {
    throw new ContractError(
      'CONTRACT_SIGNATURE_UNEXPECTED',
      'the signature kid is neither the issuer nor the licensee kid',
    );
  }
  const { key, thumbprint } = await publicKeyOf(parsePublicJwk(publicJwk));
  if (thumbprint !== kid) {
    throw new ContractError('CONTRACT_KEY_MISMATCH', 'the key given is not the key the signature names');
  }
  await verifyWithKey(payload, sig, key);
}
