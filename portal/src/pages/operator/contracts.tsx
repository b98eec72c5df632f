import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { PageTitle } from '../../components/layout.tsx';
import { Badge, DataTable, ErrorNote, Loading, useLoad } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { fmtDate, fmtDateTime, fmtNumber, pick, t, useLang } from '../../lib/i18n.ts';
import { useSession } from '../../lib/session.ts';
import type { TDataset } from '../../lib/types.ts';
import { datasetsById, type TContract, type TContractState } from './api.ts';
import { BudgetGauge } from './budget.tsx';
import { Signatures } from './signatures.tsx';

export const STATE_BADGE: Record<TContractState, string> = {
  active: 'open',
  awaiting_countersign: 'conditional',
  expired: '',
  revoked: 'closed',
};

export function ContractState({ state }: { state: TContractState }) {
  return <Badge kind={STATE_BADGE[state]}>{t(`operator.contract.state.${state}`)}</Badge>;
}

/** The operator's contracts, newest first: what each licenses, its term and state. */
export function Contracts() {
  useLang();
  const { data, error } = useLoad(async (signal) => {
    const { items } = await api<{ items: TContract[] }>('GET', '/v1/contracts', undefined, { signal });
    const names = await datasetsById(
      items.flatMap((c) => c.contract.datasets.map((d) => d.id)),
      signal,
    );
    return { items, names };
  }, []);
  return (
    <>
      <PageTitle sub={<p class="muted">{t('operator.contracts.intro')}</p>}>
        {t('operator.contracts.title')}
      </PageTitle>
      <ErrorNote error={error} />
      {!data && !error && <Loading />}
      {data && data.items.length === 0 && (
        <p class="note">
          {t('operator.contracts.none')} <a href="/operator/applications">{t('operator.nav.applications')}</a>
        </p>
      )}
      {data && data.items.length > 0 && (
        <DataTable
          caption={t('operator.contracts.title')}
          columns={[
            t('operator.contract.id'),
            t('operator.contract.datasets'),
            t('operator.contract.operations'),
            t('operator.contract.term'),
            t('operator.contract.stateLabel'),
          ]}
          rows={data.items.map((c) => [
            <a key="a" href={`/operator/contracts/${c.id}`}>
              {c.id}
            </a>,
            c.contract.datasets.map((d) => titleOf(data.names.get(d.id), d.id)).join('、'),
            c.contract.operations.map((o) => t(`operator.operation.${o}`)).join('、'),
            `${fmtDate(c.contract.term.notBefore)} – ${fmtDate(c.contract.term.notAfter)}`,
            <ContractState key="s" state={c.state} />,
          ])}
        />
      )}
    </>
  );
}

const titleOf = (d: TDataset | undefined, id: string) => (d ? pick(d.title, d.titleEn) : id);

