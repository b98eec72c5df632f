import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { canonicalizeParsed } from '@enclave/contracts';
import { leafHash } from '../audit/entry-encoding.ts';
import { createTreeBuilder, diffLeaves, equalHashes, rootOf, type TLeafEdit } from '../audit/merkle.ts';
import {
  encodeBase64,
  openCheckpoint,
  parseVerifierKey,
  type TCheckpoint,
  type TNoteVerifier,
  verifyConsistency,
} from '../audit/verify/index.ts';

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

/** A failure: what is wrong, what supports it, and the one sentence that says what to do. */
class VerifyFailure extends Error {
  readonly action: string;
  readonly details: readonly string[];
  constructor(message: string, action: string, details: readonly string[] = []) {
    super(message);
    this.action = action;
    this.details = details;
  }
}

/** A request the platform did not answer with 2xx (status 0: it was not reached). */
class PlatformRefusal extends Error {
  readonly path: string;
  readonly status: number;
  readonly code: string;
  constructor(path: string, status: number, code: string, detail: string) {
    super(detail);
    this.path = path;
    this.status = status;
    this.code = code;
  }
}

/**
 * Beside the signed note, the kept file holds the leaf hash of every entry it covers, as this
 * verifier re-derived them from entries that matched the signed root. Not signed, and not needed:
 * they are checked against that root before use, and serve only to name a later change exactly.
 */
const LEAVES_HEADER = '# leaf hashes';
/** Past this many entries (~180 MB of hashes) the kept file holds the signed note only. */
const KEPT_LEAVES_MAX = 2 ** 22;

/**
 * `enclave audit verify`: proves from outside, with the published key and the checkpoint kept last
 * time, that the platform's log was only ever appended to. It opens the latest signed checkpoint,
 * downloads every entry, re-derives the Merkle roots of the kept and the latest checkpoints from
 * the entries' canonical bytes, and so checks that the kept checkpoint is a prefix of the latest.
 * On a mismatch it names what changed (an entry edited, deleted, inserted, two swapped, the log
 * truncated or rewritten) from the entries and the leaf hashes it kept, never from the platform's
 * word, and ends with what to do. Never touches the platform's database.
 */
export async function verifyAuditLog(input: TAuditVerifyInput): Promise<TAuditVerifyResult> {
  const lines: string[] = [];
  const doFetch =
    input.fetch ?? ((u: string, init?: RequestInit) => fetch(u, { ...init, redirect: 'error' }));
  const base = input.url.replace(/\/+$/, '');
  const get: TGet = async (path, auth = false) => {
    const headers: Record<string, string> = {};
    if (auth && input.token) headers.authorization = `Bearer ${input.token}`;
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, { headers });
    } catch (err) {
      throw new PlatformRefusal(path, 0, 'UNREACHABLE', (err as Error).message);
    }
    if (!res.ok) throw await refusalOf(path, res);
    return res;
  };
  const keptFile = input.checkpointFile && existsSync(input.checkpointFile) ? input.checkpointFile : null;
  const evidence = keptFile ? `the checkpoint file ${keptFile}` : 'this output';
  let kept: TKept | null = null;
  try {
    const verifier = await loadVerifier(input.key, get, lines);
    const readKeptFile = keptFile ? () => readKept(keptFile, verifier) : null;
    const latestNote = await fetchLatestNote(get, readKeptFile, evidence);
    const latest = await open(latestNote, verifier, 'the latest checkpoint', latestAction(evidence));
    kept = readKeptFile ? await readKeptFile() : null;
    lines.push(`ok   latest checkpoint signed by ${verifier.name}: size ${latest.size}`);
    if (!kept)
      lines.push('note no kept checkpoint: this run checks the log against the latest checkpoint only');
    else if (kept.checkpoint.origin !== latest.origin)
      throw new VerifyFailure(
        `the kept checkpoint is of ${kept.checkpoint.origin}, the latest of ${latest.origin}`,
        'Check that --url and --checkpoint are for the same platform, then run again.',
      );

    const found = await download(get, [kept?.checkpoint.size ?? 0, latest.size], input.onProgress);
    const check = { found, latest, get, evidence, lines };
    if (kept) await checkAgainstKept(kept, check);
    await checkAgainstLatest(check, kept?.checkpoint.size ?? 0, kept !== null);
    if (kept)
      lines.push(
        `ok   the latest checkpoint extends the kept one (size ${kept.checkpoint.size} → ${latest.size}): both roots re-derive from the same entries`,
      );
    lines.push(`ok   ${latest.size} entries re-derive the root ${encodeBase64(latest.rootHash)}`);
    if (input.checkpointFile) {
      const isWithLeaves = latest.size > 0 && latest.size <= KEPT_LEAVES_MAX;
      const text = keptFileText(latestNote, isWithLeaves ? found : null, latest.size);
      await writeFile(input.checkpointFile, text, { mode: 0o644 });
      lines.push(
        `ok   kept the checkpoint of size ${latest.size} in ${input.checkpointFile} for next time${isWithLeaves ? ', with the hash of each entry to name any later change' : ''}`,
      );
    }
    lines.push(`VERIFIED audit log of ${latest.origin}: ${latest.size} entries, append-only`);
    return { ok: true, lines };
  } catch (err) {
    const failure =
      err instanceof VerifyFailure
        ? err
        : err instanceof PlatformRefusal
          ? explainRefusal(err, kept, evidence)
          : new VerifyFailure(
              String(err instanceof Error ? err.message : err),
              'Run again; if this keeps happening, report it to the platform operator with this output.',
            );
    lines.push(`FAIL ${failure.message}`);
    for (const detail of failure.details) lines.push(`     ${detail}`);
    lines.push('NOT VERIFIED');
    lines.push(failure.action);
    return { ok: false, lines };
  }
}

