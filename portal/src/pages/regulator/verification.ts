import { ApiError, api, apiFetch } from '../../lib/api.ts';
import type { TAuditEntry } from './types.ts';

/**
 * The regulator's checks of the log, run in the browser with the same verification module as
 * `enclave audit verify` (`@enclave/api/audit-verify`, WebCrypto), loaded only when a check runs.
 * Nothing the platform says is taken on trust: the checkpoint's signature, the entry's leaf hash
 * and every proof are checked here.
 */
const loadVerifier = () => import('@enclave/api/audit-verify');
type TVerify = Awaited<ReturnType<typeof loadVerifier>>;
type TNoteVerifier = Awaited<ReturnType<TVerify['parseVerifierKey']>>;
export type TOpened = { origin: string; size: number; root: string; note: string };

const text = async (path: string) =>
  (await apiFetch('GET', path, { headers: { accept: 'text/plain' } })).text();
const hashesOf = (v: TVerify, hashes: string[]) =>
  hashes.map((h) => {
    const bytes = v.decodeBase64(h);
    if (!bytes) throw new v.MerkleError('MERKLE_BAD_ARGUMENT', 'a proof hash is not base64');
    return bytes;
  });

async function openedOf(v: TVerify, note: string, verifier: TNoteVerifier): Promise<TOpened> {
  const c = await v.openCheckpoint(note, verifier);
  return { origin: c.origin, size: c.size, root: v.encodeBase64(c.rootHash), note };
}

/** The log key as served, read and checked (its key ID must match its name and key). */
async function logKey(v: TVerify) {
  const key = (await text('/v1/audit/key')).trim();
  return { key, verifier: await v.parseVerifierKey(key) };
}

/** A step of a check: done with details, or failed with the verifier's error code. */
export type TStep<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

const failure = (e: unknown): { ok: false; code: string; message: string } => {
  if (e instanceof ApiError) throw e;
  const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : 'other';
  return { ok: false, code, message: e instanceof Error ? e.message : String(e) };
};
async function step<T>(run: () => Promise<T>): Promise<TStep<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (e) {
    return failure(e);
  }
}

export type TEntryCheck = {
  key?: TStep<{ name: string; keyId: string }>;
  signature?: TStep<TOpened>;
  leaf?: TStep<string>;
  inclusion?: TStep<{ count: number; size: number }>;
  /** The latest checkpoint does not cover the entry yet. */
  notCovered?: number;
};

/**
 * Checks one entry: the log key, the latest checkpoint's signature, the entry's leaf hash
 * recomputed from what the page shows, and its inclusion proof against that checkpoint's root.
 * `onStep` sees each step as it finishes; a failed step ends the check.
 */
export async function checkEntry(entry: TAuditEntry, onStep: (c: TEntryCheck) => void): Promise<TEntryCheck> {
  const v = await loadVerifier();
  const c: TEntryCheck = {};
  const done = () => {
    onStep({ ...c });
    return c;
  };
  let verifier: TNoteVerifier | undefined;
  c.key = await step(async () => {
    verifier = (await logKey(v)).verifier;
    return { name: verifier.name, keyId: verifier.keyId.toString(16).padStart(8, '0') };
  });
  if (!c.key.ok || !verifier) return done();
  done();
  const note = await text('/v1/audit/checkpoint');
  const signature = await step(() => openedOf(v, note, verifier!));
  c.signature = signature;
  if (!signature.ok) return done();
  done();
  let leaf: Uint8Array | undefined;
  c.leaf = await step(async () => {
    leaf = await v.auditEntryLeafHash(entry);
    return v.encodeBase64(leaf);
  });
  if (!c.leaf.ok || !leaf) return done();
  const { size, root } = signature.value;
  if (entry.index >= size) {
    c.notCovered = size;
    return done();
  }
  done();
  const proof = await api<{ hashes: string[] }>(
    'GET',
    `/v1/audit/proofs/inclusion?index=${entry.index}&size=${size}`,
  );
  c.inclusion = await step(async () => {
    const hashes = hashesOf(v, proof.hashes);
    await v.verifyInclusion(entry.index, size, leaf!, hashes, v.decodeBase64(root)!);
    return { count: hashes.length, size };
  });
  return done();
}

