import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { generateSigningKey, jwkThumbprint, type TSigningKey } from '@enclave/contracts';
import { eq } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import { orgKeys } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { registerOrgKey } from '../licences/register-org-key.ts';
import { writeSecretFile } from './write-secret-file.ts';

/**
 * The content of `demo-operator-key.json`: the demo operator's countersigning key. `kid`,
 * `privateJwk` and `publicJwk` are a `TSigningKey`, so the file can be handed as is to
 * `countersignContract(jws, key)` of `@enclave/contracts` to sign further contracts.
 */
export type TDemoOperatorKeyFile = TSigningKey & { org: string };

/**
 * The demo operator's key pair, registered on its org. A key in `keyFile` is kept when it is
 * registered, unrevoked, on that org, and registered when no org has it yet (a run interrupted
 * between writing the file and registering); otherwise a new key is made, written to the file
 * (mode 0600) before it is registered, so a registered demo key never loses its private part.
 * Without a file the new key lives only in memory, for this run.
 */
export async function ensureDemoOperatorKey(
  deps: Deps,
  operator: TActor,
  orgName: string,
  keyFile: string | undefined,
): Promise<{ key: TSigningKey; isNew: boolean; isRegistered: boolean; isFileWritten: boolean }> {
  const inFile = keyFile ? await readDemoOperatorKey(keyFile) : null;
  if (inFile) {
    const [row] = await deps.db.select().from(orgKeys).where(eq(orgKeys.kid, inFile.kid));
    if (row && row.orgId === operator.orgId && !row.revokedAt) {
      return { key: inFile, isNew: false, isRegistered: false, isFileWritten: false };
    }
    if (!row) {
      await registerOrgKey(deps, operator, operator.orgId, inFile.publicJwk);
      return { key: inFile, isNew: false, isRegistered: true, isFileWritten: false };
    }
  }
  const key = await generateSigningKey();
  let isFileWritten = false;
  if (keyFile) {
    const content: TDemoOperatorKeyFile = { org: orgName, ...key };
    isFileWritten = writeSecretFile(keyFile, `${JSON.stringify(content, null, 2)}\n`);
  }
  await registerOrgKey(deps, operator, operator.orgId, key.publicJwk);
  return { key, isNew: true, isRegistered: true, isFileWritten };
}

/** The key in a demo key file; null when the file is missing, malformed or not an Ed25519 pair. */
export async function readDemoOperatorKey(file: string): Promise<TSigningKey | null> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<TDemoOperatorKeyFile>;
    const { x, d } = parsed.privateJwk ?? {};
    if (typeof x !== 'string' || typeof d !== 'string') return null;
    const jwk = { kty: 'OKP', crv: 'Ed25519', x, d } as const;
    // A `d` that is not `x`'s would only fail at signing time: derive the public part to check.
    const derived = createPublicKey(createPrivateKey({ key: jwk, format: 'jwk' })).export({ format: 'jwk' });
    if (derived.x !== x) return null;
    const kid = await jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x });
    return { kid, privateJwk: jwk, publicJwk: { kty: 'OKP', crv: 'Ed25519', x, kid } };
  } catch {
    return null;
  }
}
