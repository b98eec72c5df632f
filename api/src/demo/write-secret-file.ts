import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes `text` to `file` with mode 0600, atomically (a temporary file renamed over it) and only
 * when the content differs; an unchanged file keeps its bytes and gets its mode put back to 0600.
 * Returns whether it wrote.
 */
export function writeSecretFile(file: string, text: string): boolean {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : null;
  if (current === text) {
    chmodSync(file, 0o600);
    return false;
  }
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return true;
}

/**
 * The entries of a demo secret file (a JSON array of objects) whose `org`, `user` and `secretKey`
 * fields are strings; an unreadable or malformed file counts as empty.
 */
export function readSecretEntries<T extends { org: string; user: string }>(
  file: string,
  secretKey: keyof T & string,
): T[] {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (x): x is T =>
        typeof x === 'object' &&
        x !== null &&
        typeof x.org === 'string' &&
        typeof x.user === 'string' &&
        typeof x[secretKey] === 'string',
    );
  } catch {
    return [];
  }
}
