import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../lib/hash.ts';

/** The shape of a follow token: a prefix and 32 random bytes in base64url. */
export const FOLLOW_TOKEN_PATTERN = /^fol_[A-Za-z0-9_-]{43}$/;

/**
 * A follow token for someone who filed without signing in: shown to them once, kept only as its
 * hash, and the one way they can read what they are told about what they filed.
 */
export function newFollowToken(): { token: string; hash: string } {
  const token = `fol_${randomBytes(32).toString('base64url')}`;
  return { token, hash: followHashOf(token) };
}

export const followHashOf = (token: string) => sha256Hex(token);
