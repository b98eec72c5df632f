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