type TGet = (path: string, auth?: boolean) => Promise<Response>;
type TKept = { checkpoint: TCheckpoint; file: string; leafLines: string[] | null };
/** The entries as downloaded: their leaf hashes, concatenated, and the roots at the sizes asked for. */
type TFound = {
  count: number;
  hashes: Buffer;
  roots: Map<number, Buffer>;
  /** The first entry whose `index` is not its position: a gap or a step back. */
  gap: { at: number; prev: number; index: number } | null;
};
type TCheck = { found: TFound; latest: TCheckpoint; get: TGet; evidence: string; lines: string[] };

const distrust = (first: number, evidence: string) =>
  first <= 0
    ? `Do not trust any entry of this log; keep ${evidence} as evidence and report to the platform operator.`
    : `Do not trust this log after entry ${first - 1}; keep ${evidence} as evidence and report to the platform operator.`;

const latestAction = (evidence: string) =>
  `Check that --key is the key the platform publishes; if it is, do not trust this log: keep ${evidence} as evidence and report to the platform operator.`;

async function refusalOf(path: string, res: Response): Promise<PlatformRefusal> {
  const text = (await res.text()).slice(0, 300);
  try {
    const problem = JSON.parse(text) as { code?: unknown; detail?: unknown };
    if (typeof problem.code === 'string')
      return new PlatformRefusal(path, res.status, problem.code, String(problem.detail ?? ''));
  } catch {}
  return new PlatformRefusal(path, res.status, '', text);
}

/** A refusal the checks did not expect, as a diagnosis rather than an HTTP status. */
function explainRefusal(err: PlatformRefusal, kept: TKept | null, evidence: string): VerifyFailure {
  const said = `GET ${err.path}: HTTP ${err.status}${err.code ? ` ${err.code}` : ''}${err.message ? `: ${err.message}` : ''}`;
  if (err.status === 0)
    return new VerifyFailure(
      `could not reach the platform (${err.message})`,
      'Check the URL and the network, then run again.',
    );
  if (err.code === 'AUDIT_SIZE_BEYOND_LOG')
    return new VerifyFailure(
      `the platform refuses to serve a size of the log it once signed${kept ? ` (you kept its checkpoint of size ${kept.checkpoint.size})` : ''}: the log was truncated or rolled back`,
      distrust(0, evidence),
      [`the platform said ${said}`],
    );
  if (err.status === 401 || err.status === 403)
    return new VerifyFailure(
      `the platform refused the token (${said})`,
      'Pass a valid regulator token with --token or ENCLAVE_TOKEN, then run again.',
    );
  if (err.status >= 500)
    return new VerifyFailure(
      `the platform failed to answer (${said})`,
      'Run again later; if it keeps failing, report it to the platform operator with this output.',
    );
  return new VerifyFailure(
    `the platform refused a request the verifier needs (${said})`,
    'Check the URL and options, then run again; if the platform keeps refusing, report it to the platform operator with this output.',
  );
}

