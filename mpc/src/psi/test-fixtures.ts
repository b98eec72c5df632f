/** Helpers shared by this folder's tests. */
import { expect } from 'vitest';
import { MpcError } from '../errors.ts';

/** 2^255 - 19, written out again so the tests do not lean on the code under test. */
export const P = 2n ** 255n - 19n;

/** The `MpcError` code `fn` throws, or 'accepted' if it returns. */
export function codeOfSync(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MpcError);
    return (err as MpcError).code;
  }
  return 'accepted';
}

/** The `MpcError` code `promise` rejects with, or 'accepted' if it resolves. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(MpcError);
    return (err as MpcError).code;
  }
  return 'accepted';
}

/** `value` as 32 little-endian bytes (value < 2^256). */
export function le32(value: bigint): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(32);
  let rest = value;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** The little-endian integer of `bytes`. */
export function fromLe(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

export const toHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** b^e mod m by square-and-multiply: slow and obviously right. */
export function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let base = ((b % m) + m) % m;
  let exp = e;
  let r = 1n;
  while (exp > 0n) {
    if (exp & 1n) r = (r * base) % m;
    base = (base * base) % m;
    exp >>= 1n;
  }
  return r;
}

/** Euler's criterion: 1 for a non-zero square mod p, p - 1 for a non-square, 0 for 0. */
export const euler = (v: bigint): bigint => modPow(v, (P - 1n) / 2n, P);

/** u^3 + 486662·u^2 + u mod p: a square exactly when u is on Curve25519 rather than its twist. */
export const curveRhs = (u: bigint): bigint => (((u * u * u + 486662n * u * u + u) % P) + P) % P;

/** Packs 32-byte points back to back. */
export function pack(points: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(points.length * 32);
  points.forEach((p, i) => {
    out.set(p, i * 32);
  });
  return out;
}

/** The i-th 32-byte point of `packed`. */
export const pointAt = (packed: Uint8Array, i: number): Uint8Array => packed.subarray(i * 32, i * 32 + 32);
