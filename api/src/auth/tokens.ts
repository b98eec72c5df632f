import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../lib/hash.ts';

/** A new bearer token: 32 random bytes, base64url, with a recognisable prefix. */
export function generateToken(): string {
  return `enc_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return sha256Hex(token);
}
