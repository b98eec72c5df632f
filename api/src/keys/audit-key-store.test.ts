import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSignerKey, verifierKeyOf } from '../audit/checkpoint.ts';
import { parseConfig } from '../config.ts';
import { createFileAuditKeyStore, createMemoryAuditKeyStore } from './audit-key-store.ts';

describe('audit key store', () => {
  it('makes a key file of mode 0600 on first use, named after the origin, and every store reads the same key', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'enclave-audit-key-')), 'nested', 'audit-signing-key');
    const signer = createFileAuditKeyStore(path, 'log.example/audit').signer();
    expect(signer.name).toBe('log.example/audit');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toMatch(/^PRIVATE\+KEY\+log\.example\/audit\+[0-9a-f]{8}\+/);
    const again = createFileAuditKeyStore(path, 'ignored.example/audit').signer();
    expect(verifierKeyOf(again)).toBe(verifierKeyOf(signer));
  });

  it('uses a configured key as given, and refuses a malformed one', () => {
    const key = generateSignerKey('shared.example/audit');
    const a = createMemoryAuditKeyStore(key, 'other').signer();
    const b = createMemoryAuditKeyStore(key, 'other').signer();
    expect(a.name).toBe('shared.example/audit');
    expect(verifierKeyOf(a)).toBe(verifierKeyOf(b));
    expect(() => createMemoryAuditKeyStore(`${key.slice(0, -2)}AA`, 'x').signer()).toThrow(/key/);
  });

  it('refuses an origin that cannot head a checkpoint, and a key not in the signer format', () => {
    expect(parseConfig({}).ENCLAVE_AUDIT_ORIGIN).toBe('enclave.localhost/audit');
    expect(() => parseConfig({ ENCLAVE_AUDIT_ORIGIN: 'has space' })).toThrow(/ENCLAVE_AUDIT_ORIGIN/);
    expect(() => parseConfig({ ENCLAVE_AUDIT_ORIGIN: 'a+b' })).toThrow(/ENCLAVE_AUDIT_ORIGIN/);
    expect(() => parseConfig({ ENCLAVE_AUDIT_KEY: 'log+1234abcd+AAAA' })).toThrow(/ENCLAVE_AUDIT_KEY/);
    expect(() => parseConfig({ ENCLAVE_AUDIT_CHECKPOINT_INTERVAL_S: '-1' })).toThrow(/INTERVAL/);
  });
});
