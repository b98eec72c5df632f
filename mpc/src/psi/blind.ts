import { MpcError } from '../errors.ts';
import { checkCurvePoints, POINT_BYTES } from './curve-point.ts';

/**
 * A secret blinding scalar: a WebCrypto X25519 private key usable for `deriveBits`. Blinding with
 * it is X25519 (RFC 7748): the scalar is clamped, a multiple of 8, so blinding commutes and
 * clears any small-order component.
 */
export type TBlindingKey = CryptoKey;

/** Options of `blindPoints`. */
export type TBlindOptions = {
  /** Called with the number of points done, every 256 points and once at the end. */
  onProgress?: (done: number) => void;
  /** X25519 operations in flight at once (default 256), so the engine's thread pool stays busy. */
  concurrency?: number;
};

const SECRET_BYTES = 32;
const DEFAULT_CONCURRENCY = 256;
const PROGRESS_EVERY = 256;
/** RFC 8410 PKCS #8 wrapping of a 32-byte X25519 private key (OID 1.3.101.110). */
const PKCS8_X25519_PREFIX = [
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
];

/**
 * A fresh, non-extractable blinding key from WebCrypto. Use one per session: it can never be
 * exported, so it cannot outlive the process (use `importBlindingSecret` when it must).
 *
 * @example
 * const b = await createBlindingKey()
 * const blinded = await blindPoints(b, hashIdentifiers(ids))
 */
export async function createBlindingKey(): Promise<TBlindingKey> {
  const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
  return pair.privateKey;
}

/**
 * 32 random bytes from `crypto.getRandomValues`, to keep as a blinding secret and import with
 * `importBlindingSecret` (for a blinding that must span two requests). Keep them secret.
 *
 * @example
 * const secret = generateBlindingSecret() // Uint8Array(32)
 */
export function generateBlindingSecret(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
}

/**
 * The non-extractable blinding key of a 32-byte X25519 secret (imported as PKCS #8, which Node and
 * browsers alike accept; WebCrypto clamps it as X25519 does). Throws `MPC_INPUT_INVALID` unless
 * `secret` is 32 bytes.
 *
 * @example
 * const a = await importBlindingSecret(secretFromVault)
 */
export async function importBlindingSecret(secret: Uint8Array): Promise<TBlindingKey> {
  if (!(secret instanceof Uint8Array) || secret.length !== SECRET_BYTES) {
    throw new MpcError('MPC_INPUT_INVALID', `a blinding secret must be ${SECRET_BYTES} bytes`);
  }
  const der = new Uint8Array(PKCS8_X25519_PREFIX.length + SECRET_BYTES);
  der.set(PKCS8_X25519_PREFIX);
  der.set(secret, PKCS8_X25519_PREFIX.length);
  try {
    return await crypto.subtle.importKey('pkcs8', der, { name: 'X25519' }, false, ['deriveBits']);
  } catch (cause) {
    throw new MpcError('MPC_INPUT_INVALID', 'the blinding secret could not be imported', { cause });
  } finally {
    der.fill(0);
  }
}

/**
 * Blinds each point of `packed` (n × 32-byte u-coordinates) with `key`: X25519(key, u), packed in
 * the same order. Runs `concurrency` WebCrypto operations at once. Every point is first checked
 * with `checkCurvePoints` (`MPC_INPUT_INVALID` for a length not a multiple of 32,
 * `MPC_POINT_INVALID` naming the first point refused); a point WebCrypto then refuses, or whose
 * result is all zeros, is `MPC_POINT_INVALID` too. `MPC_INPUT_INVALID` for a key that is not an
 * X25519 private key with `deriveBits`, or a concurrency that is not a positive integer.
 * Commutes: blindPoints(a, blindPoints(b, H)) equals blindPoints(b, blindPoints(a, H)).
 *
 * @example
 * const A = await blindPoints(a, hashIdentifiers(myIds), { onProgress: (done) => report(done) })
 */
export async function blindPoints(
  key: TBlindingKey,
  packed: Uint8Array,
  opts: TBlindOptions = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const { onProgress, concurrency = DEFAULT_CONCURRENCY } = opts;
  checkBlindingKey(key);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new MpcError('MPC_INPUT_INVALID', 'concurrency must be a positive integer');
  }
  checkCurvePoints(packed);
  // Our own copy: the caller may reuse its buffer while the operations are in flight.
  const input = packed.slice();
  const count = input.length / POINT_BYTES;
  const out = new Uint8Array(input.length);
  let next = 0;
  let done = 0;
  let failed = false;

  const worker = async () => {
    while (!failed && next < count) {
      const i = next++;
      const at = i * POINT_BYTES;
      let blinded: Uint8Array;
      try {
        const point = await crypto.subtle.importKey(
          'raw',
          input.subarray(at, at + POINT_BYTES),
          { name: 'X25519' },
          false,
          [],
        );
        blinded = new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: point }, key, 256));
      } catch (cause) {
        failed = true;
        throw new MpcError('MPC_POINT_INVALID', `point ${i} was refused by X25519`, { cause });
      }
      if (blinded.length !== POINT_BYTES || blinded.every((byte) => byte === 0)) {
        failed = true;
        throw new MpcError('MPC_POINT_INVALID', `point ${i} blinds to the all-zero value (small order)`);
      }
      out.set(blinded, at);
      done++;
      if (onProgress && done % PROGRESS_EVERY === 0 && done < count) onProgress(done);
    }
  };

  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  onProgress?.(count);
  return out;
}

function checkBlindingKey(key: TBlindingKey): void {
  const ok =
    typeof CryptoKey !== 'undefined' &&
    key instanceof CryptoKey &&
    key.type === 'private' &&
    key.algorithm.name === 'X25519' &&
    key.usages.includes('deriveBits');
  if (!ok)
    throw new MpcError('MPC_INPUT_INVALID', 'a blinding key must be an X25519 private key for deriveBits');
}
