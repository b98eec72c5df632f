import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';

/**
 * Checkpoints of the audit log: C2SP tlog-checkpoint bodies in C2SP signed notes with Ed25519
 * (signature type 0x01). Keys use the encodings of golang.org/x/mod/sumdb/note, so Go tooling
 * and these functions read each other's keys and notes:
 *
 * - signer key `PRIVATE+KEY+<name>+<keyid hex>+<base64(0x01 ‖ 32-byte seed)>` (secret)
 * - verifier key `<name>+<keyid hex>+<base64(0x01 ‖ 32-byte public key)>` (published)
 * - key ID = first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), big-endian
 *
 * ```ts
 * const note = signNote(formatCheckpoint({ origin, size, rootHash }), signer);
 * const checkpoint = openCheckpoint(note, parseVerifierKey(published)); // throws NoteError
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

export type TCheckpoint = { origin: string; size: number; rootHash: Buffer; extensions: string[] };

export type TNoteSigner = {
  name: string;
  keyId: number;
  /** The 32-byte Ed25519 public key. */
  publicKey: Buffer;
  sign(message: Uint8Array): Buffer;
};

export type TNoteVerifier = {
  name: string;
  keyId: number;
  publicKey: Buffer;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
};

const ALG_ED25519 = 0x01;
const SIGNATURE_PREFIX = '\u2014 ';
const MAX_SIGNATURES = 100;
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UNICODE_SPACE = /[\s\u0085]/u;

/** Key names (and origins): non-empty, no Unicode spaces, no `+`, no control characters. */
export function isValidKeyName(name: string): boolean {
  if (name === '' || !name.isWellFormed() || name.includes('+') || UNICODE_SPACE.test(name)) return false;
  for (const ch of name) if (ch.charCodeAt(0) < 0x20 || ch === '\x7f') return false;
  return true;
}

/** Strict base64: padded, canonical alphabet, nothing else. */
function decodeBase64(text: string): Buffer | null {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : null;
}

/** The C2SP key ID of an Ed25519 key under `name`. */
export function noteKeyId(name: string, publicKey: Uint8Array): number {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.of(0x0a, ALG_ED25519))
    .update(publicKey)
    .digest()
    .readUInt32BE(0);
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** Splits at the first `sep` (base64 may hold `+`, so only the leading fields are split). */
function chop(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

/** Reads `<name>+<8 hex>+<base64(alg ‖ key)>`; checks name, algorithm, length and key ID. */
function parseKeyFields(text: string): { name: string; keyId: number; key: Buffer } {
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

const publicKeyObject = (raw: Uint8Array): KeyObject =>
  createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });

const rawPublicKey = (key: KeyObject): Buffer => {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
};

/** A new signer key string for `name`. Keep it secret; publish `verifierKeyOf(parseSignerKey(it))`. */
export function generateSignerKey(name: string): string {
  if (!isValidKeyName(name)) throw new NoteError('NOTE_KEY_MALFORMED', 'invalid key name');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519_PREFIX.length);
  const keyId = noteKeyId(name, rawPublicKey(publicKey));
  const encoded = Buffer.concat([Buffer.of(ALG_ED25519), seed]).toString('base64');
  return `PRIVATE+KEY+${name}+${hex8(keyId)}+${encoded}`;
}

/** Reads a signer key string; refuses it unless its key ID matches the public key it derives. */
export function parseSignerKey(text: string): TNoteSigner {
  const [p1, r1] = chop(text, '+');
  const [p2, rest] = chop(r1, '+');
  if (p1 !== 'PRIVATE' || p2 !== 'KEY')
    throw new NoteError('NOTE_KEY_MALFORMED', 'malformed key: a signer key starts with PRIVATE+KEY+');
  const { name, keyId, key: seed } = parseKeyFields(rest);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = rawPublicKey(createPublicKey(privateKey));
  if (noteKeyId(name, publicKey) !== keyId)
    throw new NoteError('NOTE_KEY_MALFORMED', 'malformed key: the key ID does not match the key');
  return { name, keyId, publicKey, sign: (message) => sign(null, message, privateKey) };
}

