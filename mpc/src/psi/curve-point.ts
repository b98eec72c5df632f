import { MpcError } from '../errors.ts';
import { legendreSymbol, P } from './lib/legendre.ts';

/** Bytes of one point: the little-endian u-coordinate of Curve25519 (RFC 7748). */
export const POINT_BYTES = 32;

/** Curve25519: v^2 = u^3 + A·u^2 + u. */
const A = 486662n;

/**
 * The u-coordinates of the points of small order that a canonical encoding can name: 0 (order 2),
 * 1 (order 4), the two of order 8 (the curve's whole torsion, which X25519 sends to all zeros),
 * and p - 1 (order 4 on the twist). libsodium refuses the same values, plus p and p + 1, which
 * are not canonical here anyway.
 */
const LOW_ORDER = new Set<bigint>([
  0n,
  1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
  P - 1n,
]);

function readLittleEndian(bytes: Uint8Array): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, POINT_BYTES);
  return (
    view.getBigUint64(0, true) |
    (view.getBigUint64(8, true) << 64n) |
    (view.getBigUint64(16, true) << 128n) |
    (view.getBigUint64(24, true) << 192n)
  );
}

/** Why `u` is not an acceptable point, or null when it is. */
function pointFault(u: Uint8Array): string | null {
  if (!(u instanceof Uint8Array) || u.length !== POINT_BYTES) return `is not ${POINT_BYTES} bytes`;
  if (u[POINT_BYTES - 1]! & 0x80) return 'has its top bit set (not a canonical encoding)';
  const x = readLittleEndian(u);
  if (x >= P) return 'is not below p = 2^255 - 19 (not a canonical encoding)';
  if (LOW_ORDER.has(x)) return 'is a point of small order';
  // u is on the curve (not its twist) iff u^3 + A·u^2 + u is a square; 0 happens only for u = 0.
  if (legendreSymbol((x * ((x * (x + A) + 1n) % P)) % P) !== 1) return 'is on the twist, not on Curve25519';
  return null;
}

/**
 * Whether `u` is an acceptable blinded point: 32 bytes, a canonical little-endian u-coordinate
 * (top bit clear, below p = 2^255 - 19), of a point on Curve25519 itself rather than its quadratic
 * twist, and not of small order. Points with a torsion component but of large order pass: X25519's
 * clamped scalars are multiples of 8 and clear it. Variable time; meant for public values.
 *
 * @example
 * isCurvePoint(hashIdentifier('alice@example.com')) // true
 * isCurvePoint(new Uint8Array(32)) // false: u = 0 has order 2
 */
export function isCurvePoint(u: Uint8Array): boolean {
  return pointFault(u) === null;
}

/**
 * Checks `packed`, n points of 32 bytes back to back, with `isCurvePoint`. Throws
 * `MPC_INPUT_INVALID` when the length is not a multiple of 32, `MPC_POINT_INVALID` naming the
 * first point refused (0-based) otherwise.
 *
 * @example
 * checkCurvePoints(received) // throws MpcError('MPC_POINT_INVALID', 'point 7 is on the twist, …')
 */
export function checkCurvePoints(packed: Uint8Array): void {
  if (!(packed instanceof Uint8Array) || packed.length % POINT_BYTES !== 0) {
    throw new MpcError(
      'MPC_INPUT_INVALID',
      `points must be packed in a byte array of a multiple of ${POINT_BYTES}`,
    );
  }
  for (let i = 0, at = 0; at < packed.length; i++, at += POINT_BYTES) {
    const fault = pointFault(packed.subarray(at, at + POINT_BYTES));
    if (fault !== null) throw new MpcError('MPC_POINT_INVALID', `point ${i} ${fault}`);
  }
}
