import { MpcError } from './errors.ts';
import type { TParamSet, TSealObjectKind } from './params.ts';

/** SEAL's serialisation header: magic 0xA15E, header size 16, version, compression, reserved, total size. */
export const SEAL_HEADER_BYTES = 16;
const SEAL_MAGIC = 0xa15e;
const SEAL_MAJOR = 4;
const COMPRESSION = ['none', 'zlib', 'zstd'] as const;

/**
 * Checks one serialised SEAL object before SEAL sees it: no longer than any object of its kind
 * may be, a header our code parses (magic, size 16, SEAL 4, no compression, reserved zero), the
 * header's size equal to the bytes given, and that size exactly one SEAL produces for `kind`
 * under `set`. Compressed data is refused outright: a 32 KB zstd stream can inflate to gigabytes
 * inside SEAL's heap, which never shrinks.
 */
export function checkSerialized(bytes: Uint8Array, kind: TSealObjectKind, set: TParamSet): void {
  const allowed = set.sizes[kind];
  if (bytes.length > Math.max(...allowed)) {
    throw new MpcError(
      'MPC_BYTES_TOO_LARGE',
      `${kind} of ${bytes.length} bytes: at most ${Math.max(...allowed)}`,
    );
  }
  const size = headerSize(bytes, kind, 0);
  if (size !== bytes.length) {
    throw new MpcError('MPC_BYTES_MALFORMED', `${kind} header says ${size} bytes, ${bytes.length} given`);
  }
  if (!allowed.includes(size)) {
    throw new MpcError(
      'MPC_BYTES_MALFORMED',
      `${kind} of ${size} bytes: ${set.id} ${kind} are exactly ${allowed.join(' or ')} bytes`,
    );
  }
}

/**
 * Splits a body of concatenated serialised objects of one kind, checking each as
 * {@link checkSerialized} does, at most `max` of them.
 */
export function splitSerialized(
  body: Uint8Array,
  kind: TSealObjectKind,
  set: TParamSet,
  max: number,
): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at < body.length) {
    if (parts.length === max) throw new MpcError('MPC_BYTES_TOO_LARGE', `more than ${max} ${kind} objects`);
    const size = headerSize(body, kind, at);
    if (at + size > body.length) {
      throw new MpcError('MPC_BYTES_MALFORMED', `${kind} ${parts.length + 1} is truncated`);
    }
    const part = body.subarray(at, at + size);
    checkSerialized(part, kind, set);
    parts.push(part);
    at += size;
  }
  return parts;
}

/** The total size a header at `at` declares, after checking every other header field. */
function headerSize(bytes: Uint8Array, kind: string, at: number): number {
  if (bytes.length - at < SEAL_HEADER_BYTES) {
    throw new MpcError(
      'MPC_BYTES_MALFORMED',
      `${kind}: ${bytes.length - at} bytes, shorter than a SEAL header`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, SEAL_HEADER_BYTES);
  if (view.getUint16(0, true) !== SEAL_MAGIC || view.getUint8(2) !== SEAL_HEADER_BYTES) {
    throw new MpcError('MPC_BYTES_MALFORMED', `${kind}: not a SEAL serialisation (bad magic or header size)`);
  }
  if (view.getUint8(3) !== SEAL_MAJOR) {
    throw new MpcError(
      'MPC_BYTES_MALFORMED',
      `${kind}: SEAL version ${view.getUint8(3)}, expected ${SEAL_MAJOR}`,
    );
  }
  const mode = view.getUint8(5);
  if (mode !== 0) {
    throw new MpcError(
      mode < COMPRESSION.length ? 'MPC_BYTES_COMPRESSED' : 'MPC_BYTES_MALFORMED',
      `${kind}: compression ${COMPRESSION[mode] ?? mode}; only uncompressed serialisations are accepted`,
    );
  }
  if (view.getUint16(6, true) !== 0)
    throw new MpcError('MPC_BYTES_MALFORMED', `${kind}: reserved header bits set`);
  const size = view.getBigUint64(8, true);
  if (size < BigInt(SEAL_HEADER_BYTES) || size > 2n ** 32n) {
    throw new MpcError('MPC_BYTES_MALFORMED', `${kind}: header declares ${size} bytes`);
  }
  return Number(size);
}
