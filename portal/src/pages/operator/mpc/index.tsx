import { useState } from 'preact/hooks';
import { PageTitle, RequireRole } from '../../../components/layout.tsx';
import { Button, ErrorNote, Field, Loading, useLoad } from '../../../components/ui.tsx';
import { api } from '../../../lib/api.ts';
import { fmtDate, pick, t, useLang } from '../../../lib/i18n.ts';
import { useSession } from '../../../lib/session.ts';
import type { TDataset } from '../../../lib/types.ts';
import { MpcErrorNote } from './error-note.tsx';
import { HeForm, PsiForm } from './forms.tsx';
import { HeResult, PsiResult } from './results.tsx';
import { ProgressList, type TRunState, useRun } from './run-view.tsx';
import './mpc.css';
import './strings.ts';
import type { TContract, TLicensed } from './types.ts';

type TKind = 'he' | 'psi';

/** A contract the operator can compute jointly under: active, licensing `he` or `psi`. */
const isJoint = (c: TContract) =>
  c.state === 'active' && c.contract.operations.some((o) => o === 'he' || o === 'psi');

/**
 * The operator's joint computation: a contract that licenses it, a dataset of that contract, an
 * encrypted model scored on its protected aggregates (HE) or a private join with the operator's
 * identifiers (PSI), run in this browser with its progress, and the released result.
 */
export function MpcPage() {
  useLang();
  return (
    <RequireRole roles={['operator']}>
      <PageTitle sub={<p class="muted">{t('mpc.lead')}</p>}>{t('mpc.title')}</PageTitle>
      <Workspace />
    </RequireRole>
  );
}

function Workspace() {
  const { data, error } = useLoad(
    (signal) => api<{ items: TContract[] }>('GET', '/v1/contracts', undefined, { signal }),
    [],
  );
  const [contractId, setContractId] = useState('');
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  const contracts = data.items.filter(isJoint);
  if (contracts.length === 0)
    return (
      <div class="note">
        <p>{t('mpc.noContract')}</p>
        <a href="/operator">{t('mpc.toContracts')}</a>
      </div>
    );
  const chosen = contracts.find((c) => c.id === contractId) ?? contracts[0]!;
  return (
    <div class="stack">
      <Field label={t('mpc.contract')} hint={t('mpc.contractHint')}>
        {(id) => (
          <select id={id} value={chosen.id} onChange={(e) => setContractId(e.currentTarget.value)}>
            {contracts.map((c) => (
              <option key={c.id} value={c.id}>
                {`${c.id} · ${c.contract.purpose.slice(0, 40)}${c.contract.purpose.length > 40 ? '…' : ''}`}
              </option>
            ))}
          </select>
        )}
      </Field>
      <p class="muted small">
        {t('mpc.contractTerm', {
          from: fmtDate(chosen.contract.term.notBefore),
          to: fmtDate(chosen.contract.term.notAfter),
          ops: chosen.contract.operations.map((o) => t(`mpc.op.${o}`)).join('、'),
        })}
      </p>
      <ContractWork key={chosen.id} contract={chosen} />
    </div>
  );
}

function ContractWork({ contract }: { contract: TContract }) {
  const { user } = useSession();
  const { data, error } = useLoad<TLicensed[]>(
    (signal) =>
      Promise.all(
        contract.contract.datasets.map(async (d) => {
          const dataset = await api<TDataset>('GET', `/v1/datasets/${encodeURIComponent(d.id)}`, undefined, {
            signal,
          });
          return { dataset, columns: dataset.columns.filter((c) => d.columns.includes(c.name)) };
        }),
      ),
    [contract.id],
  );
  const kinds = (['he', 'psi'] as const).filter((k) => contract.contract.operations.includes(k));
  const [kind, setKind] = useState<TKind>(kinds[0]!);
  const [datasetId, setDatasetId] = useState('');
  const run = useRun();
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  const licensed = data.find((d) => d.dataset.id === datasetId) ?? data[0]!;
  const busy = run.state.phase === 'running';
  return (
    <>
      <div class="stack">
        <Field label={t('mpc.dataset')}>
          {(id) => (
            <select
              id={id}
              value={licensed.dataset.id}
              disabled={busy}
              onChange={(e) => {
                setDatasetId(e.currentTarget.value);
                run.reset();
              }}
            >
              {data.map((d) => (
                <option key={d.dataset.id} value={d.dataset.id}>
                  {pick(d.dataset.title, d.dataset.titleEn)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <fieldset class="kinds">
          <legend>{t('mpc.kind')}</legend>
          {kinds.map((k) => (
            <label key={k} class="choice">
              <input
                type="radio"
                name="mpc-kind"
                value={k}
                checked={kind === k}
                disabled={busy}
                onChange={() => {
                  setKind(k);
                  run.reset();
                }}
              />{' '}
              <strong>{t(`mpc.kinds.${k}`)}</strong>
              <span class="muted small"> — {t(`mpc.kinds.${k}Hint`)}</span>
            </label>
          ))}
        </fieldset>
      </div>
      {kind === 'he' ? (
        <HeForm
          key={`he-${licensed.dataset.id}`}
          licensed={licensed}
          busy={busy}
          onRun={(input) =>
            run.start('he', (engine, progress) =>
              engine.runHeScore({ ...input, userId: user!.id, contractId: contract.id }, progress),
            )
          }
        />
      ) : (
        <PsiForm
          key={`psi-${licensed.dataset.id}`}
          licensed={licensed}
          busy={busy}
          onRun={(input) =>
            run.start('psi', (engine, progress) =>
              engine.runPsi({ ...input, contractId: contract.id }, progress),
            )
          }
        />
      )}
      <RunSection state={run.state} contractId={contract.id} onAgain={run.reset} />
    </>
  );
}

function RunSection(props: { state: TRunState; contractId: string; onAgain: () => void }) {
  const { state } = props;
  if (state.phase === 'idle') return null;
  return (
    <section class="stack" aria-labelledby="mpc-run-title">
      <h2 id="mpc-run-title">{t('mpc.run.title')}</h2>
      <ProgressList state={state} />
      {state.phase === 'failed' && <MpcErrorNote error={state.error} />}
      {state.phase === 'done' && state.he && (
        <HeResult out={state.he} contractId={props.contractId} ms={state.ms} />
      )}
      {state.phase === 'done' && state.psi && (
        <PsiResult out={state.psi} contractId={props.contractId} ms={state.ms} />
      )}
      {(state.phase === 'done' || state.phase === 'failed') && (
        <p>
          <Button onClick={props.onAgain}>{t('mpc.run.again')}</Button>
        </p>
      )}
    </section>
  );
}
