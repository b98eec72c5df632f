import { ContractError } from './errors.ts';
import type { TJwsSignature } from './jws.ts';
import { publicKeyOf, verifyWithKey } from './lib/crypto.ts';
import { parsePublicJwk } from './lib/ed25519-jwk.ts';
import { isJsonObject } from './lib/json.ts';
import { checkProtectedHeader, decodeContractPayload, parseGeneralJws } from './lib/jws.ts';
import type { TContractPayload } from './payload.ts';

export type TVerifyOptions = {
  /** The platform's JWKS (`publicJwks(ring)` or `/.well-known/jwks.json`), retired keys included. */
  platformJwks: { keys: object[] };
  /** The licensee's registered public key; its thumbprint must be `payload.licensee.kid`. */
  operatorJwk?: object;
  /** The moment to check the term against; defaults to the current time. */
  now?: Date;
  /** Refuse a contract without a verified countersignature. Default true. */
  requireCountersignature?: boolean;
  /** Check `term.notBefore <= now < term.notAfter`. Default true. */
  checkTerm?: boolean;
};

export type TVerifyResult = {
  payload: TContractPayload;
  /** What was verified, one human-readable line each, in order (and what was skipped, prefixed so). */
  checks: string[];
  /** Whether the operator's countersignature was present and verified. */
  isCountersigned: boolean;
};

const fail = (code: ContractError['code'], message: string): never => {
  throw new ContractError(code, message);
};

/**
 * Verifies a contract as the platform, the sandbox or anyone holding the JWKS does (offline, no
 * I/O): a General JSON JWS whose payload is canonical (RFC 8785) and a valid contract, signed by
 * the platform key `payload.issuer.kid` (looked up in `platformJwks`) and countersigned by the
 * licensee key `payload.licensee.kid` (`operatorJwk`), with no other signatures, and within its
 * term. Every header is checked before any cryptography: alg exactly EdDSA, typ CONTRACT_TYP,
 * only alg/kid/typ. A kid is only ever compared with the kids at hand, never used to fetch anything.
 *
 * @example
 * const { payload, checks } = await verifyContract(jws, { platformJwks, operatorJwk, now: clock.now() });
 */
export async function verifyContract(jws: unknown, opts: TVerifyOptions): Promise<TVerifyResult> {
  const requireCountersignature = opts.requireCountersignature ?? true;
  const checkTerm = opts.checkTerm ?? true;
  const now = opts.now ?? new Date();
  if (checkTerm && Number.isNaN(now.getTime())) fail('CONTRACT_MALFORMED', 'opts.now is not a valid date');

  const { payload: encoded, signatures } = parseGeneralJws(jws);
  const headers = signatures.map((s) => ({ signature: s, kid: checkProtectedHeader(s.protected).kid }));
  const checks = [
    `JWS General JSON serialization with ${signatures.length} signature(s)`,
    'protected headers: alg EdDSA, typ enclave-contract+jws, kid, nothing else; no unprotected header',
  ];
  const { contract } = decodeContractPayload(encoded);
  checks.push(
    'payload is RFC 8785 canonical JSON',
    `payload is a valid contract (id ${contract.id}, version ${contract.version})`,
  );

  let platform: TJwsSignature | undefined;
  let counter: TJwsSignature | undefined;
  for (const { signature, kid } of headers) {
    if (kid === contract.issuer.kid && !platform) platform = signature;
    else if (kid === contract.licensee.kid && !counter) counter = signature;
    else
      fail(
        'CONTRACT_SIGNATURE_UNEXPECTED',
        'a signature by a key other than the issuer’s or the licensee’s, or a second one',
      );
  }
  if (!platform)
    return fail('CONTRACT_SIGNATURE_MISSING', 'no signature by the issuer key the payload names');
  const { key: platformKey, jwk: platformJwk } = await platformKeyFor(opts.platformJwks, contract.issuer.kid);
  checks.push(checkKeyPeriod(platformJwk, contract));

  let operatorKey: CryptoKey | undefined;
  if (!counter) {
    if (requireCountersignature)
      fail('CONTRACT_COUNTERSIGNATURE_MISSING', 'the operator has not countersigned');
  } else if (opts.operatorJwk !== undefined) {
    const { key, thumbprint } = await publicKeyOf(parsePublicJwk(opts.operatorJwk));
    if (thumbprint !== contract.licensee.kid) {
      fail('CONTRACT_KEY_UNKNOWN', 'the operator key given is not the licensee key the payload names');
    }
    operatorKey = key;
  } else if (requireCountersignature) {
    fail('CONTRACT_KEY_UNKNOWN', 'no operator key given to verify the countersignature with');
  }

  await verifyWithKey(encoded, platform, platformKey);
  checks.push(`platform signature verified with key ${contract.issuer.kid} from the platform JWKS`);
  if (counter && operatorKey) {
    await verifyWithKey(encoded, counter, operatorKey);
    checks.push(
      `countersignature verified with licensee key ${contract.licensee.kid} (its RFC 7638 thumbprint)`,
    );
  } else if (counter) {
    checks.push('skipped: countersignature present but not verified (no operator key given)');
  } else {
    checks.push('skipped: no countersignature (not required)');
  }
  checks.push('no other signatures');

  if (checkTerm) {
    if (now.getTime() < Date.parse(contract.term.notBefore)) {
      fail('CONTRACT_NOT_YET_VALID', `the term starts ${contract.term.notBefore}`);
    }
    if (now.getTime() >= Date.parse(contract.term.notAfter))
      fail('CONTRACT_EXPIRED', `the term ended ${contract.term.notAfter}`);
    checks.push(
      `within term at ${now.toISOString()}: ${contract.term.notBefore} <= now < ${contract.term.notAfter}`,
    );
  } else {
    checks.push('skipped: term not checked');
  }
  return { payload: contract, checks, isCountersigned: operatorKey !== undefined };
}

