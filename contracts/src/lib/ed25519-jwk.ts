import { calculateJwkThumbprint } from 'jose';
import { ContractError } from '../errors.ts';
import { decodeBase64url } from './base64url.ts';
import { isJsonObject, type TJsonObject } from './json.ts';

export type TEd25519PublicJwk = { kty: 'OKP'; crv: 'Ed25519'; x: string; kid?: string };
export type TEd25519PrivateJwk = { kty: 'OKP'; crv: 'Ed25519'; x: string; d: string };

/**
 * Members a JWK may carry besides kty/crv/x (and d for a private key). Anything else (x5u, jku,
 * x5c, RSA or EC parameters, `k`…) is refused rather than ignored: a key is data we store and
 * publish, and nothing in it may point elsewhere.
 */
const OPTIONAL_MEMBERS = new Set(['kid', 'alg', 'use', 'key_ops', 'ext', 'validFrom', 'validUntil']);

/**
 * Encodings of the eight small-order points, the sign bit cleared (libsodium's list). A public key
 * of small order lets a "signature" verify for many messages; such a key is never accepted.
 */
const SMALL_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function refuse(message: string): never {
  throw new ContractError('CONTRACT_KEY_INVALID', message);
}

function key32(value: unknown, member: string): Uint8Array {
  if (typeof value !== 'string') refuse(`"${member}" must be a base64url string`);
  const bytes = decodeBase64url(value);
  if (bytes?.length !== 32) refuse(`"${member}" must be 32 bytes of unpadded base64url (43 characters)`);
  return bytes;
}

function checkPoint(x: Uint8Array): void {
  const y = x.slice();
  y[31] &= 0x7f;
  // y >= p = 2^255 - 19 is a non-canonical encoding.
  if (y[31] === 0x7f && y.subarray(1, 31).every((b) => b === 0xff) && y[0] >= 0xed) {
    refuse('"x" is not a canonical Ed25519 point encoding');
  }
  if (SMALL_ORDER.includes(hex(y))) refuse('"x" is a small-order point, not a usable public key');
}

function checkCommon(jwk: TJsonObject, kind: 'public' | 'private'): void {
  if (jwk.kty !== 'OKP') refuse(`"kty" must be "OKP" (an Ed25519 key), not ${JSON.stringify(jwk.kty)}`);
  if (jwk.crv !== 'Ed25519') refuse(`"crv" must be "Ed25519", not ${JSON.stringify(jwk.crv)}`);
  const required = kind === 'public' ? ['kty', 'crv', 'x'] : ['kty', 'crv', 'x', 'd'];
  for (const name of Object.keys(jwk)) {
    if (name === 'd' && kind === 'public') refuse('this is a private key ("d"); give only the public part');
    if (!required.includes(name) && !OPTIONAL_MEMBERS.has(name)) refuse(`member "${name}" is not allowed`);
  }
  if (
    jwk.kid !== undefined &&
    (typeof jwk.kid !== 'string' || jwk.kid.length === 0 || jwk.kid.length > 256)
  ) {
    refuse('"kid" must be a non-empty string');
  }
  if (jwk.alg !== undefined && jwk.alg !== 'EdDSA' && jwk.alg !== 'Ed25519') refuse('"alg" must be "EdDSA"');
  if (jwk.use !== undefined && jwk.use !== 'sig') refuse('"use" must be "sig"');
  if (jwk.ext !== undefined && typeof jwk.ext !== 'boolean') refuse('"ext" must be a boolean');
  if (jwk.key_ops !== undefined) {
    const op = kind === 'public' ? 'verify' : 'sign';
    if (!Array.isArray(jwk.key_ops) || jwk.key_ops.length !== 1 || jwk.key_ops[0] !== op) {
      refuse(`"key_ops" must be ["${op}"]`);
    }
  }
  checkPoint(key32(jwk.x, 'x'));
}

export function parsePublicJwk(value: unknown): TEd25519PublicJwk {
  if (!isJsonObject(value)) refuse('a JWK must be a JSON object');
  checkCommon(value, 'public');
  const out: TEd25519PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: value.x as string };
  if (typeof value.kid === 'string') out.kid = value.kid;
  return out;
}

export function parsePrivateJwk(value: unknown): TEd25519PrivateJwk {
  if (!isJsonObject(value)) refuse('a private JWK must be a JSON object');
  checkCommon(value, 'private');
  key32(value.d, 'd');
  return { kty: 'OKP', crv: 'Ed25519', x: value.x as string, d: value.d as string };
}

/** Thumbprints by `x`: public values, and a WebCrypto digest costs about as much as a signature. */
const thumbprints = new Map<string, Promise<string>>();
const MAX_CACHED = 256;

/** RFC 7638 thumbprint (SHA-256, base64url) of the public part of an already-parsed key. */
export function thumbprintOf(jwk: { x: string }): Promise<string> {
  let thumbprint = thumbprints.get(jwk.x);
  if (!thumbprint) {
    thumbprint = calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x }, 'sha256');
    thumbprint.catch(() => thumbprints.delete(jwk.x));
    if (thumbprints.size >= MAX_CACHED) thumbprints.delete(thumbprints.keys().next().value!);
    thumbprints.set(jwk.x, thumbprint);
  }
  return thumbprint;
}