async function loadVerifier(key: string | undefined, get: TGet, lines: string[]): Promise<TNoteVerifier> {
  let text = key;
  if (text && !text.includes('+')) text = (await readFile(text, 'utf8')).trim();
  if (!text) {
    text = (await (await get('/v1/audit/key')).text()).trim();
    lines.push('note using the key the platform serves; pass --key to pin the published one');
  }
  try {
    return await parseVerifierKey(text);
  } catch (err) {
    throw new VerifyFailure(
      `the verifier key is unusable: ${(err as Error).message}`,
      'Pass the key the platform publishes with --key, then run again.',
    );
  }
}

async function open(
  note: string,
  verifier: TNoteVerifier,
  what: string,
  action: string,
): Promise<TCheckpoint> {
  try {
    return await openCheckpoint(note, verifier);
  } catch (err) {
    throw new VerifyFailure(`${what} does not verify: ${(err as Error).message}`, action);
  }
}

/** The latest signed note; none at all, when one was kept, means the platform's checkpoints were removed. */
async function fetchLatestNote(
  get: TGet,
  readKeptFile: (() => Promise<TKept>) | null,
  evidence: string,
): Promise<string> {
  try {
    return await (await get('/v1/audit/checkpoint')).text();
  } catch (err) {
    if (!(err instanceof PlatformRefusal) || err.status !== 404) throw err;
    const kept = readKeptFile ? await readKeptFile() : null;
    if (!kept)
      throw new VerifyFailure(
        'the platform has issued no checkpoint yet',
        'Ask the platform operator to issue one (POST /v1/audit/checkpoints), then run again.',
      );
    throw new VerifyFailure(
      `the platform serves no signed checkpoint, though it signed the one of size ${kept.checkpoint.size} you kept: its checkpoints were removed (rolled back)`,
      distrust(0, evidence),
    );
  }
}

/** The kept file: its signed note (which must verify) and, if present, the leaf hash lines after it. */
async function readKept(file: string, verifier: TNoteVerifier): Promise<TKept> {
  const text = await readFile(file, 'utf8');
  const signatures = text.indexOf('\n\n');
  const at = signatures < 0 ? -1 : text.indexOf(`\n${LEAVES_HEADER}`, signatures + 1);
  const note = at < 0 ? text : text.slice(0, at + 1);
  const checkpoint = await open(
    note,
    verifier,
    `the kept checkpoint ${file}`,
    'Check that --key is the published key and restore the checkpoint file from a copy you trust, then run again.',
  );
  const leafLines =
    at < 0
      ? null
      : text
          .slice(at + 1)
          .split('\n')
          .slice(1)
          .filter(Boolean);
  return { checkpoint, file, leafLines };
}

/** The kept leaf hashes, if the file has them and they re-derive its signed root. */
function keptLeaves(kept: TKept, lines: string[]): Buffer[] | null {
  if (!kept.leafLines) return null;
  const leaves = kept.leafLines.map((l) => Buffer.from(l, 'base64'));
  const isWhole =
    leaves.length === kept.checkpoint.size &&
    leaves.every((h) => h.length === 32) &&
    equalHashes(rootOf(leaves), kept.checkpoint.rootHash);
  if (isWhole) return leaves;
  lines.push(`note the entry hashes in ${kept.file} do not re-derive its signed root; they are not used`);
  return null;
}

function keptFileText(note: string, found: TFound | null, size: number): string {
  if (!found) return note;
  const out = [
    `${LEAVES_HEADER} of entries 0 to ${size - 1}, re-derived by enclave audit verify (not signed)`,
  ];
  for (let i = 0; i < size; i++) out.push(leafAt(found, i).toString('base64'));
  return `${note}${out.join('\n')}\n`;
}

/**
 * Downloads every entry in order and hashes each as a leaf; records the root at each of `sizes`
 * and the first entry whose `index` is not its position.
 */
