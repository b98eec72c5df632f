import { createHash, randomBytes } from 'node:crypto';

/** A new bearer token: 32 random bytes, base64url, with a recognisable prefix. */
export function generateToken(): string {
  return `enc_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
