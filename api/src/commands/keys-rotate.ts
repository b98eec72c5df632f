import { appendAuditEntry } from '../audit/append-audit-entry.ts';
import type { Deps } from '../deps.ts';

/** `enclave keys rotate`: a new current signing key; the old one stays in the JWKS, verify-only. */
export async function rotateSigningKey(deps: Deps): Promise<{ kid: string; retired: string[] }> {
  const before = await deps.keys.ring();
  const at = deps.clock.now();
  const ring = await deps.keys.rotate(at);
  const current = ring.keys.find((k) => !k.retiredAt)!;
  const retired = before.keys.filter((k) => !k.retiredAt).map((k) => k.kid);
  await deps.db.transaction((tx) =>
    appendAuditEntry(tx, {
      actor: null,
      action: 'platform.key_rotate',
      objectType: 'signing_key',
      objectId: current.kid,
      details: { retired },
      at,
    }),
  );
  return { kid: current.kid, retired };
}
