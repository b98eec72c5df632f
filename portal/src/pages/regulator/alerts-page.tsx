import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { PageTitle } from '../../components/layout.tsx';
import { Badge, Button, ErrorNote, Field, Form, Loading, useLoad } from '../../components/ui.tsx';
import { api, qs } from '../../lib/api.ts';
import { fmtDateTime, fmtNumber, t, useLang } from '../../lib/i18n.ts';
import { ShortId } from './labels.tsx';
import { alertFilter, fromLocalInput, logHref, toLocalInput } from './log-filter.ts';
import type { TAlert, TAlerts } from './types.ts';

/** The platform's alerts over a window (the last 24 hours by default), each leading to its entries. */
export function AlertsPage() {
  useLang();
  const { query, route } = useLocation();
  const alerts = useLoad(
    (signal) =>
      api<TAlerts>('GET', `/v1/audit/alerts${qs({ from: query.from, to: query.to })}`, undefined, { signal }),
    [query.from, query.to],
  );
  const [w, setW] = useState({ from: query.from ?? '', to: query.to ?? '' });
  const shown = alerts.data?.window;
  return (
    <>
      <PageTitle sub={<p class="muted">{t('regulator.alerts.lead')}</p>}>
        {t('regulator.alerts.title')}
      </PageTitle>
      <Form class="row" onSubmit={() => route(`/regulator/alerts${qs(w)}`)}>
        {(['from', 'to'] as const).map((k) => (
          <Field key={k} label={t(`regulator.alerts.${k}`)} id={`alerts-${k}`}>
            {(id) => (
              <input
                id={id}
                type="datetime-local"
                step={1}
                value={toLocalInput(w[k] || shown?.[k])}
                onInput={(e) => setW((old) => ({ ...old, [k]: fromLocalInput(e.currentTarget.value) ?? '' }))}
              />
            )}
          </Field>
        ))}
        <Button type="submit">{t('regulator.alerts.show')}</Button>
      </Form>
      <ErrorNote error={alerts.error} />
      {alerts.loading && !alerts.data && <Loading />}
      {alerts.data && alerts.data.items.length === 0 && <p class="note">{t('regulator.alerts.none')}</p>}
      <ul class="alert-list">
        {alerts.data?.items.map((a, i) => (
          <AlertCard key={i} alert={a} />
        ))}
      </ul>
    </>
  );
}

function AlertCard({ alert: a }: { alert: TAlert }) {
  const details = a.details as Record<string, unknown>;
  const level = t(`regulator.alerts.severity.${a.severity}`);
  return (
    <li class="card">
      <h2>
        <Badge kind={a.severity === 'high' ? 'closed' : 'warn'}>
          <span class="sr-only">{t('regulator.alerts.severityLabel', { level })}</span>
          <span aria-hidden="true">{level}</span>
        </Badge>{' '}
        {t(`regulator.alerts.kinds.${a.kind}`)}
      </h2>
      <p>
        {t(`regulator.alerts.summary.${a.kind}`, {
          subject: a.subject.id,
          count: fmtNumber(a.count),
          variants: details.variants,
          code: details.code,
          percent: typeof details.fraction === 'number' ? fmtNumber(details.fraction * 100, 0) : '',
          reason: t(`regulator.alerts.reason.${details.reason === 'expired' ? 'expired' : 'revoked'}`),
        })}
      </p>
      <p class="muted small">
        {t(`regulator.alerts.subject.${a.subject.type}`)} <ShortId id={a.subject.id} /> ·{' '}
        {t('regulator.alerts.between', { from: fmtDateTime(a.window.from), to: fmtDateTime(a.window.to) })} ·{' '}
        {t('regulator.alerts.count', { count: fmtNumber(a.count) })}
      </p>
      <a href={logHref(alertFilter(a))}>{t('regulator.alerts.follow')}</a>
    </li>
  );
}
