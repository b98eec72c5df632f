import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { PageTitle } from '../../components/layout.tsx';
import { Button, ErrorNote, Field, Loading, useAction, useLoad } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { fmtDate, pick, t, useLang } from '../../lib/i18n.ts';
import { datasetsById, isSettled, type TContract, type TRun } from './api.ts';
import { BudgetGauge } from './budget.tsx';
import { RunView } from './run-view.tsx';
import { ScriptEditor } from './script-editor.tsx';
import { exampleScript, type TSdkTable } from './sdk-surface.ts';

/** Scripts under an active sandbox contract: written with completions, run on dummy then real data. */
export function Scripts() {
  useLang();
  const { query, route } = useLocation();
  const contracts = useLoad(
    (signal) => api<{ items: TContract[] }>('GET', '/v1/contracts', undefined, { signal }),
    [],
  );
  const usable = (contracts.data?.items ?? []).filter(
    (c) => c.state === 'active' && c.contract.operations.includes('sandbox'),
  );
  const chosen = usable.find((c) => c.id === query.contract) ?? usable[0];
  return (
    <>
      <PageTitle sub={<p class="muted">{t('operator.script.intro')}</p>}>
        {t('operator.script.title')}
      </PageTitle>
      <ErrorNote error={contracts.error} />
      {!contracts.data && !contracts.error && <Loading />}
      {contracts.data && usable.length === 0 && <p class="note">{t('operator.script.noContract')}</p>}
      {chosen && (
        <>
          <Field label={t('operator.script.contract')}>
            {(id) => (
              <select
                id={id}
                value={chosen.id}
                onChange={(e) =>
                  route(`/operator/scripts?contract=${encodeURIComponent(e.currentTarget.value)}`)
                }
              >
                {usable.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.id} · {t('operator.contract.until', { date: fmtDate(c.contract.term.notAfter) })}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Workbench key={chosen.id} contract={chosen} />
        </>
      )}
    </>
  );
}

function Workbench({ contract }: { contract: TContract }) {
  const tables = useLoad(
    async (signal) => {
      const byId = await datasetsById(
        contract.contract.datasets.map((d) => d.id),
        signal,
      );
      return contract.contract.datasets.map((d): TSdkTable => {
        const ds = byId.get(d.id);
        return {
          slug: ds?.slug ?? d.id,
          title: ds ? pick(ds.title, ds.titleEn) : d.id,
          columns: (ds?.columns ?? []).filter((c) => d.columns.includes(c.name)),
        };
      });
    },
    [contract.id],
  );
  const [script, setScript] = useState('');
  const [reset, setReset] = useState(0);
  const [kind, setKind] = useState<'aggregate' | 'rows'>('aggregate');
  const [epsilon, setEpsilon] = useState('');
  const [cpuMs, setCpuMs] = useState('');
  const [runs, setRuns] = useState<TRun[]>([]);
  const [budgetTick, setBudgetTick] = useState(0);
  const session = useRef<string | null>(null);
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );
  useEffect(() => {
    if (tables.data && !script) {
      setScript(exampleScript(tables.data));
      setReset((n) => n + 1);
    }
  }, [tables.data]);

  const put = (run: TRun) => setRuns((rs) => [run, ...rs.filter((r) => r.id !== run.id)]);
  const submit = useAction(async (target: 'dummy' | 'real') => {
    session.current ??= (
      await api<{ id: string }>('POST', '/v1/sandbox/sessions', { contractId: contract.id })
    ).id;
    let run = await api<TRun>('POST', `/v1/sandbox/sessions/${session.current}/runs`, {
      script,
      target,
      kind,
      ...(target === 'real' && epsilon ? { epsilon: Number(epsilon) } : {}),
      ...(cpuMs ? { cpuMs: Number(cpuMs) } : {}),
    });
    put(run);
    while (alive.current && !isSettled(run.status)) {
      run = await api<TRun>('GET', `/v1/sandbox/runs/${run.id}?wait=25`);
      put(run);
    }
    if (target === 'real') setBudgetTick((n) => n + 1);
  });

  if (tables.error) return <ErrorNote error={tables.error} />;
  if (!tables.data) return <Loading />;
  return (
    <div class="op-workbench">
      <div class="op-columns">
        <div>
          <h2 id="editor-title">{t('operator.script.editor')}</h2>
          <p class="muted small">{t('operator.script.editorHint')}</p>
          <ScriptEditor value={script} reset={reset} tables={tables.data} onChange={setScript} />
          <p>
            <button
              type="button"
              class="link"
              onClick={() => {
                setScript(exampleScript(tables.data!));
                setReset((n) => n + 1);
              }}
            >
              {t('operator.script.example')}
            </button>
          </p>
          <div class="row">
            <Field label={t('operator.script.kind')} hint={t(`operator.script.kindHint.${kind}`)}>
              {(id) => (
                <select
                  id={id}
                  value={kind}
                  onChange={(e) => setKind(e.currentTarget.value as 'aggregate' | 'rows')}
                >
                  <option value="aggregate">{t('operator.run.kind.aggregate')}</option>
                  <option value="rows">{t('operator.run.kind.rows')}</option>
                </select>
              )}
            </Field>
            <NumberField
              label={t('operator.script.epsilon')}
              hint={t('operator.script.epsilonHint')}
              min="0.001"
              max="100"
              value={epsilon}
              onValue={setEpsilon}
            />
            <NumberField
              label={t('operator.script.cpuMs')}
              hint={t('operator.script.cpuMsHint', { max: contract.contract.policy.maxCpuMsPerRun ?? '—' })}
              min="1"
              value={cpuMs}
              onValue={setCpuMs}
            />
          </div>
          <ErrorNote error={submit.error} />
          <p class="op-actions">
            <Button class="secondary" pending={submit.pending} onClick={() => submit.go('dummy')}>
              {t('operator.script.runDummy')}
            </Button>{' '}
            <Button pending={submit.pending} onClick={() => submit.go('real')}>
              {t('operator.script.runReal')}
            </Button>
          </p>
          <p class="muted small">{t('operator.script.runsHint')}</p>
        </div>
        <aside aria-labelledby="tables-title">
          <h2 id="tables-title">{t('operator.script.tables')}</h2>
          {tables.data.map((tb) => (
            <details key={tb.slug} open>
              <summary>
                <code>{tb.slug}</code> <span class="muted small">{tb.title}</span>
              </summary>
              <ul class="small">
                {tb.columns.map((c) => (
                  <li key={c.name}>
                    <code>{c.name}</code> <span class="muted">{t(`type.${c.type}`)}</span>
                    {c.codes ? ` · ${t('operator.script.codes', { n: c.codes.length })}` : ''}
                    {c.min !== undefined && c.max !== undefined ? ` · ${c.min} … ${c.max}` : ''}
                  </li>
                ))}
              </ul>
            </details>
          ))}
          <h2>{t('operator.budget.title')}</h2>
          <BudgetGauge contractId={contract.id} refresh={budgetTick} />
        </aside>
      </div>
      <h2>{t('operator.script.runs')}</h2>
      {runs.length === 0 && <p class="muted">{t('operator.script.noRuns')}</p>}
      {runs.map((r) => (
        <RunView key={r.id} run={r} />
      ))}
    </div>
  );
}

function NumberField(props: {
  label: string;
  hint: string;
  min: string;
  max?: string;
  value: string;
  onValue: (v: string) => void;
}) {
  return (
    <Field label={props.label} hint={props.hint}>
      {(id) => (
        <input
          id={id}
          type="number"
          min={props.min}
          max={props.max}
          step="any"
          value={props.value}
          onInput={(e) => props.onValue(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}
