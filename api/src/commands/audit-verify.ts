import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { canonicalizeParsed } from '@enclave/contracts';
import {
  openCheckpoint,
  parseVerifierKey,
  type TCheckpoint,
  type TNoteVerifier,
} from '../audit/checkpoint.ts';
import { leafHash } from '../audit/entry-encoding.ts';
import { createTreeBuilder, equalHashes, rootOf, verifyConsistency } from '../audit/merkle.ts';

export type TAuditVerifyInput = {
  /** The platform's base URL. */
  url: string;
  /** The checkpoint kept from the last verification; created or replaced after a success. */
  checkpointFile?: string;
  /** The verifier key (`name+hash+key`) or a file holding it; else the key the platform serves. */
  key?: string;
  /** A regulator's token: the entries are not public. */
  token?: string;
  onProgress?: (done: number, total: number) => void;
  /** For tests: how to make requests. */
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
};

export type TAuditVerifyResult = { ok: boolean; lines: string[] };

class VerifyFailure extends Error {}

/**
 * `enclave audit verify`: proves from outside, with the published key and the checkpoint kept last
 * time, that the platform's log was only ever appended to. It opens the latest signed checkpoint,
 * downloads every entry it covers, re-derives the Merkle root from the entries' canonical bytes,
 * and checks that the kept checkpoint is a prefix of it (its own recomputation, plus the
 * platform's consistency proof). On a mismatch it locates the first entry that breaks the log.
 * Never touches the platform's database.
 */
export async function verifyAuditLog(input: TAuditVerifyInput): Promise<TAuditVerifyResult> {
  const lines: string[] = [];
  const doFetch =
    input.fetch ?? ((u: string, init?: RequestInit) => fetch(u, { ...init, redirect: 'error' }));
  const base = input.url.replace(/\/+$/, '');
  const get = async (path: string, auth = false) => {
    const headers: Record<string, string> = {};
    if (auth && input.token) headers.authorization = `Bearer ${input.token}`;
    const res = await doFetch(`${base}${path}`, { headers });
    if (!res.ok)
      throw new VerifyFailure(`GET ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
    return res;
  };
  try {
    const verifier = await loadVerifier(input.key, get, lines);
    const latestNote = await (await get('/v1/audit/checkpoint')).text();
    const latest = open(latestNote, verifier, 'the latest checkpoint');
    lines.push(`ok   latest checkpoint signed by ${verifier.name}: size ${latest.size}`);

    const kept =
      input.checkpointFile && existsSync(input.checkpointFile)
        ? open(
            await readFile(input.checkpointFile, 'utf8'),
            verifier,
            `the kept checkpoint ${input.checkpointFile}`,
          )
        : null;
    if (kept) await checkExtends(kept, latest, get, lines);
    else lines.push('note no kept checkpoint: this run checks the log against the latest checkpoint only');

    const leaves = await deriveLeaves(latest.size, kept?.size ?? 0, get, input.onProgress);
    if (leaves.count < latest.size) {
      throw new VerifyFailure(
        `the log holds ${leaves.count} entries but the checkpoint covers ${latest.size}: entries from index ${leaves.count} are gone (truncated)`,
      );
    }
    if (kept && leaves.prefixRoot && !equalHashes(leaves.prefixRoot, kept.rootHash)) {
      const at = await firstBreak(leaves.hashes, kept, get);
      throw new VerifyFailure(`the entries no longer match the kept checkpoint: ${await describe(at, get)}`);
    }
    if (kept) lines.push(`ok   the first ${kept.size} entries re-derive the kept checkpoint's root`);
    if (!equalHashes(leaves.root, latest.rootHash)) {
      const at = await firstBreak(leaves.hashes, latest, get);
      throw new VerifyFailure(`the entries do not match the latest checkpoint: ${await describe(at, get)}`);
    }
    lines.push(`ok   ${latest.size} entries re-derive the root ${latest.rootHash.toString('base64')}`);
    if (input.checkpointFile) {
      await writeFile(input.checkpointFile, latestNote, { mode: 0o644 });
      lines.push(`ok   kept the checkpoint of size ${latest.size} in ${input.checkpointFile} for next time`);
    }
    lines.push(`VERIFIED audit log of ${latest.origin}: ${latest.size} entries, append-only`);
    return { ok: true, lines };
  } catch (err) {
    lines.push(`FAIL ${err instanceof Error ? err.message : String(err)}`);
    lines.push('NOT VERIFIED');
    return { ok: false, lines };
  }
}

type TGet = (path: string, auth?: boolean) => Promise<Response>;

async function loadVerifier(key: string | undefined, get: TGet, lines: string[]): Promise<TNoteVerifier> {
  let text = key;
  if (text && !text.includes('+')) text = (await readFile(text, 'utf8')).trim();
  if (!text) {
    text = (await (await get('/v1/audit/key')).text()).trim();
    lines.push('note using the key the platform serves; pass --key to pin the published one');
  }
  try {
    return parseVerifierKey(text);
  } catch (err) {
    throw new VerifyFailure(`the verifier key is unusable: ${(err as Error).message}`);
  }
}

function open(note: string, verifier: TNoteVerifier, what: string): TCheckpoint {
  try {
    return openCheckpoint(note, verifier);
  } catch (err) {
    throw new VerifyFailure(`${what} does not verify: ${(err as Error).message}`);
  }
}

/** The kept checkpoint must be a prefix of the latest: same origin, no shrinking, a valid consistency proof. */
async function checkExtends(kept: TCheckpoint, latest: TCheckpoint, get: TGet, lines: string[]) {
  if (kept.origin !== latest.origin)
    throw new VerifyFailure(`the kept checkpoint is of ${kept.origin}, the latest of ${latest.origin}`);
  if (latest.size < kept.size)
    throw new VerifyFailure(
      `the log shrank: the kept checkpoint has ${kept.size} entries, the latest ${latest.size} (truncated or rolled back)`,
    );
  if (kept.size === 0) return;
  let hashes: Buffer[] = [];
  if (latest.size > kept.size) {
    const res = await get(`/v1/audit/proofs/consistency?from=${kept.size}&to=${latest.size}`);
    hashes = ((await res.json()) as { hashes: string[] }).hashes.map((h) => Buffer.from(h, 'base64'));
  }
  try {
    verifyConsistency(kept.size, latest.size, kept.rootHash, latest.rootHash, hashes);
  } catch (err) {
    throw new VerifyFailure(
      `the latest checkpoint does not extend the kept one (a fork: the log was rewritten): ${(err as Error).message}`,
    );
  }
  lines.push(`ok   the latest checkpoint extends the kept one (size ${kept.size} → ${latest.size})`);
}

/**
 * Downloads entries 0…size−1 in order and hashes each as a leaf: all leaf hashes (concatenated,
 * to locate a break), the root of the first `prefix` leaves and the root of them all.
 */
async function deriveLeaves(
  size: number,
  prefix: number,
  get: TGet,
  onProgress?: (done: number, total: number) => void,
): Promise<{ count: number; hashes: Buffer; prefixRoot: Buffer | null; root: Buffer }> {
  const hashes = Buffer.alloc(32 * size);
  const tree = createTreeBuilder();
  let prefixRoot: Buffer | null = null;
  let count = 0;
  if (size === 0) return { count, hashes, prefixRoot, root: tree.root() };
  const res = await get(`/v1/audit/export?format=ndjson&from_index=0&to_index=${size}`, true);
  const decoder = new TextDecoder();
  let rest = '';
  const take = (line: string) => {
    if (line === '') return;
    const entry = JSON.parse(line) as Record<string, unknown>;
    const { index, ...record } = entry;
    if (index !== count) {
      throw new VerifyFailure(
        typeof index === 'number' && index > count
          ? `entry ${count} is missing (the next entry has index ${index})`
          : `entry ${count} is out of order (index ${JSON.stringify(index)})`,
      );
    }
    if (count >= size) throw new VerifyFailure(`the export holds more than ${size} entries`);
    const leaf = leafHash(Buffer.from(canonicalizeParsed(record), 'utf8'));
    leaf.copy(hashes, 32 * count);
    tree.append(leaf);
    count++;
    if (count === prefix) prefixRoot = tree.root();
    if (onProgress && count % 100_000 === 0) onProgress(count, size);
  };
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const text = rest + decoder.decode(chunk, { stream: true });
    const parts = text.split('\n');
    rest = parts.pop()!;
    for (const line of parts) take(line);
  }
  take(rest + decoder.decode());
  onProgress?.(count, size);
  return { count, hashes, prefixRoot, root: tree.root() };
}

