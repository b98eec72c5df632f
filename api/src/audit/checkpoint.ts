import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import { encodeBase64 } from './verify/bytes.ts';
import {
  ALG_ED25519,
  chop,
  isValidKeyName,
  keyIdPreimage,
  NoteError,
  parseKeyFields,
  SIGNATURE_PREFIX,
} from './verify/signed-note.ts';

/**
 * Signing checkpoints of the audit log: C2SP tlog-checkpoint bodies in C2SP signed notes with
 * Ed25519 (signature type 0x01), the platform's side. Reading and verifying them lives in
 * `./verify/signed-note.ts`, which the CLI and the browser share, and is re-exported here. Keys use
 * the encodings of golang.org/x/mod/sumdb/note, so Go tooling and these functions read each
 * other's keys and notes:
 *
 * - signer key `PRIVATE+KEY+<name>+<keyid hex>+<base64(0x01 ‖ 32-byte seed)>` (secret)
 * - verifier key `<name>+<keyid hex>+<base64(0x01 ‖ 32-byte public key)>` (published)
 * - key ID = first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), big-endian
 *
 * ```ts
 * const note = signNote(formatCheckpoint({ origin, size, rootHash }), signer);
 * const checkpoint = await openCheckpoint(note, await parseVerifierKey(published)); // throws NoteError
 * ```
 */

export {
  isValidKeyName,
  NoteError,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  type TCheckpoint,
  type TNoteErrorCode,
  type TNoteVerifier,
} from './verify/signed-note.ts';

export type TNoteSigner = {
  name: string;
  keyId: number;
  /** The 32-byte Ed25519 public key. */
  publicKey: Buffer;
  sign(message: Uint8Array): Buffer;
};

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The C2SP key ID of an Ed25519 key under `name` (synchronous, for the signer's side). */
export function noteKeyId(name: string, publicKey: Uint8Array): number {
  return createHash('sha256').update(keyIdPreimage(name, publicKey)).digest().readUInt32BE(0);
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

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

/** Signs `text` (which must end in a newline): the text, a blank line, one signature line. */
export function signNote(text: string, signer: TNoteSigner): string {
  if (!text.endsWith('\n')) throw new NoteError('NOTE_MALFORMED', 'the note text must end with a newline');
  if (!isValidKeyName(signer.name)) throw new NoteError('NOTE_KEY_MALFORMED', 'invalid signer name');
  const keyId = Buffer.alloc(4);
  keyId.writeUInt32BE(signer.keyId);
  const signature = signer.sign(Buffer.from(text, 'utf8'));
  return `${text}\n${SIGNATURE_PREFIX}${signer.name} ${Buffer.concat([keyId, signature]).toString('base64')}\n`;
}

/** The checkpoint body: origin, tree size, base64 root hash, each on its own line. */
export function formatCheckpoint(c: { origin: string; size: number; rootHash: Uint8Array }): string {
  if (!isValidKeyName(c.origin)) throw new NoteError('CHECKPOINT_MALFORMED', 'invalid origin');
  if (!Number.isSafeInteger(c.size) || c.size < 0)
    throw new NoteError('CHECKPOINT_MALFORMED', 'invalid size');
  if (c.rootHash.length !== 32) throw new NoteError('CHECKPOINT_MALFORMED', 'the root hash is not 32 bytes');
  return `${c.origin}\n${c.size}\n${encodeBase64(c.rootHash)}\n`;
}