/**
 * A key published with a validity period signs only within it: a contract whose `issuedAt` falls
 * outside was not issued by the platform, whatever the signature says (a retired key that leaked).
 */
function checkKeyPeriod(jwk: Record<string, unknown>, contract: TContractPayload): string {
  const issued = Date.parse(contract.issuedAt);
  const from = typeof jwk.validFrom === 'string' ? Date.parse(jwk.validFrom) : Number.NaN;
  const until = typeof jwk.validUntil === 'string' ? Date.parse(jwk.validUntil) : Number.NaN;
  if (jwk.validFrom === undefined && jwk.validUntil === undefined)
    return 'skipped: the platform JWKS states no validity period for the issuer key';
  if (
    (jwk.validFrom !== undefined && Number.isNaN(from)) ||
    (jwk.validUntil !== undefined && Number.isNaN(until))
  )
    fail('CONTRACT_KEY_INVALID', 'the issuer key’s validFrom/validUntil are not instants');
  if (issued < from || issued > until)
    fail(
      'CONTRACT_ISSUED_OUTSIDE_KEY_PERIOD',
      `issued ${contract.issuedAt}, outside the period in which key ${contract.issuer.kid} signed (${String(jwk.validFrom)} – ${String(jwk.validUntil ?? 'now')})`,
    );
  return `issued ${contract.issuedAt}, within the signing period of key ${contract.issuer.kid}`;
}

/** The issuer's key from the JWKS by exact kid; its kid must also be its thumbprint. */
async function platformKeyFor(
  jwks: unknown,
  kid: string,
): Promise<{ key: CryptoKey; jwk: Record<string, unknown> }> {
  if (!isJsonObject(jwks) || !Array.isArray(jwks.keys)) {
    return fail('CONTRACT_KEY_INVALID', 'platformJwks must be a JWKS: { keys: [...] }');
  }
  const matches = jwks.keys.filter((k) => isJsonObject(k) && k.kid === kid);
  if (matches.length === 0) return fail('CONTRACT_KEY_UNKNOWN', 'the issuer kid is not in the platform JWKS');
  if (matches.length > 1)
    return fail('CONTRACT_KEY_INVALID', 'the platform JWKS has two keys with the issuer kid');
  const { key, thumbprint } = await publicKeyOf(parsePublicJwk(matches[0]));
  if (thumbprint !== kid) fail('CONTRACT_KEY_INVALID', 'the platform JWKS key’s kid is not its thumbprint');
  return { key, jwk: matches[0] as Record<string, unknown> };
}
