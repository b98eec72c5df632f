import { concatBytes, decodeBase64, readUint32, sha256, utf8 } from './bytes.ts';

/**
 * Reading and verifying checkpoints of the audit log: C2SP tlog-checkpoint bodies in C2SP signed
 * notes with Ed25519 (signature type 0x01), verified by WebCrypto so the same code runs in the CLI
 * and the browser. Keys use the encodings of golang.org/x/mod/sumdb/note:
 *
 * - verifier key `<name>+<keyid hex>+<base64(0x01 ‖ 32-byte public key)>` (published)
 * - key ID = first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), big-endian
 *
 * ```ts
 * const checkpoint = await openCheckpoint(note, await parseVerifierKey(published)); // throws NoteError
 * ```
 */

export type TNoteErrorCode =
  /** Not a signed note: bad characters, no blank line before signatures, a bad signature line. */
  | 'NOTE_MALFORMED'
  /** A signer or verifier key string that cannot be read, or whose key ID does not match. */
  | 'NOTE_KEY_MALFORMED'
  /** A signature line of the trusted key that does not verify. */
  | 'NOTE_SIGNATURE_INVALID'
  /** No signature of the trusted key at all. */
  | 'NOTE_UNVERIFIED'
  /** A verified note whose text is not a checkpoint. */
  | 'CHECKPOINT_MALFORMED';

export class NoteError extends Error {
  readonly code: TNoteErrorCode;
  constructor(code: TNoteErrorCode, message: string) {
    super(message);
    this.name = 'NoteError';
    this.code = code;
  }
}

export type TCheckpoint = { origin: string; size: number; rootHash: Uint8Array; extensions: string[] };