/** A checkpoint this browser verified, kept between visits. */
export type TKept = { note: string; key: string; keptAt: string };

const STORAGE_KEY = 'enclave.regulator.checkpoints';

function readKeptAll(): Record<string, TKept> {
  try {
    const all = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
    return all && typeof all === 'object' ? all : {};
  } catch {
    return {};
  }
}

function keep(origin: string, kept: TKept) {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...readKeptAll(), [origin]: kept }));
  } catch {
    // storage disabled: the check still ran, it just cannot be compared next time
  }
}

export type TLogCheck =
  | { state: 'none' }
  | { state: 'bad-checkpoint'; code: string; message: string }
  | { state: 'first'; latest: TOpened; key: string }
  | { state: 'consistent'; latest: TOpened; kept: TOpened; keptAt: string; key: string }
  | {
      state: 'rewritten';
      latest: TOpened | null;
      kept: { size: number; note: string };
      keptAt: string;
      why: 'rolledBack' | 'proofFailed' | 'keptInvalid';
      code: string;
    };

/**
 * Verifies the latest checkpoint, and against the checkpoint this browser kept from an earlier
 * visit checks that the log was only appended to (an RFC 9162 consistency proof). A consistent
 * latest checkpoint replaces the kept one; after a failure the kept one stays, as evidence.
 */
export async function checkLog(): Promise<TLogCheck> {
  const v = await loadVerifier();
  const { key, verifier } = await logKey(v);
  let note: string;
  try {
    note = await text('/v1/audit/checkpoint');
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return { state: 'none' };
    throw e;
  }
  const latest = await step(() => openedOf(v, note, verifier));
  if (!latest.ok) return { state: 'bad-checkpoint', code: latest.code, message: latest.message };
  const stored = readKeptAll()[latest.value.origin];
  const keepLatest = () => keep(latest.value.origin, { note, key, keptAt: new Date().toISOString() });
  if (!stored) {
    keepLatest();
    return { state: 'first', latest: latest.value, key };
  }
  const kept = await step(() => openedOf(v, stored.note, verifier));
  const rewritten = (why: 'rolledBack' | 'proofFailed' | 'keptInvalid', code: string, size: number) =>
    ({
      state: 'rewritten',
      latest: latest.value,
      kept: { size, note: stored.note },
      keptAt: stored.keptAt,
      why,
      code,
    }) as const;
  if (!kept.ok) return rewritten('keptInvalid', kept.code, Number(stored.note.split('\n')[1]) || 0);
  const from = kept.value.size;
  const to = latest.value.size;
  if (to < from) return rewritten('rolledBack', 'MERKLE_BAD_RANGE', from);
  if (from > 0) {
    const proof = await api<{ hashes: string[] }>(
      'GET',
      `/v1/audit/proofs/consistency?from=${from}&to=${to}`,
    );
    const holds = await step(() =>
      v.verifyConsistency(
        from,
        to,
        v.decodeBase64(kept.value.root)!,
        v.decodeBase64(latest.value.root)!,
        hashesOf(v, proof.hashes),
      ),
    );
    if (!holds.ok) return rewritten('proofFailed', holds.code, from);
  }
  keepLatest();
  return { state: 'consistent', latest: latest.value, kept: kept.value, keptAt: stored.keptAt, key };
}

/** Asks the platform to sign a checkpoint at the log's current size (it answers the latest either way). */
export async function requestCheckpoint(): Promise<{ isNew: boolean; size: number }> {
  const res = await apiFetch('POST', '/v1/audit/checkpoints', { headers: { accept: 'text/plain' } });
  const size = Number((await res.text()).split('\n')[1]);
  return { isNew: res.status === 201, size };
}
