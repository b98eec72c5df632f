import { useState } from 'preact/hooks';
import { Button, ErrorNote, Loading, useAction, useLoad } from '../../components/ui.tsx';
import { fmtDateTime, fmtNumber, t } from '../../lib/i18n.ts';
import { checkLog, requestCheckpoint } from './verification.ts';

/**
 * The log's integrity, checked on every visit: the latest checkpoint's signature, and its
 * consistency with the checkpoint this browser kept last time. A failure is shown as loudly as
 * the page can: the log was rewritten.
 */
export function IntegrityPanel() {
  const check = useLoad(() => checkLog(), []);
  const [said, setSaid] = useState<string | null>(null);
  const issue = useAction(async () => {
    const { isNew, size } = await requestCheckpoint();
    setSaid(
      t(isNew ? 'regulator.integrity.issued' : 'regulator.integrity.notGrown', { size: fmtNumber(size) }),
    );
    check.reload();
  });
  const r = check.data;
  return (
    <section class="integrity" aria-labelledby="integrity-title" data-testid="integrity">
      <h2 id="integrity-title">{t('regulator.integrity.title')}</h2>
      <ErrorNote error={check.error} />
      {check.loading && !r && <Loading />}
      {check.loading && r && <p class="muted">{t('regulator.integrity.checking')}</p>}
      {r?.state === 'none' && <p class="note">{t('regulator.integrity.noCheckpoint')}</p>}
      {r?.state === 'bad-checkpoint' && (
        <div class="note error rewritten" role="alert">
          <p>
            <strong>{t('regulator.integrity.badCheckpoint')}</strong>
          </p>
          <p class="small">{t(`regulator.entry.reasons.${r.code}`, { message: r.message })}</p>
        </div>
      )}
      {r && 'latest' in r && r.latest && r.state !== 'rewritten' && (
        <div class="note ok" role="status">
          <p>
            <strong>
              {t('regulator.integrity.signatureOk', {
                origin: r.latest.origin,
                size: fmtNumber(r.latest.size),
              })}
            </strong>
          </p>
          <p>
            {r.state === 'first'
              ? t('regulator.integrity.firstVisit', { size: fmtNumber(r.latest.size) })
              : r.kept.size === r.latest.size
                ? t('regulator.integrity.unchanged', { size: fmtNumber(r.latest.size) })
                : t('regulator.integrity.consistent', {
                    from: fmtNumber(r.kept.size),
                    to: fmtNumber(r.latest.size),
                  })}
          </p>
          {r.state === 'consistent' && (
            <p class="muted small">{t('regulator.integrity.keptAt', { at: fmtDateTime(r.keptAt) })}</p>
          )}
          <p class="small">
            {t('regulator.integrity.root')}: <span class="hash">{r.latest.root}</span>
          </p>
        </div>
      )}
      {r?.state === 'rewritten' && (
        <div class="note error rewritten" role="alert" data-testid="log-rewritten">
          <p>
            <strong>{t('regulator.integrity.rewritten')}</strong>
          </p>
          <p>
            {t('regulator.integrity.rewrittenDetail', {
              from: fmtNumber(r.kept.size),
              to: fmtNumber(r.latest?.size ?? 0),
              why: t(`regulator.integrity.${r.why}`),
            })}
          </p>
          <p>{t('regulator.integrity.keptNotReplaced')}</p>
          <details>
            <summary>{t('regulator.integrity.keptNote')}</summary>
            <pre class="hash">{r.kept.note}</pre>
            <p class="muted small">{t('regulator.integrity.keptAt', { at: fmtDateTime(r.keptAt) })}</p>
          </details>
        </div>
      )}
      <div class="row">
        <Button onClick={() => issue.go()} pending={issue.pending}>
          {t('regulator.integrity.issue')}
        </Button>
        <Button class="secondary" onClick={() => check.reload()} pending={check.loading}>
          {t('regulator.integrity.recheck')}
        </Button>
      </div>
      {said && (
        <p class="muted" role="status">
          {said}
        </p>
      )}
      <ErrorNote error={issue.error} />
    </section>
  );
}
