/**
 * Contract signatures checked and made in the browser, loaded only when a contract is opened. The
 * checks are those of `@enclave/contracts`, the same code the platform and the CLI run: General JSON
 * shape, protected headers (alg EdDSA, typ, kid, nothing else), RFC 8785 canonical payload, the
 * contract schema, the signing key's period, and the Ed25519 signature itself.
 */
import { CONTRACT_TYP, ContractError, verifyContract, verifySignature } from '@enclave/contracts';
import type { TGeneralJws, TJwsSignature, TOrgKey } from './api.ts';
import { base64url, type TBrowserKey } from './key-store.ts';

export type TCheck =
  | { state: 'verified'; kid: string }
  | { state: 'missing'; kid: string }
  | { state: 'failed'; kid: string; code: string; message: string }
  | { state: 'revoked'; kid: string; revokedAt: string };

type TParsed = { issuerKid: string; licenseeKid: string };

function kidOf(sig: TJwsSignature): string | null {
  try {
    const text = new TextDecoder().decode(
      Uint8Array.from(atob(sig.protected.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)),
    );
    const header = JSON.parse(text) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : null;
  } catch {
    return null;
  }
}

const failed = (kid: string, err: unknown): TCheck => ({
  state: 'failed',
  kid,
  code: err instanceof ContractError ? err.code : 'CONTRACT_MALFORMED',
  message: err instanceof Error ? err.message : String(err),
});

/**
 * The platform's signature, against the JWKS: verified with the key the payload names, and issued
 * within that key's signing period.
 */
export async function checkPlatform(
  jws: TGeneralJws,
  parsed: TParsed,
  jwks: { keys: object[] },
): Promise<TCheck> {
  const kid = parsed.issuerKid;
  if (!jws.signatures.some((s) => kidOf(s) === kid)) return { state: 'missing', kid };
  try {
    await verifyContract(jws, {
      platformJwks: jwks,
      checkTerm: false,
      requireCountersignature: false,
    });
    return { state: 'verified', kid };
  } catch (err) {
    return failed(kid, err);
  }
}

/** The operator's countersignature, against the key registered on its org under the kid the payload names. */
export async function checkCountersignature(
  jws: TGeneralJws,
  parsed: TParsed,
  orgKeys: TOrgKey[],
): Promise<TCheck> {
  const kid = parsed.licenseeKid;
  const sig = jws.signatures.find((s) => kidOf(s) === kid);
  if (!sig) return { state: 'missing', kid };
  const key = orgKeys.find((k) => k.kid === kid);
  if (!key) return failed(kid, new ContractError('CONTRACT_KEY_UNKNOWN', 'the key is not registered'));
  try {
    await verifySignature(jws, sig, key.publicJwk);
  } catch (err) {
    return failed(kid, err);
  }
  return key.revokedAt ? { state: 'revoked', kid, revokedAt: key.revokedAt } : { state: 'verified', kid };
}

/**
 * The countersignature, made with the non-extractable key in this browser over exactly the payload
 * the platform signed: `base64url(header) . payload`, Ed25519, the header the platform requires.
 * Checked with the same code as the platform before it is sent.
 */
export async function countersign(jws: TGeneralJws, key: TBrowserKey): Promise<TJwsSignature> {
  const header = { alg: 'EdDSA', kid: key.kid, typ: CONTRACT_TYP };
  const protectedB64 = base64url(new TextEncoder().encode(JSON.stringify(header)));
  const input = new TextEncoder().encode(`${protectedB64}.${jws.payload}`);
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key.pair.privateKey, input));
  const out = { protected: protectedB64, signature: base64url(signature) };
  await verifySignature(jws, out, key.publicJwk);
  return out;
}
