import { describe, expect, it } from 'vitest';
import { generateSigningKey } from './generate-signing-key.ts';
import { CONTRACT_TYP } from './jws.ts';
import { b64u, codeOf, contractHeader, fromB64u, rawSign, setup } from './test-fixtures.ts';
import { verifySignature } from './verify-signature.ts';

describe('verifySignature', () => {
  it('verifies the platform signature and the countersignature, each with its own key', async () => {
    const { jws, platform, operator } = await setup();
    await expect(verifySignature(jws, jws.signatures[0], platform.publicJwk)).resolves.toBeUndefined();
    await expect(verifySignature(jws, jws.signatures[1], operator.publicJwk)).resolves.toBeUndefined();
  });

  it('checks a countersignature before it is appended', async () => {
    const { issued, countersignature, operator } = await setup();
    await expect(verifySignature(issued, countersignature, operator.publicJwk)).resolves.toBeUndefined();
  });

  it('refuses a key that is not the one the signature names', async () => {
    const { jws, operator } = await setup();
    expect(await codeOf(verifySignature(jws, jws.signatures[0], operator.publicJwk))).toBe(
      'CONTRACT_KEY_MISMATCH',
    );
  });

  it('refuses a signature by another key under the right kid', async () => {
    const { issued, operator } = await setup();
    const impostor = await generateSigningKey();
    const { signature } = await rawSign(impostor, contractHeader(operator.kid), fromB64u(issued.payload));
    expect(await codeOf(verifySignature(issued, signature, operator.publicJwk))).toBe(
      'CONTRACT_SIGNATURE_INVALID',
    );
  });

  it('refuses a signature whose kid the payload does not name', async () => {
    const { issued } = await setup();
    const stranger = await generateSigningKey();
    const { signature } = await rawSign(stranger, contractHeader(stranger.kid), fromB64u(issued.payload));
    expect(await codeOf(verifySignature(issued, signature, stranger.publicJwk))).toBe(
      'CONTRACT_SIGNATURE_UNEXPECTED',
    );
  });

  it('makes the header checks first', async () => {
    const { issued, platform } = await setup();
    const none = {
      protected: b64u(JSON.stringify({ alg: 'none', kid: platform.kid, typ: CONTRACT_TYP })),
      signature: '',
    };
    expect(await codeOf(verifySignature(issued, none, platform.publicJwk))).toBe('CONTRACT_ALG_NOT_ALLOWED');
    const withHeader = { ...issued.signatures[0]!, header: { alg: 'EdDSA' } };
    expect(await codeOf(verifySignature(issued, withHeader, platform.publicJwk))).toBe(
      'CONTRACT_HEADER_NOT_ALLOWED',
    );
  });

  it('refuses a private key given as the public key', async () => {
    const { issued, platform } = await setup();
    expect(await codeOf(verifySignature(issued, issued.signatures[0], platform.privateJwk))).toBe(
      'CONTRACT_KEY_INVALID',
    );
  });

  it('refuses a signature that is not 64 bytes', async () => {
    const { issued, platform } = await setup();
    const short = { ...issued.signatures[0]!, signature: issued.signatures[0]!.signature.slice(0, 80) };
    expect(await codeOf(verifySignature(issued, short, platform.publicJwk))).toBe(
      'CONTRACT_SIGNATURE_INVALID',
    );
  });
});
