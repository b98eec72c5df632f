import { readFile } from 'node:fs/promises';
import { ContractError, verifyContract } from '@enclave/contracts';

export type TVerifyCommandInput = { file: string; jwks: string; operatorJwk: string; now?: Date };

async function readJson(source: string): Promise<unknown> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, { redirect: 'error' });
    if (!res.ok) throw new Error(`${source}: HTTP ${res.status}`);
    return res.json();
  }
  return JSON.parse(await readFile(source, 'utf8'));
}

/**
 * `enclave contract verify`: checks a downloaded contract offline against the platform's JWKS and
 * the operator's public key. Accepts the JWS itself or the API's contract document (`{ jws }`).
 * Returns the lines to print and whether everything verified.
 */
export async function verifyContractCommand(
  input: TVerifyCommandInput,
): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  try {
    const doc = (await readJson(input.file)) as Record<string, unknown>;
    const jws = doc && typeof doc === 'object' && 'jws' in doc ? doc.jws : doc;
    const jwks = (await readJson(input.jwks)) as { keys: object[] };
    const operator = (await readJson(input.operatorJwk)) as Record<string, unknown>;
    const operatorJwk =
      operator && typeof operator === 'object' && 'jwk' in operator ? operator.jwk : operator;
    const result = await verifyContract(jws, {
      platformJwks: jwks,
      operatorJwk: operatorJwk as object,
      now: input.now ?? new Date(),
    });
    for (const check of result.checks) lines.push(`ok   ${check}`);
    lines.push(
      `VALID contract ${result.payload.id} (licensee ${result.payload.licensee.org}, term ${result.payload.term.notBefore} – ${result.payload.term.notAfter})`,
    );
    return { ok: true, lines };
  } catch (err) {
    const code = err instanceof ContractError ? err.code : 'ERROR';
    lines.push(`FAIL ${code}: ${err instanceof Error ? err.message : String(err)}`);
    lines.push('INVALID contract');
    return { ok: false, lines };
  }
}
