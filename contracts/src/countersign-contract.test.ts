import { describe, expect, it } from 'vitest';
import { countersignContract } from './countersign-contract.ts';
import { generateSigningKey } from './generate-signing-key.ts';
import { jwkThumbprint } from './jwk-thumbprint.ts';
import { CONTRACT_TYP, type TJwsSignature } from './jws.ts';
import { parsePublicEd25519Jwk } from './parse-public-ed25519-jwk.ts';
import { publicJwks } from './public-jwks.ts';
import { signContract } from './sign-contract.ts';
import { canonicalize, codeOf, DURING, makePayload, setup, signText } from './test-fixtures.ts';
import { verifyContract } from './verify-contract.ts';
import { verifySignature } from './verify-signature.ts';

describe('countersignContract', () => {
  it('signs the same payload string under the operator kid', async () => {
    const { issued, countersignature, operator } = await setup();
    const header = JSON.parse(Buffer.from(countersignature.protected, 'base64url').toString());
    expect(header).toEqual({ alg: 'EdDSA', kid: operator.kid, typ: 'enclave-contract+jws' });
    expect(Object.keys(countersignature)).toEqual(['protected', 'signature']);
    expect(await countersignContract(issued, operator)).toEqual(countersignature);
  });

  it('refuses a key the payload does not name as licensee', async () => {
    const { issued } = await setup();
    expect(await codeOf(countersignContract(issued, await generateSigningKey()))).toBe(
      'CONTRACT_KEY_MISMATCH',
    );
  });

  it('refuses to sign a payload that is not canonical', async () => {
    const { platform, operator, payload } = await setup();
    const jws = await signText(`${canonicalize(payload)} `, platform, null);
    expect(await codeOf(countersignContract(jws, operator))).toBe('CONTRACT_NOT_CANONICAL');
  });

  it('refuses a compact JWS', async () => {
    const { issued, operator } = await setup();
    const compact = `${issued.signatures[0]!.protected}.${issued.payload}.${issued.signatures[0]!.signature}`;
    expect(await codeOf(countersignContract(compact, operator))).toBe('CONTRACT_MALFORMED');
  });
});

describe('a countersignature made in a browser with WebCrypto alone', () => {
  // Only what a browser has: crypto.subtle, TextEncoder, btoa. No jose, no Buffer.
  const ascii = (text: string) => new TextEncoder().encode(text);
  const b64url = (bytes: Uint8Array) =>
    btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');

  async function browserOperator() {
    const pair = (await crypto.subtle.generateKey('Ed25519', true, ['sign', 'verify'])) as CryptoKeyPair;
    const publicJwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
    // RFC 7638 by hand, as the browser shows the user its key id.
    const members = `{"crv":"Ed25519","kty":"OKP","x":"${publicJwk.x}"}`;
    const kid = b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', ascii(members))));
    return { privateKey: pair.privateKey, publicJwk, kid };
  }

  async function browserCountersign(
    payload: string,
    kid: string,
    privateKey: CryptoKey,
  ): Promise<TJwsSignature> {
    const protectedHeader = b64url(ascii(JSON.stringify({ alg: 'EdDSA', kid, typ: CONTRACT_TYP })));
    const sig = await crypto.subtle.sign('Ed25519', privateKey, ascii(`${protectedHeader}.${payload}`));
    return { protected: protectedHeader, signature: b64url(new Uint8Array(sig)) };
  }

  it('verifies, with the key as the browser exported and registered it', async () => {
    const { ring, platform } = await setup();
    const browser = await browserOperator();
    expect(await jwkThumbprint(parsePublicEd25519Jwk(browser.publicJwk))).toBe(browser.kid);

    const issued = await signContract(makePayload(platform.kid, browser.kid), platform);
    const countersignature = await browserCountersign(issued.payload, browser.kid, browser.privateKey);
    await expect(verifySignature(issued, countersignature, browser.publicJwk)).resolves.toBeUndefined();

    const jws = { ...issued, signatures: [...issued.signatures, countersignature] };
    const result = await verifyContract(jws, {
      platformJwks: publicJwks(ring),
      operatorJwk: browser.publicJwk,
      now: DURING,
    });
    expect(result.isCountersigned).toBe(true);
  });

  it('produces the same bytes countersignContract does', async () => {
    const { issued, operator } = await setup();
    const privateKey = await crypto.subtle.importKey('jwk', operator.privateJwk, 'Ed25519', false, ['sign']);
    const byHand = await browserCountersign(issued.payload, operator.kid, privateKey);
    expect(byHand).toEqual(await countersignContract(issued, operator));
  });
});