/** The root of the first n leaves of a concatenation of leaf hashes. */
const rootOfPrefix = (hashes: Buffer, n: number) =>
  rootOf(Array.from({ length: n }, (_, i) => hashes.subarray(32 * i, 32 * i + 32)));

/**
 * The index of the first entry whose leaf breaks agreement with a signed checkpoint: the smallest
 * k whose re-derived prefix of k entries is not consistent with it, minus one. Uses the
 * platform's consistency proofs, which cannot make a wrong prefix agree with a signed root.
 */
async function firstBreak(hashes: Buffer, reference: TCheckpoint, get: TGet): Promise<number> {
  const agrees = async (k: number) => {
    const prefix = rootOfPrefix(hashes, k);
    if (k === reference.size) return equalHashes(prefix, reference.rootHash);
    try {
      const res = await get(`/v1/audit/proofs/consistency?from=${k}&to=${reference.size}`);
      const proof = ((await res.json()) as { hashes: string[] }).hashes.map((h) => Buffer.from(h, 'base64'));
      verifyConsistency(k, reference.size, prefix, reference.rootHash, proof);
      return true;
    } catch {
      return false;
    }
  };
  let lo = 1;
  let hi = reference.size;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (await agrees(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

async function describe(index: number, get: TGet): Promise<string> {
  try {
    const res = await get(`/v1/audit/export?format=ndjson&from_index=${index}&to_index=${index + 1}`, true);
    const line = (await res.text()).split('\n')[0] ?? '';
    const e = JSON.parse(line) as { action?: string; objectType?: string; objectId?: string; at?: string };
    return `the first entry that breaks it is index ${index} (${e.action} ${e.objectType} ${e.objectId} at ${e.at}, as the platform now shows it)`;
  } catch {
    return `the first entry that breaks it is index ${index}`;
  }
}
