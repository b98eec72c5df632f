import { errors, FlattenedSign, flattenedVerify, importJWK } from 'jose';
import { ContractError } from '../errors.ts';
import { CONTRACT_TYP, type TJwsSignature } from '../jws.ts';
import { decodeBase64url } from './base64url.ts';
import { parsePrivateJwk, parsePublicJwk, type TEd25519PublicJwk, thumbprintOf } from './ed25519-jwk.ts';

const utf8 = new TextEncoder();

/** Imported keys by `x`: importing is the dearest step of a verify, and the same few keys recur. */
const verifyKeys = new Map<string, Promise<{ key: CryptoKey; thumbprint: string }>>();
const MAX_CACHED_KEYS = 256;

/** The imported verification key and RFC 7638 thumbprint of an already-parsed public JWK. */
export function publicKeyOf(jwk: TEd25519PublicJwk): Promise<{ key: CryptoKey; thumbprint: string }> {
  let entry = verifyKeys.get(jwk.x);
  if (!entry) {
    const plain = { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
    entry = Promise.all([importJWK(plain, 'EdDSA') as Promise<CryptoKey>, thumbprintOf(plain)]).then(
      ([key, thumbprint]) => ({ key, thumbprint }),
      (cause) => {
        verifyKeys.delete(jwk.x);
        throw new ContractError('CONTRACT_KEY_INVALID', 'the public key could not be imported', { cause });
      },
    );
    if (verifyKeys.size >= MAX_CACHED_KEYS) verifyKeys.delete(verifyKeys.keys().next().value!);
    verifyKeys.set(jwk.x, entry);
  }
  return entry;
}

/**
 * A checked private key ready to sign: its `x` must be the public key's and `kid` its thumbprint,
 * so a key can only ever sign under its own name.
 */
export async function privateKeyOf(
  kid: unknown,
  privateJwk: unknown,
  publicJwk?: unknown,
): Promise<{ kid: string; key: CryptoKey }> {
  const priv = parsePrivateJwk(privateJwk);
  if (publicJwk !== undefined && parsePublicJwk(publicJwk).x !== priv.x) {
    throw new ContractError('CONTRACT_KEY_INVALID', 'the private and public keys are not a pair');
  }
  if (typeof kid !== 'string' || kid !== (await thumbprintOf(priv))) {
    throw new ContractError('CONTRACT_KEY_INVALID', 'the kid is not the RFC 7638 thumbprint of this key');
  }
  try {
    return { kid, key: (await importJWK(priv, 'EdDSA')) as CryptoKey };
  } catch (cause) {
    // WebCrypto refuses a `d` that does not belong to `x`.
    throw new ContractError('CONTRACT_KEY_INVALID', 'the private key could not be imported', { cause });
  }
}

/** Signs `canonical` (the payload's RFC 8785 text) with the one header shape contracts use. */
export async function signPayload(
  canonical: string,
  signer: { kid: string; key: CryptoKey },
): Promise<{ payload: string; signature: TJwsSignature }> {
  const jws = await new FlattenedSign(utf8.encode(canonical))
    .setProtectedHeader({ alg: 'EdDSA', kid: signer.kid, typ: CONTRACT_TYP })
    .sign(signer.key);
  return { payload: jws.payload, signature: { protected: jws.protected!, signature: jws.signature } };
}

/** Verifies one signature over `payload` (base64url); headers must already have been checked. */
export async function verifyWithKey(
  payload: string,
  signature: TJwsSignature,
  key: CryptoKey,
): Promise<void> {
  if (decodeBase64url(signature.signature)?.length !== 64) {
    throw new ContractError(
      'CONTRACT_SIGNATURE_INVALID',
      'an Ed25519 signature is 64 bytes of unpadded base64url',
    );
  }
  try {
    await flattenedVerify({ payload, protected: signature.protected, signature: signature.signature }, key, {
      algorithms: ['EdDSA'],
    });
  } catch (err) {
    if (err instanceof errors.JWSSignatureVerificationFailed) {
      throw new ContractError('CONTRACT_SIGNATURE_INVALID', 'the signature does not verify', { cause: err });
    }
    if (err instanceof errors.JOSEAlgNotAllowed) {
      throw new ContractError('CONTRACT_ALG_NOT_ALLOWED', 'only EdDSA is allowed', { cause: err });
    }
    throw new ContractError('CONTRACT_MALFORMED', 'the signature could not be checked', { cause: err });
  }
}
