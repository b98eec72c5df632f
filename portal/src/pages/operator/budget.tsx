import { ErrorNote, Loading, useLoad } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { fmtNumber, t } from '../../lib/i18n.ts';
import type { TBudget } from './api.ts';

/** The contract's privacy budget (epsilon) left in the current period, as a gauge and in words. */
export function BudgetGauge({ contractId, refresh = 0 }: { contractId: string; refresh?: number }) {
  const { data, error } = useLoad(
    (signal) =>
      api<TBudget>('GET', `/v1/contracts/${encodeURIComponent(contractId)}/budget`, undefined, { signal }),
    [contractId, refresh],
  );
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  const id = `budget-${contractId}`;
  const share = data.granted > 0 ? data.remaining / data.granted : 0;
  return (
    <div class="op-budget" data-testid="budget">
      <p id={id}>
        {t('operator.budget.left', {
          remaining: fmtNumber(data.remaining, 3),
          granted: fmtNumber(data.granted, 3),
          period: t(`operator.policy.period.${data.period === 'all' ? 'all' : 'current'}`, {
            period: data.period,
          }),
        })}
      </p>
      <meter
        aria-labelledby={id}
        min={0}
        max={data.granted}
        value={data.remaining}
        low={data.granted * 0.25}
        high={data.granted * 0.5}
        optimum={data.granted}
      />
      <p class="muted small">
        {t('operator.budget.detail', {
          spent: fmtNumber(data.spent, 3),
          perRun: fmtNumber(data.epsilonPerRun, 3),
          runs: fmtNumber(data.epsilonPerRun > 0 ? Math.floor(data.remaining / data.epsilonPerRun) : 0),
          pct: fmtNumber(share * 100, 0),
        })}
        {data.source === 'platform-default' && ` ${t('operator.budget.platformDefault')}`}
      </p>
    </div>
  );
}
