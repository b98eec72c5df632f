import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TAuditVerifyResult, verifyAuditLog } from '../../src/commands/audit-verify.ts';

export type TFetch = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * A regulator outside the platform: `keep()` has a checkpoint issued and verified and keeps it,
 * as `enclave audit verify --checkpoint` does, before a fault; `verify()` checks afterwards that
 * the log still re-derives and extends the kept checkpoint.
 */
export function auditWitness(opts: {
  url: string;
  fetch: TFetch;
  regulatorToken: string;
  adminToken: string;
}) {
  const file = join(mkdtempSync(join(tmpdir(), 'enclave-faults-audit-')), 'checkpoint.txt');
  const issue = async () => {
    const res = await opts.fetch(`${opts.url}/v1/audit/checkpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${opts.adminToken}` },
    });
    if (!res.ok) throw new Error(`checkpoint: ${res.status} ${await res.text()}`);
  };
  const verify = async (): Promise<TAuditVerifyResult> => {
    await issue();
    return verifyAuditLog({
      url: opts.url,
      token: opts.regulatorToken,
      checkpointFile: file,
      fetch: opts.fetch,
    });
  };
  return {
    /** Verifies the log as it is and keeps its checkpoint; returns the kept size. */
    async keep(): Promise<number> {
      const r = await verify();
      if (!r.ok) throw new Error(`audit log does not verify before the fault:\n${r.lines.join('\n')}`);
      return Number(readFileSync(file, 'utf8').split('\n')[1]);
    },
    verify,
  };
}