/** One contract: its terms in words, both signatures checked here, countersigning, the budget. */
export function ContractPage() {
  useLang();
  const { params } = useRoute();
  const id = params.id!;
  const { user } = useSession();
  const [version, setVersion] = useState(0);
  const { data, error } = useLoad(
    async (signal) => {
      const c = await api<TContract>('GET', `/v1/contracts/${encodeURIComponent(id)}`, undefined, { signal });
      return {
        c,
        names: await datasetsById(
          c.contract.datasets.map((d) => d.id),
          signal,
        ),
      };
    },
    [id, version],
  );
  if (error) return <ErrorNote error={error} />;
  if (!data || !user) return <Loading />;
  const { c, names } = data;
  const p = c.contract;
  const policy = p.policy;
  return (
    <article>
      <PageTitle
        sub={
          <p>
            <ContractState state={c.state} /> <span class="muted">{c.id}</span>
          </p>
        }
      >
        {t('operator.contract.title')}
      </PageTitle>
      {c.state === 'revoked' && (
        <p class="note error">
          {t('operator.contract.revokedBecause', {
            reason: c.revokeReason ?? '—',
            at: fmtDateTime(c.revokedAt),
          })}
        </p>
      )}
      <section aria-labelledby="terms">
        <h2 id="terms">{t('operator.contract.terms')}</h2>
        <dl class="facts">
          <dt>{t('operator.contract.purpose')}</dt>
          <dd>{p.purpose}</dd>
          {p.scenario && (
            <>
              <dt>{t('operator.contract.scenario')}</dt>
              <dd>{p.scenario}</dd>
            </>
          )}
          <dt>{t('operator.contract.operations')}</dt>
          <dd>{p.operations.map((o) => t(`operator.operation.${o}`)).join('、')}</dd>
          <dt>{t('operator.contract.term')}</dt>
          <dd>
            {t('operator.contract.termText', {
              from: fmtDateTime(p.term.notBefore),
              to: fmtDateTime(p.term.notAfter),
            })}
          </dd>
          <dt>{t('operator.contract.issued')}</dt>
          <dd>{fmtDateTime(p.issuedAt)}</dd>
          <dt>{t('operator.contract.version')}</dt>
          <dd>{p.version}</dd>
        </dl>
        <DataTable
          caption={t('operator.contract.datasets')}
          columns={[t('operator.contract.dataset'), t('operator.contract.columns')]}
          rows={p.datasets.map((d) => [
            <a key="d" href={`/datasets/${names.get(d.id)?.slug ?? d.id}`}>
              {titleOf(names.get(d.id), d.id)}
            </a>,
            d.columns.join(', '),
          ])}
        />
        <h3>{t('operator.contract.policy')}</h3>
        <ul>
          <li>{t('operator.policy.minCellCount', { n: policy.minCellCount ?? 10 })}</li>
          <li>{t('operator.policy.rounding', { n: policy.rounding ?? 5 })}</li>
          {policy.dp && (
            <li>
              {t('operator.policy.dp', {
                epsilon: fmtNumber(policy.dp.epsilon, 3),
                perRun: fmtNumber(policy.dp.epsilonPerRun ?? policy.dp.epsilon, 3),
                period: t(`operator.policy.period.${policy.dp.period ?? 'all'}`),
              })}
            </li>
          )}
          {policy.dominance && (
            <li>
              {t('operator.policy.dominance', {
                n: policy.dominance.n,
                k: fmtNumber(policy.dominance.k * 100, 1),
              })}
            </li>
          )}
          {policy.maxRunsPerDay !== undefined && (
            <li>{t('operator.policy.maxRunsPerDay', { n: policy.maxRunsPerDay })}</li>
          )}
          {policy.maxCpuMsPerRun !== undefined && (
            <li>{t('operator.policy.maxCpu', { s: fmtNumber(policy.maxCpuMsPerRun / 1000, 1) })}</li>
          )}
          {policy.maxResultBytes !== undefined && (
            <li>{t('operator.policy.maxResult', { kb: fmtNumber(policy.maxResultBytes / 1024, 0) })}</li>
          )}
        </ul>
      </section>
      <Signatures contract={c} orgId={user.orgId} onSigned={() => setVersion((v) => v + 1)} />
      {c.transparency && (
        <section aria-labelledby="log">
          <h2 id="log">{t('operator.contract.log')}</h2>
          <p>
            {t('operator.contract.logText', {
              index: fmtNumber(c.transparency.index),
              proof: c.transparency.proof.length,
            })}
          </p>
        </section>
      )}
      {(c.state === 'active' || c.state === 'expired') && (
        <section aria-labelledby="budget">
          <h2 id="budget">{t('operator.budget.title')}</h2>
          <BudgetGauge contractId={c.id} />
          {c.state === 'active' && p.operations.includes('sandbox') && (
            <p>
              <a class="button" href={`/operator/scripts?contract=${encodeURIComponent(c.id)}`}>
                {t('operator.contract.openScripts')}
              </a>
            </p>
          )}
        </section>
      )}
    </article>
  );
}