async function download(
  get: TGet,
  sizes: number[],
  onProgress?: (done: number, total: number) => void,
): Promise<TFound> {
  const res = await get('/v1/audit/export?format=ndjson&from_index=0', true);
  const total = Number(res.headers.get('x-audit-log-size')) || 0;
  const found: TFound = {
    count: 0,
    hashes: Buffer.alloc(32 * Math.max(total, 64)),
    roots: new Map(),
    gap: null,
  };
  const tree = createTreeBuilder();
  const record = () => {
    if (sizes.includes(found.count)) found.roots.set(found.count, tree.root());
  };
  record();
  let prev = -1;
  const take = (line: string) => {
    if (line === '') return;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new VerifyFailure(
        `the export is not NDJSON after entry ${found.count - 1}`,
        'Run again; if this keeps happening, report it to the platform operator with this output.',
      );
    }
    const { index, ...rest } = entry;
    const claimed = typeof index === 'number' ? index : Number.NaN;
    if (claimed !== prev + 1 && !found.gap) found.gap = { at: found.count, prev, index: claimed };
    prev = claimed;
    const leaf = leafHash(Buffer.from(canonicalizeParsed(rest), 'utf8'));
    if (32 * (found.count + 1) > found.hashes.length)
      found.hashes = Buffer.concat([found.hashes, Buffer.alloc(found.hashes.length)]);
    leaf.copy(found.hashes, 32 * found.count);
    tree.append(leaf);
    found.count++;
    record();
    if (onProgress && found.count % 100_000 === 0) onProgress(found.count, total);
  };
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const text = rest + decoder.decode(chunk, { stream: true });
    const parts = text.split('\n');
    rest = parts.pop()!;
    for (const line of parts) take(line);
  }
  take(rest + decoder.decode());
  onProgress?.(found.count, total);
  return found;
}

const leafAt = (found: TFound, i: number) => found.hashes.subarray(32 * i, 32 * i + 32);
const leavesOf = (found: TFound, n: number) => Array.from({ length: n }, (_, i) => leafAt(found, i));
const rootAt = (found: TFound, n: number) => found.roots.get(n) ?? rootOf(leavesOf(found, n));

/** The first `kept.size` entries must re-derive the kept root; if not, name what changed. */
async function checkAgainstKept(kept: TKept, c: TCheck): Promise<void> {
  const { size, rootHash } = kept.checkpoint;
  if (c.found.count >= size && equalHashes(rootAt(c.found, size), rootHash)) {
    if (c.latest.size < size)
      throw new VerifyFailure(
        `the platform's latest checkpoint covers ${c.latest.size} entries, fewer than the ${size} of the one you kept, though those entries are still there: it serves a rolled-back checkpoint`,
        `Do not trust this platform's checkpoints; keep ${c.evidence} as evidence and report to the platform operator.`,
      );
    c.lines.push(`ok   the first ${size} entries re-derive the kept checkpoint's root`);
    return;
  }
  const leaves = keptLeaves(kept, c.lines);
  if (!leaves)
    throw await locateWithoutLeaves(c, kept.checkpoint, 'the checkpoint you kept', 0, [
      `${kept.file} holds no usable entry hashes (files kept before this version hold none), so the change can only be placed in a range`,
    ]);
  const edits = diffLeaves(leaves, leavesOf(c.found, c.found.count));
  const [first, ...more] = edits;
  if (!first) throw new Error('the kept entry hashes re-derive the root but differ from the log');
  const details = more.slice(0, 5).map((e) => `then ${describeEdit(e, c.found, size)}`);
  if (more.length > 5) details.push(`and ${more.length - 5} more changes`);
  if (!equalHashes(c.latest.rootHash, rootHash)) details.push(platformStance(c, size));
  throw new VerifyFailure(
    `the log is no longer what you verified: ${describeEdit(first, c.found, size)}`,
    distrust(first.kept, c.evidence),
    details,
  );
}

/** The first `latest.size` entries must re-derive the latest root (the first `known` are proven already). */
async function checkAgainstLatest(c: TCheck, known: number, hasKept: boolean): Promise<void> {
  const { size, rootHash } = c.latest;
  if (c.found.count >= size && equalHashes(rootAt(c.found, size), rootHash)) return;
  throw await locateWithoutLeaves(c, c.latest, 'the latest checkpoint', known, [
    hasKept
      ? `this verifier never hashed the entries past the ${known} you kept, and the latest checkpoint holds only its root`
      : 'keep a checkpoint file (--checkpoint) so that a later run can name the exact entry that changes',
  ]);
}

/**
 * Where a break lies when only a signed root of `ref.size` entries is held: an `index` out of
 * sequence names it; else the platform's consistency proofs, checked against the signed root, may
 * confirm a prefix (a proof cannot make a wrong prefix agree; a failing one proves nothing).
 */
