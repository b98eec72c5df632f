import { Badge } from '../../components/ui.tsx';
import { t } from '../../lib/i18n.ts';
import { KNOWN_ACTIONS } from './strings.ts';
import type { TOutcome } from './types.ts';

const KNOWN = new Set(KNOWN_ACTIONS);

/** An action in words, its code beside it for whoever reads the raw log. */
export function ActionLabel({ code }: { code: string }) {
  return (
    <>
      {KNOWN.has(code) ? t(`regulator.actions.${code}`) : code} <code class="muted small">{code}</code>
    </>
  );
}

const OUTCOME_KIND: Record<TOutcome, string> = { success: 'open', refused: 'warn', failed: 'closed' };

export function OutcomeBadge({ outcome }: { outcome: TOutcome }) {
  return <Badge kind={OUTCOME_KIND[outcome]}>{t(`regulator.outcomes.${outcome}`)}</Badge>;
}

/** An opaque id, shortened for a table; the whole id in its title and for screen readers. */
export function ShortId({ id }: { id: string }) {
  return <code title={id}>{id.length > 14 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id}</code>;
}

export const roleLabel = (role: string | null | undefined) =>
  role
    ? t(`regulator.roles.${role}`) === `regulator.roles.${role}`
      ? role
      : t(`regulator.roles.${role}`)
    : '';
