import { describe, expect, it } from 'vitest';
import { generateSigningKey } from './generate-signing-key.ts';
import { signContract } from './sign-contract.ts';
import { codeOf, makePayload, setup } from './test-fixtures.ts';

describe('signContract', () => {
  it('is deterministic: Ed25519 over the same canonical bytes gives the same JWS', async () => {
    const { platform, payload } = await setup();
    const shuffled = Object.fromEntries(Object.entries(payload).reverse()) as typeof payload;
    expect(await signContract(shuffled, platform)).toEqual(await signContract(payload, platform));
  });

  it('refuses a payload that is not a contract', async () => {
    const { platform, payload } = await setup();
    const bad = { ...payload, policy: { ...payload.policy, maxRunsPerDay: 1.5 } };
    expect(await codeOf(signContract(bad, platform))).toBe('CONTRACT_MALFORMED');
    expect(await codeOf(signContract({ ...payload, extra: 1 } as typeof payload, platform))).toBe(
      'CONTRACT_MALFORMED',
    );
  });

  it('refuses to sign under a kid the payload does not name as issuer', async () => {
    const { platform, operator } = await setup();
    expect(await codeOf(signContract(makePayload(operator.kid, platform.kid), platform))).toBe(
      'CONTRACT_KEY_MISMATCH',
    );
  });

  it('refuses a key whose kid is not its thumbprint', async () => {
    const { platform, operator } = await setup();
    const renamed = { ...platform, kid: 'platform-2026' };
    expect(await codeOf(signContract(makePayload('platform-2026', operator.kid), renamed))).toBe(
      'CONTRACT_KEY_INVALID',
    );
  });

  it('refuses a private and public key that are not a pair', async () => {
    const { platform, payload } = await setup();
    const other = await generateSigningKey();
    expect(await codeOf(signContract(payload, { ...platform, privateJwk: other.privateJwk }))).toBe(
      'CONTRACT_KEY_INVALID',
    );
    const mixed = { ...platform, privateJwk: { ...other.privateJwk, x: platform.publicJwk.x } };
    expect(await codeOf(signContract(payload, mixed))).toBe('CONTRACT_KEY_INVALID');
  });

  it('cannot sign without a private part', async () => {
    const { platform, payload } = await setup();
    const publicOnly = { ...platform, privateJwk: platform.publicJwk as never };
    expect(await codeOf(signContract(payload, publicOnly))).toBe('CONTRACT_KEY_INVALID');
  });
});