async function locateWithoutLeaves(
  c: TCheck,
  ref: TCheckpoint,
  name: string,
  known: number,
  why: string[],
): Promise<VerifyFailure> {
  const { found } = c;
  const gap = found.gap;
  if (gap && gap.at < ref.size) {
    const message =
      gap.index > gap.prev + 1
        ? `${gap.index === gap.prev + 2 ? `entry ${gap.prev + 1} was deleted` : `entries ${gap.prev + 1}–${gap.index - 1} were deleted`}: the entries jump from ${gap.prev} to ${gap.index}`
        : `the entries are out of order: index ${gap.index} follows ${gap.prev}`;
    return new VerifyFailure(message, distrust(gap.at, c.evidence), [`${name} covers ${ref.size} entries`]);
  }
  const confirmed = await confirmedPrefix(found, ref, c.get, known, Math.min(ref.size - 1, found.count));
  const proven =
    confirmed === 0
      ? 'no entry is confirmed: the platform’s consistency proofs confirm none against the signed root'
      : `entries 0–${confirmed - 1} are confirmed (${confirmed === known ? 'by the checkpoint you kept' : 'by the platform’s consistency proofs, checked against the signed root'})`;
  if (found.count < ref.size)
    return new VerifyFailure(
      `the log now has ${found.count} entries but ${name} covers ${ref.size}: entries ${found.count}–${ref.size - 1} were removed after being signed (truncation or rollback)`,
      distrust(confirmed, c.evidence),
      [proven, ...why],
    );
  return new VerifyFailure(
    `the entries no longer re-derive the root of ${name}: the first break lies in entries ${confirmed}–${ref.size - 1} (entry ${confirmed} is the first one not confirmed)`,
    distrust(confirmed, c.evidence),
    [proven, ...why],
  );
}

/** The largest k in [known, max] for which the platform proves the first k entries a prefix of `ref`. */
async function confirmedPrefix(found: TFound, ref: TCheckpoint, get: TGet, known: number, max: number) {
  const agrees = async (k: number) => {
    try {
      const res = await get(`/v1/audit/proofs/consistency?from=${k}&to=${ref.size}`);
      const proof = ((await res.json()) as { hashes: string[] }).hashes.map((h) => Buffer.from(h, 'base64'));
      await verifyConsistency(k, ref.size, rootAt(found, k), ref.rootHash, proof);
      return true;
    } catch {
      return false;
    }
  };
  let lo = known;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (await agrees(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function describeEdit(e: TLeafEdit, found: TFound, keptSize: number): string {
  switch (e.kind) {
    case 'changed':
      return `entry ${e.kept}'s content differs from what was signed${e.now === e.kept ? '' : ` (it is now entry ${e.now})`}`;
    case 'deleted': {
      const what =
        e.count === 1
          ? `entry ${e.kept} was deleted`
          : `entries ${e.kept}–${e.kept + e.count - 1} were deleted`;
      if (found.gap?.at === e.now)
        return `${what}: the entries jump from ${found.gap.prev} to ${found.gap.index}`;
      return `${what}, and the entries after ${e.count === 1 ? 'it' : 'them'} renumbered to hide the gap (what was entry ${e.kept + e.count} is now entry ${e.now})`;
    }
    case 'inserted':
      return `${e.count === 1 ? `an entry was inserted at index ${e.now}` : `${e.count} entries were inserted at indexes ${e.now}–${e.now + e.count - 1}`}, which is not in the log you verified: what was entry ${e.kept} is now entry ${e.now + e.count}`;
    case 'swapped':
      return `entries ${e.kept} and ${e.with} appear swapped`;
    case 'rewritten':
      return `the log was rewritten from entry ${e.kept} on: none of entries ${e.kept}–${keptSize - 1} that you verified is still in it (a fork: rolled back and regrown differently)`;
    case 'truncated':
      return `the log now has ${found.count} entries but the checkpoint you kept covers ${keptSize}: ${e.count} entries were removed from the end (truncation)`;
  }
}

/** Whether the platform signed the altered log (its tree rebuilt to match) or its own checkpoint disagrees too. */
function platformStance(c: TCheck, keptSize: number): string {
  const { size, rootHash } = c.latest;
  if (c.found.count < size || !equalHashes(rootAt(c.found, size), rootHash))
    return `the entries the platform serves do not match its own latest checkpoint (size ${size}) either`;
  return size < keptSize
    ? `the platform's latest checkpoint covers only ${size} entries, fewer than the ${keptSize} it signed before: it signs the cut-down log`
    : `the platform's latest checkpoint (size ${size}) signs the altered log: its Merkle tree was rebuilt after the change`;
}