/** The verifier key string of a signer, as published for verifiers. */
export function verifierKeyOf(signer: Pick<TNoteSigner, 'name' | 'keyId' | 'publicKey'>): string {
  const encoded = Buffer.concat([Buffer.of(ALG_ED25519), signer.publicKey]).toString('base64');
  return `${signer.name}+${hex8(signer.keyId)}+${encoded}`;
}

/** Reads a verifier key string; refuses it unless its key ID matches its name and key. */
export function parseVerifierKey(text: string): TNoteVerifier {
  const { name, keyId, key } = parseKeyFields(text);
  if (noteKeyId(name, key) !== keyId)
    throw new NoteError('NOTE_KEY_MALFORMED', 'malformed key: the key ID does not match the key');
  const keyObject = publicKeyObject(key);
  return {
    name,
    keyId,
    publicKey: Buffer.from(key),
    verify: (message, signature) => signature.length === 64 && verify(null, message, keyObject, signature),
  };
}

/** Signs `text` (which must end in a newline): the text, a blank line, one signature line. */
export function signNote(text: string, signer: TNoteSigner): string {
  if (!text.endsWith('\n')) throw new NoteError('NOTE_MALFORMED', 'the note text must end with a newline');
  if (!isValidKeyName(signer.name)) throw new NoteError('NOTE_KEY_MALFORMED', 'invalid signer name');
  const keyId = Buffer.alloc(4);
  keyId.writeUInt32BE(signer.keyId);
  const signature = signer.sign(Buffer.from(text, 'utf8'));
  return `${text}\n${SIGNATURE_PREFIX}${signer.name} ${Buffer.concat([keyId, signature]).toString('base64')}\n`;
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
export function openNote(input: string | Uint8Array, verifier: TNoteVerifier): string {
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
  const message = Buffer.from(text, 'utf8');
  let isVerified = false;
  for (const line of lines) {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed('a signature line must start with an em dash');
    const [name, encoded] = chop(line.slice(SIGNATURE_PREFIX.length), ' ');
    const raw = decodeBase64(encoded);
    if (!isValidKeyName(name) || !raw || raw.length < 5) throw malformed('bad signature line');
    if (name !== verifier.name || raw.readUInt32BE(0) !== verifier.keyId) continue;
    if (!verifier.verify(message, raw.subarray(4)))
      throw new NoteError('NOTE_SIGNATURE_INVALID', `the signature of ${name} does not verify`);
    isVerified = true;
  }
  if (!isVerified) throw new NoteError('NOTE_UNVERIFIED', `the note has no signature of ${verifier.name}`);
  return text;
}

/** The checkpoint body: origin, tree size, base64 root hash, each on its own line. */
export function formatCheckpoint(c: { origin: string; size: number; rootHash: Uint8Array }): string {
  if (!isValidKeyName(c.origin)) throw new NoteError('CHECKPOINT_MALFORMED', 'invalid origin');
  if (!Number.isSafeInteger(c.size) || c.size < 0)
    throw new NoteError('CHECKPOINT_MALFORMED', 'invalid size');
  if (c.rootHash.length !== 32) throw new NoteError('CHECKPOINT_MALFORMED', 'the root hash is not 32 bytes');
  return `${c.origin}\n${c.size}\n${Buffer.from(c.rootHash).toString('base64')}\n`;
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
export function openCheckpoint(note: string, verifier: TNoteVerifier, origin?: string): TCheckpoint {
  const checkpoint = parseCheckpoint(openNote(note, verifier));
  if (origin !== undefined && checkpoint.origin !== origin)
    throw new NoteError('CHECKPOINT_MALFORMED', `the checkpoint is of ${checkpoint.origin}, not ${origin}`);
  return checkpoint;
}
