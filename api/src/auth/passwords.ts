import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { invalid } from '../errors.ts';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** log2 N, r and p of new hashes: 32 MiB of memory and tens of milliseconds each. */
const COST = { logN: 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Longest a stored hash may make scrypt work, so a corrupt row cannot exhaust memory. */
const MAX_LOG_N = 20;

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

/** A sign-in name: lower-case letters, digits, `.`, `_` and `-`, 3–64 long, not starting with a sign. */
export const LOGIN_PATTERN = /^[a-z0-9][a-z0-9._-]{2,63}$/;

const derive = (password: string, salt: Buffer, logN: number, r: number, p: number) =>
  scryptAsync(password.normalize('NFC'), salt, KEY_BYTES, {
    N: 2 ** logN,
    r,
    p,
    // scrypt needs 128·N·r bytes; Node's default ceiling (32 MiB) is exactly that at 2^15 and refuses.
    maxmem: 256 * 2 ** logN * r,
  });

/** Hashes a password as `scrypt$15$8$1$<salt b64>$<hash b64>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, COST.logN, COST.r, COST.p);
  return ['scrypt', COST.logN, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$');
}

let dummy: Promise<string> | null = null;

/**
 * Whether `password` matches `stored`. With no stored hash (an unknown login, or a user without a
 * password) it still hashes once against a dummy, so the time taken does not tell which logins exist.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = (stored ?? '').split('$');
  const [kind, logN, r, p, salt, key] = parts;
  const isWellFormed =
    parts.length === 6 &&
    kind === 'scrypt' &&
    Number(logN) >= 10 &&
    Number(logN) <= MAX_LOG_N &&
    Number(r) >= 1 &&
    Number(r) <= 32 &&
    Number(p) >= 1 &&
    Number(p) <= 16;
  if (!isWellFormed) {
    dummy ??= hashPassword(randomBytes(16).toString('hex'));
    await verifyPassword(password, await dummy);
    return false;
  }
  const expected = Buffer.from(key!, 'base64');
  const actual = await derive(password, Buffer.from(salt!, 'base64'), Number(logN), Number(r), Number(p));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Refuses a new password that is too short, too long or contains the login, naming `field`
 * (e.g. `body.password`) in a 400 VALIDATION_FAILED.
 */
export function checkPasswordPolicy(password: string, login: string | null, field: string): void {
  const length = [...password].length;
  const message =
    length < PASSWORD_MIN
      ? `must be at least ${PASSWORD_MIN} characters`
      : length > PASSWORD_MAX
        ? `must be at most ${PASSWORD_MAX} characters`
        : login && password.toLowerCase().includes(login.toLowerCase())
          ? 'must not contain the login'
          : null;
  if (message) throw invalid([{ path: field, message }]);
}
