import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { t } from '../lib/i18n.ts';
import { buildQuery, chartOf, type TQueryDraft, type TQueryResult } from '../lib/query.ts';
import { AGGREGATE_FNS, FILTER_OPS, type TDataset } from '../lib/types.ts';
import { Chart } from './chart.tsx';
import { Button, DataTable, ErrorNote, Field, Form, useAction } from './ui.tsx';

/** Filters, group by and aggregates over an open dataset; the answer as a table and a chart. */
export function QueryBuilder({ d }: { d: TDataset }) {
  const [draft, setDraft] = useState<TQueryDraft>({
    filters: [],
    groupBy: [],
    aggregates: [{ fn: 'count', column: '' }],
  });
  const [result, setResult] = useState<TQueryResult | null>(null);
  // Whoever opens the builder is about to see a chart: fetch the charting chunk meanwhile.
  useEffect(() => {
    void import('../lib/echarts.ts');
  }, []);
  const run = useAction(async () => {
    setResult(await api<TQueryResult>('POST', `/v1/open/${d.id}/query`, buildQuery(draft, d.columns)));
  });
  const cols = d.columns;
  const numeric = cols.filter((c) => c.type === 'integer' || c.type === 'number');
  const set = (patch: Partial<TQueryDraft>) => setDraft({ ...draft, ...patch });
  const chart = result ? chartOf(result, t('query.chartTitle')) : null;
  return (
    <Form class="stack query" onSubmit={run.go}>
      <fieldset>
        <legend>{t('query.filters')}</legend>
        {draft.filters.map((f, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a filter is its position in the list
          <div class="row" key={i}>
            <Field label={t('query.column')} id={`qf-col-${i}`}>
              {(id) => (
                <select
                  id={id}
                  value={f.column}
                  onChange={(e) =>
                    set({
                      filters: draft.filters.map((x, j) =>
                        j === i ? { ...x, column: e.currentTarget.value } : x,
                      ),
                    })
                  }
                >
                  {cols.map((c) => (
                    <option key={c.name}>{c.name}</option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={t('query.op')} id={`qf-op-${i}`}>
              {(id) => (
                <select
                  id={id}
                  value={f.op}
                  onChange={(e) =>
                    set({
                      filters: draft.filters.map((x, j) =>
                        j === i ? { ...x, op: e.currentTarget.value as typeof f.op } : x,
                      ),
                    })
                  }
                >
                  {FILTER_OPS.map((o) => (
                    <option key={o} value={o}>
                      {t(`query.ops.${o}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={t('query.value')} id={`qf-val-${i}`}>
              {(id) => (
                <input
                  id={id}
                  value={f.value}
                  onInput={(e) =>
                    set({
                      filters: draft.filters.map((x, j) =>
                        j === i ? { ...x, value: e.currentTarget.value } : x,
                      ),
                    })
                  }
                />
              )}
            </Field>
            <button
              type="button"
              class="link"
              onClick={() => set({ filters: draft.filters.filter((_, j) => j !== i) })}
            >
              {t('common.remove')}
            </button>
          </div>
        ))}
        <button
          type="button"
          class="secondary"
          onClick={() => set({ filters: [...draft.filters, { column: cols[0]!.name, op: 'eq', value: '' }] })}
        >
          {t('query.addFilter')}
        </button>
      </fieldset>
      <fieldset>
        <legend>{t('query.groupBy')}</legend>
        <div class="checks">
          {cols.map((c) => (
            <label key={c.name}>
              <input
                type="checkbox"
                checked={draft.groupBy.includes(c.name)}
                onChange={(e) =>
                  set({
                    groupBy: e.currentTarget.checked
                      ? [...draft.groupBy, c.name]
                      : draft.groupBy.filter((g) => g !== c.name),
                  })
                }
              />{' '}
              {c.name}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>{t('query.aggregates')}</legend>
        {draft.aggregates.map((a, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: an aggregate is its position in the list
          <div class="row" key={i}>
            <Field label={t('query.fn')} id={`qa-fn-${i}`}>
              {(id) => (
                <select
                  id={id}
                  value={a.fn}
                  onChange={(e) =>
                    set({
                      aggregates: draft.aggregates.map((x, j) =>
                        j === i
                          ? {
                              fn: e.currentTarget.value as typeof a.fn,
                              column: x.column || numeric[0]?.name || '',
                            }
                          : x,
                      ),
                    })
                  }
                >
                  {AGGREGATE_FNS.map((f) => (
                    <option key={f} value={f}>
                      {t(`query.fns.${f}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {a.fn !== 'count' && (
              <Field label={t('query.column')} id={`qa-col-${i}`}>
                {(id) => (
                  <select
                    id={id}
                    value={a.column}
                    onChange={(e) =>
                      set({
                        aggregates: draft.aggregates.map((x, j) =>
                          j === i ? { ...x, column: e.currentTarget.value } : x,
                        ),
                      })
                    }
                  >
                    {(a.fn === 'sum' || a.fn === 'avg' ? numeric : cols).map((c) => (
                      <option key={c.name}>{c.name}</option>
                    ))}
                  </select>
                )}
              </Field>
            )}
            <button
              type="button"
              class="link"
              onClick={() => set({ aggregates: draft.aggregates.filter((_, j) => j !== i) })}
            >
              {t('common.remove')}
            </button>
          </div>
        ))}
        <button
          type="button"
          class="secondary"
          onClick={() => set({ aggregates: [...draft.aggregates, { fn: 'count', column: '' }] })}
        >
          {t('query.addAggregate')}
        </button>
      </fieldset>
      <ErrorNote error={run.error} />
      <Button type="submit" pending={run.pending}>
        {t('query.run')}
      </Button>
      {result && (
        <section aria-live="polite" class="stack" data-testid="query-result">
          <DataTable
            caption={t('query.resultCaption', { n: result.rows.length })}
            columns={result.columns.map((c) => c.name)}
            rows={result.rows}
          />
          {result.truncated && <p class="note">{t('query.truncated', { n: result.limit })}</p>}
          {chart && <Chart spec={chart} />}
        </section>
      )}
    </Form>
  );
}