export type TNoteVerifier = {
  name: string;
  keyId: number;
  /** The 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  verify(message: Uint8Array, signature: Uint8Array): Promise<boolean>;
};

export const ALG_ED25519 = 0x01;
export const SIGNATURE_PREFIX = '\u2014 ';
const MAX_SIGNATURES = 100;
const UNICODE_SPACE = /[\s\u0085]/u;

/** Key names (and origins): non-empty, no Unicode spaces, no `+`, no control characters. */
export function isValidKeyName(name: string): boolean {
  if (name === '' || !name.isWellFormed() || name.includes('+') || UNICODE_SPACE.test(name)) return false;
  for (const ch of name) if (ch.charCodeAt(0) < 0x20 || ch === '\x7f') return false;
  return true;
}

/** What the key ID hashes: name ‖ 0x0A ‖ algorithm ‖ public key. */
export const keyIdPreimage = (name: string, publicKey: Uint8Array): Uint8Array =>
  concatBytes(utf8(name), Uint8Array.of(0x0a, ALG_ED25519), publicKey);

/** The C2SP key ID of an Ed25519 key under `name`. */
export const computeNoteKeyId = async (name: string, publicKey: Uint8Array): Promise<number> =>
  readUint32(await sha256(keyIdPreimage(name, publicKey)));

/** Splits at the first `sep` (base64 may hold `+`, so only the leading fields are split). */
export function chop(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

/** Reads `<name>+<8 hex>+<base64(alg ‖ key)>`; checks name, algorithm and length (not the key ID). */
export function parseKeyFields(text: string): { name: string; keyId: number; key: Uint8Array } {
  const bad = (why: string) => new NoteError('NOTE_KEY_MALFORMED', `malformed key: ${why}`);
  const [name, rest] = chop(text, '+');
  const [idHex, keyB64] = chop(rest, '+');
  if (!isValidKeyName(name)) throw bad('invalid name');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw bad('the key ID is not 8 hex digits');
  const raw = decodeBase64(keyB64);
  if (raw?.length !== 33) throw bad('the key is not 33 base64 bytes');
  if (raw[0] !== ALG_ED25519) throw bad('unknown algorithm');
  return { name, keyId: Number.parseInt(idHex, 16), key: raw.subarray(1) };
}

/** Reads a verifier key string; refuses it unless its key ID matches its name and key. */
export async function parseVerifierKey(text: string): Promise<TNoteVerifier> {
  const { name, keyId, key } = parseKeyFields(text);
  if ((await computeNoteKeyId(name, key)) !== keyId)
    throw new NoteError('NOTE_KEY_MALFORMED', 'malformed key: the key ID does not match the key');
  const publicKey = new Uint8Array(key);
  let cryptoKey: CryptoKey;
  try {
    cryptoKey = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    throw new NoteError('NOTE_KEY_MALFORMED', 'malformed key: not an Ed25519 public key');
  }
  return {
    name,
    keyId,
    publicKey,
    verify: async (message, signature) =>
      signature.length === 64 &&
      crypto.subtle.verify(
        { name: 'Ed25519' },
        cryptoKey,
        signature as Uint8Array<ArrayBuffer>,
        message as Uint8Array<ArrayBuffer>,
      ),
  };
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

function hasOnlyAllowedCharacters(note: string): boolean {
  if (!note.isWellFormed()) return false;
  for (let i = 0; i < note.length; i++) {
    const c = note.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return false;
  }
  return true;
}

/**
 * Opens a signed note: returns its text once a signature by `verifier` verifies. Signatures of
 * other keys are ignored (C2SP: they may be witnesses); one by this key that fails rejects the note.
 */
export async function openNote(input: string | Uint8Array, verifier: TNoteVerifier): Promise<string> {
  const malformed = (why: string) => new NoteError('NOTE_MALFORMED', `malformed note: ${why}`);
  const note = typeof input === 'string' ? input : decodeUtf8(input);
  if (note === null || !hasOnlyAllowedCharacters(note)) throw malformed('control characters or invalid text');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw malformed('the signature block must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed('too many signatures');
  const message = utf8(text);
  let isVerified = false;
  for (const line of lines) {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed('a signature line must start with an em dash');
    const [name, encoded] = chop(line.slice(SIGNATURE_PREFIX.length), ' ');
    const raw = decodeBase64(encoded);
    if (!isValidKeyName(name) || !raw || raw.length < 5) throw malformed('bad signature line');
    if (name !== verifier.name || readUint32(raw) !== verifier.keyId) continue;
    if (!(await verifier.verify(message, raw.subarray(4))))
      throw new NoteError('NOTE_SIGNATURE_INVALID', `the signature of ${name} does not verify`);
    isVerified = true;
  }
  if (!isVerified) throw new NoteError('NOTE_UNVERIFIED', `the note has no signature of ${verifier.name}`);
  return text;
}

/** Reads a checkpoint body (the text of an opened note). */
export function parseCheckpoint(text: string): TCheckpoint {
  const malformed = (why: string) => new NoteError('CHECKPOINT_MALFORMED', `malformed checkpoint: ${why}`);
  if (!text.endsWith('\n')) throw malformed('the text must end with a newline');
  const [origin, sizeLine, rootLine, ...extensions] = text.slice(0, -1).split('\n');
  if (!origin || sizeLine === undefined || rootLine === undefined) throw malformed('fewer than three lines');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine)))
    throw malformed('the size is not a decimal integer');
  const rootHash = decodeBase64(rootLine);
  if (rootHash?.length !== 32) throw malformed('the root hash is not 32 base64 bytes');
  if (extensions.some((line) => line === '')) throw malformed('an empty extension line');
  return { origin, size: Number(sizeLine), rootHash, extensions };
}

/** Opens a signed checkpoint; with `origin`, also refuses a checkpoint of another log. */
export async function openCheckpoint(
  note: string,
  verifier: TNoteVerifier,
  origin?: string,
): Promise<TCheckpoint> {
  const checkpoint = parseCheckpoint(await openNote(note, verifier));
  if (origin !== undefined && checkpoint.origin !== origin)
    throw new NoteError('CHECKPOINT_MALFORMED', `the checkpoint is of ${checkpoint.origin}, not ${origin}`);
  return checkpoint;
}
