/** Builders shared by this package's tests: keys, payloads and hand-made (hostile) JWSs. */
import { expect } from 'vitest';
import { canonicalize } from './canonicalize.ts';
import { countersignContract } from './countersign-contract.ts';
import { createKeyRing } from './create-key-ring.ts';
import { currentSigningKey } from './current-signing-key.ts';
import { ContractError } from './errors.ts';
import { generateSigningKey, type TSigningKey } from './generate-signing-key.ts';
import { CONTRACT_TYP, type TGeneralJws, type TJwsSignature } from './jws.ts';
import type { TContractPayload } from './payload.ts';
import { publicJwks } from './public-jwks.ts';
import { signContract } from './sign-contract.ts';

export const ISSUED_AT = new Date('2026-03-01T09:00:00.000Z');
export const NOT_BEFORE = '2026-03-02T00:00:00.000Z';
export const NOT_AFTER = '2026-09-02T00:00:00.000Z';
export const DURING = new Date('2026-05-01T12:00:00.000Z');

/** The `ContractError` code `promise` rejects with, or 'accepted' if it resolves. */
export async function codeOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ContractError);
    return (err as ContractError).code;
  }
  return 'accepted';
}

/** The `ContractError` code `fn` throws, or 'accepted' if it returns. */
export function codeOfSync(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ContractError);
    return (err as ContractError).code;
  }
  return 'accepted';
}

export const b64u = (data: Uint8Array | string): string =>
  Buffer.from(typeof data === 'string' ? new TextEncoder().encode(data) : data).toString('base64url');
export const fromB64u = (text: string): string => Buffer.from(text, 'base64url').toString('utf8');

export function makePayload(issuerKid: string, licenseeKid: string, patch: Partial<TContractPayload> = {}) {
  const payload: TContractPayload = {
    id: 'ct_01',
    version: 1,
    issuedAt: ISSUED_AT.toISOString(),
    issuer: { org: 'org_platform', kid: issuerKid },
    licensee: { org: 'org_operator', kid: licenseeKid },
    datasets: [
      { id: 'ds_births', version: 3, columns: ['year', 'region', 'count'] },
      { id: 'ds_deaths', columns: ['year', 'cause'] },
    ],
    purpose: 'Regional mortality study (Müller & Søn, 2026) — "aggregates only"',
    scenario: 'Aggregate counts per region and year',
    operations: ['sandbox', 'psi'],
    policy: {
      minCellCount: 10,
      rounding: 5,
      dp: { epsilon: 1.5, delta: 1e-6 },
      maxRunsPerDay: 100,
      maxCpuMsPerRun: 60_000,
      maxResultBytes: 1_048_576,
    },
    term: { notBefore: NOT_BEFORE, notAfter: NOT_AFTER },
  };
  return { ...payload, ...patch };
}

/** A platform ring, an operator key, and a contract signed and countersigned by them. */
export async function setup() {
  const ring = await createKeyRing(ISSUED_AT);
  const platform = currentSigningKey(ring);
  const operator = await generateSigningKey();
  const payload = makePayload(platform.kid, operator.kid);
  const issued = await signContract(payload, platform);
  const countersignature = await countersignContract(issued, operator);
  const jws: TGeneralJws = { payload: issued.payload, signatures: [...issued.signatures, countersignature] };
  const opts = { platformJwks: publicJwks(ring), operatorJwk: operator.publicJwk, now: DURING };
  return { ring, platform, operator, payload, issued, countersignature, jws, opts };
}

export const contractHeader = (kid: string) => ({ alg: 'EdDSA', kid, typ: CONTRACT_TYP });

/** Ed25519 signature straight through WebCrypto, over any header and payload text we choose. */
export async function rawSign(key: Pick<TSigningKey, 'privateJwk'>, header: object, payloadText: string) {
  const protectedHeader = b64u(JSON.stringify(header));
  const payload = b64u(payloadText);
  const cryptoKey = await crypto.subtle.importKey('jwk', key.privateJwk, 'Ed25519', false, ['sign']);
  const sig = await crypto.subtle.sign(
    'Ed25519',
    cryptoKey,
    new TextEncoder().encode(`${protectedHeader}.${payload}`),
  );
  const signature: TJwsSignature = { protected: protectedHeader, signature: b64u(new Uint8Array(sig)) };
  return { payload, signature };
}

/** A contract over exactly `payloadText`, signed by the platform (and the operator unless told not). */
export async function signText(
  payloadText: string,
  platform: TSigningKey,
  operator: TSigningKey | null,
  header: (kid: string) => object = contractHeader,
): Promise<TGeneralJws> {
  const p = await rawSign(platform, header(platform.kid), payloadText);
  const signatures = [p.signature];
  if (operator) signatures.push((await rawSign(operator, header(operator.kid), payloadText)).signature);
  return { payload: p.payload, signatures };
}

export { canonicalize };
