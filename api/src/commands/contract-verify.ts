import { readFile } from 'node:fs/promises';
import {
  ContractError,
  canonicalize,
  canonicalizeParsed,
  type TContractPayload,
  verifyContract,
} from '@enclave/contracts';
import { leafHash } from '../audit/entry-encoding.ts';
import {
  openCheckpoint,
  parseVerifierKey,
  type TCheckpoint,
  verifyInclusion,
} from '../audit/verify/index.ts';
import { sha256Hex } from '../lib/hash.ts';

export type TVerifyCommandInput = {
  file: string;
  jwks: string;
  operatorJwk: string;
  /** The audit log's verifier key (`name+hash+key`) or a file holding it: not the contract key. */
  logKey: string;
  now?: Date;
};

/**
 * The operator's public key from what the operator has at hand: a public JWK, a registration body
 * or API key record (`{ jwk }`, `{ publicJwk }`), a key file such as the demo's
 * (`{ kid, privateJwk, publicJwk }`), or a private JWK, whose private member is dropped unread.
 */
function publicPartOf(value: Record<string, unknown>): object {
  const inner = (value?.publicJwk ?? value?.jwk ?? value) as Record<string, unknown>;
  const { d: _private, ...rest } = inner ?? {};
  return rest;
}

/** A contract the transparency log does not show being issued. */
class NotLogged extends Error {}

async function readJson(source: string): Promise<unknown> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, { redirect: 'error' });
    if (!res.ok) throw new Error(`${source}: HTTP ${res.status}`);
    return res.json();
  }
  return JSON.parse(await readFile(source, 'utf8'));
}

/**
 * `enclave contract verify`: checks a downloaded contract offline against the platform's JWKS and
 * the operator's public key. Accepts the JWS itself or the API's contract document (`{ jws }`).
 * Returns the lines to print and whether everything verified.
 */
export async function verifyContractCommand(
  input: TVerifyCommandInput,
): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  try {
    const doc = (await readJson(input.file)) as Record<string, unknown>;
    const jws = doc && typeof doc === 'object' && 'jws' in doc ? doc.jws : doc;
    const jwks = (await readJson(input.jwks)) as { keys: object[] };
    const operator = (await readJson(input.operatorJwk)) as Record<string, unknown>;
    const operatorJwk = publicPartOf(operator);
    const result = await verifyContract(jws, {
      platformJwks: jwks,
      operatorJwk: operatorJwk as object,
      now: input.now ?? new Date(),
    });
    for (const check of result.checks) lines.push(`ok   ${check}`);
    for (const check of await checkLogged(doc, result.payload, input.logKey)) lines.push(`ok   ${check}`);
    lines.push(
      `VALID contract ${result.payload.id} (licensee ${result.payload.licensee.org}, term ${result.payload.term.notBefore} – ${result.payload.term.notAfter})`,
    );
    return { ok: true, lines };
  } catch (err) {
    const code =
      err instanceof ContractError ? err.code : err instanceof NotLogged ? 'CONTRACT_NOT_LOGGED' : 'ERROR';
    lines.push(`FAIL ${code}: ${err instanceof Error ? err.message : String(err)}`);
    lines.push('INVALID contract');
    return { ok: false, lines };
  }
}

/**
 * The contract's place in the transparency log, checked with the log's own key: a checkpoint signed
 * by it, the `contract.issue` entry included in that checkpoint's tree, and the entry naming this
 * payload's digest, issuer key and issue time. A contract made with a stolen signing key was never
 * logged and fails here.
 */
async function checkLogged(doc: unknown, payload: TContractPayload, logKey: string): Promise<string[]> {
  const log = (doc as { transparency?: unknown })?.transparency as
    | { index?: unknown; entry?: unknown; checkpoint?: unknown; proof?: unknown }
    | null
    | undefined;
  if (!log || typeof log !== 'object')
    throw new NotLogged('the document carries no log proof (download it from GET /v1/contracts/{id})');
  const text = logKey.includes('+') ? logKey : (await readFile(logKey, 'utf8')).trim();
  const verifier = await parseVerifierKey(text);
  if (typeof log.checkpoint !== 'string' || !Number.isSafeInteger(log.index) || !Array.isArray(log.proof))
    throw new NotLogged('the log proof is malformed');
  const index = log.index as number;
  let checkpoint: TCheckpoint;
  try {
    checkpoint = await openCheckpoint(log.checkpoint, verifier);
  } catch (err) {
    throw new NotLogged(
      `the checkpoint is not signed by the log key ${verifier.name}: ${(err as Error).message}`,
    );
  }
  const entry = log.entry as Record<string, unknown> | null;
  const details = (entry?.details ?? {}) as Record<string, unknown>;
  const leaf = leafHash(Buffer.from(canonicalizeParsed(entry), 'utf8'));
  try {
    await verifyInclusion(
      index,
      checkpoint.size,
      leaf,
      (log.proof as unknown[]).map((h) => Buffer.from(String(h), 'base64')),
      checkpoint.rootHash,
    );
  } catch (err) {
    throw new NotLogged(`the entry is not in the signed log: ${(err as Error).message}`);
  }
  const digest = sha256Hex(canonicalize(payload));
  if (
    entry?.action !== 'contract.issue' ||
    entry.objectId !== payload.id ||
    details.payloadSha256 !== digest ||
    details.issuerKid !== payload.issuer.kid ||
    entry.at !== payload.issuedAt
  )
    throw new NotLogged('the logged entry is not the issue of this payload (id, digest, key or time differ)');
  return [
    `checkpoint of ${checkpoint.origin} (size ${checkpoint.size}) signed by the log key ${verifier.name}`,
    `entry ${index} (contract.issue of ${payload.id}, payload SHA-256 ${digest.slice(0, 16)}…, issued ${payload.issuedAt}) is in the log: inclusion proof verified`,
  ];
}
