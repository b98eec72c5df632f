import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateSignerKey, parseSignerKey, type TNoteSigner } from '../audit/checkpoint.ts';

/**
 * Where the audit log's checkpoint-signing key lives: an Ed25519 key in the signer key format of
 * golang.org/x/mod/sumdb/note (`PRIVATE+KEY+<name>+<id>+<key>`), which carries its name. A new key
 * is named after the log's origin, as C2SP tlog-checkpoint recommends.
 */
export interface AuditKeyStore {
  signer(): TNoteSigner;
}

/** A key in a file (mode 0600), made on first use; every process given the file signs alike. */
export function createFileAuditKeyStore(path: string, name: string): AuditKeyStore {
  let signer: TNoteSigner | null = null;
  return {
    signer() {
      if (signer) return signer;
      if (!existsSync(path)) {
        mkdirSync(dirname(path), { recursive: true });
        try {
          writeFileSync(path, `${generateSignerKey(name)}\n`, { mode: 0o600, flag: 'wx' });
        } catch (err) {
          // Another process made it first: use theirs.
          if ((err as { code?: string }).code !== 'EEXIST') throw err;
        }
      }
      signer = parseSignerKey(readFileSync(path, 'utf8').trim());
      return signer;
    },
  };
}

/** A key given by configuration (ENCLAVE_AUDIT_KEY), or made in memory for tests. */
export function createMemoryAuditKeyStore(signerKey: string | null, name: string): AuditKeyStore {
  let signer: TNoteSigner | null = null;
  return {
    signer() {
      signer ??= parseSignerKey(signerKey ?? generateSignerKey(name));
      return signer;
    },
  };
}
