import { canonicalize } from '../canonicalize.ts';
import { ContractError, type TContractErrorCode } from '../errors.ts';
import { CONTRACT_TYP, type TGeneralJws, type TJwsSignature } from '../jws.ts';
import { type TContractPayload, ZContractPayload } from '../payload.ts';
import { decodeBase64url } from './base64url.ts';
import { decodeUtf8, hasExactly, isJsonObject, parseJson } from './json.ts';

/** Far above any real contract (~10 KB); bounds the work hostile input can cause. */
const MAX_PAYLOAD_CHARS = 2 ** 20;
const MAX_HEADER_CHARS = 4096;
const MAX_SIGNATURES = 8;
const MAX_KID_CHARS = 256;
const HEADER_MEMBERS = new Set(['alg', 'kid', 'typ']);

function fail(code: TContractErrorCode, message: string): never {
  throw new ContractError(code, message);
}

/** The General JSON shape, exactly: `{ payload, signatures: [{ protected, signature }…] }`. */
export function parseGeneralJws(value: unknown): TGeneralJws {
  if (typeof value === 'string') {
    fail('CONTRACT_MALFORMED', 'a compact JWS is not accepted; give the General JSON serialization');
  }
  if (!isJsonObject(value)) fail('CONTRACT_MALFORMED', 'a contract must be a General JSON JWS object');
  if (
    Object.hasOwn(value, 'signature') ||
    Object.hasOwn(value, 'protected') ||
    Object.hasOwn(value, 'header')
  ) {
    fail('CONTRACT_MALFORMED', 'a flattened JWS is not accepted; give the General JSON serialization');
  }
  if (!hasExactly(value, ['payload', 'signatures'])) {
    fail('CONTRACT_MALFORMED', 'a contract JWS has exactly the members "payload" and "signatures"');
  }
  if (typeof value.payload !== 'string') fail('CONTRACT_MALFORMED', '"payload" must be a string');
  const { signatures } = value;
  if (!Array.isArray(signatures) || signatures.length === 0 || signatures.length > MAX_SIGNATURES) {
    fail('CONTRACT_MALFORMED', `"signatures" must be an array of 1 to ${MAX_SIGNATURES} signatures`);
  }
  return { payload: value.payload, signatures: signatures.map(parseSignature) };
}

export function parseSignature(value: unknown): TJwsSignature {
  if (!isJsonObject(value)) fail('CONTRACT_MALFORMED', 'a signature must be an object');
  if (Object.hasOwn(value, 'header')) {
    fail(
      'CONTRACT_HEADER_NOT_ALLOWED',
      'an unprotected header is not allowed; every header member must be signed',
    );
  }
  if (!hasExactly(value, ['protected', 'signature'])) {
    fail('CONTRACT_MALFORMED', 'a signature has exactly the members "protected" and "signature"');
  }
  if (typeof value.protected !== 'string' || typeof value.signature !== 'string') {
    fail('CONTRACT_MALFORMED', '"protected" and "signature" must be strings');
  }
  return { protected: value.protected, signature: value.signature };
}

/**
 * Checks a protected header without any cryptography: `alg` exactly EdDSA, `typ` exactly the
 * contract typ, nothing but alg/kid/typ, and a `kid` string. Returns the kid, which callers only
 * ever compare with strings they hold.
 */
export function checkProtectedHeader(encoded: string): { kid: string } {
  const bytes = encoded.length <= MAX_HEADER_CHARS ? decodeBase64url(encoded) : null;
  const text = bytes && decodeUtf8(bytes);
  const parsed = text === null ? { ok: false as const } : parseJson(text);
  if (!parsed.ok || !isJsonObject(parsed.value)) {
    fail('CONTRACT_MALFORMED', 'a protected header must be base64url of a JSON object');
  }
  const header = parsed.value;
  if (header.alg !== 'EdDSA') {
    fail(
      'CONTRACT_ALG_NOT_ALLOWED',
      `alg ${JSON.stringify(header.alg) ?? 'missing'} is not allowed; only EdDSA`,
    );
  }
  if (header.typ !== CONTRACT_TYP) {
    fail(
      'CONTRACT_TYP_INVALID',
      `typ must be "${CONTRACT_TYP}", not ${JSON.stringify(header.typ) ?? 'missing'}`,
    );
  }
  const extra = Object.keys(header).filter((name) => !HEADER_MEMBERS.has(name));
  if (extra.length > 0) {
    fail(
      'CONTRACT_HEADER_NOT_ALLOWED',
      `header member(s) not allowed: ${extra.join(', ')}; only alg, kid, typ`,
    );
  }
  const { kid } = header;
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_CHARS) {
    fail('CONTRACT_MALFORMED', 'a protected header needs a "kid" string');
  }
  return { kid };
}

/**
 * Decodes the payload and insists its bytes are the RFC 8785 form of the JSON they hold (so one
 * contract has one byte string, and what is signed is what is read), then the contract schema.
 */
export function decodeContractPayload(encoded: string): { contract: TContractPayload; text: string } {
  const bytes = encoded.length <= MAX_PAYLOAD_CHARS ? decodeBase64url(encoded) : null;
  if (!bytes) fail('CONTRACT_MALFORMED', 'the payload must be unpadded base64url, at most 1 MiB of it');
  const text = decodeUtf8(bytes);
  if (text === null) fail('CONTRACT_MALFORMED', 'the payload is not UTF-8');
  const parsed = parseJson(text);
  if (!parsed.ok) fail('CONTRACT_MALFORMED', 'the payload is not JSON');
  if (canonicalize(parsed.value) !== text) {
    fail('CONTRACT_NOT_CANONICAL', 'the payload bytes are not the RFC 8785 canonical form of its JSON');
  }
  const result = ZContractPayload.safeParse(parsed.value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    fail('CONTRACT_MALFORMED', `the payload is not a contract: ${issues.slice(0, 5).join('; ')}`);
  }
  return { contract: result.data, text };
}
