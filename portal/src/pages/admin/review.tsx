import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { PageTitle } from '../../components/layout.tsx';
import { SchemaTable } from '../../components/schema-table.tsx';
import {
  Badge,
  Button,
  DataTable,
  ErrorNote,
  Field,
  Form,
  Loading,
  useAction,
  useLoad,
} from '../../components/ui.tsx';
import { api, qs } from '../../lib/api.ts';
import { fmtDateTime, lang, pick, t, useLang } from '../../lib/i18n.ts';
import type { TDataset, TDatasetPage } from '../../lib/types.ts';

/** Entries the departments submitted, oldest first: the authority's review queue. */
export function ReviewQueue() {
  useLang();
  const queue = useLoad(
    (signal) =>
      api<TDatasetPage>('GET', `/v1/datasets${qs({ status: 'submitted', limit: 100 })}`, undefined, {
        signal,
      }),
    [],
  );
  const items = [...(queue.data?.items ?? [])].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
  return (
    <>
      <PageTitle sub={<p class="muted">{t('admin.review.lead')}</p>}>{t('admin.review.title')}</PageTitle>
      <ErrorNote error={queue.error} />
      {!queue.data ? (
        queue.loading && <Loading />
      ) : items.length === 0 ? (
        <p class="note">{t('admin.review.empty')}</p>
      ) : (
        <DataTable
          caption={t('admin.review.caption', { n: items.length })}
          columns={[
            t('admin.review.entry'),
            t('admin.review.provider'),
            t('admin.review.classification'),
            t('admin.review.openness'),
            t('admin.review.sharing'),
            t('admin.review.submitted'),
          ]}
          rows={items.map((d) => [
            <a key={d.id} href={`/admin/review/${encodeURIComponent(d.id)}`}>
              {pick(d.title, d.titleEn)}
            </a>,
            pick(d.providerName, d.providerNameEn),
            t('classification.level', { n: d.classification }),
            t(`openness.${d.openness}`),
            t(`sharing.${d.sharing}`),
            fmtDateTime(d.updatedAt),
          ])}
        />
      )}
    </>
  );
}

const list = (xs: string[]) => xs.join(lang() === 'en' ? ', ' : '、');

/**
 * What a reviewer should look at twice. The API already refuses what the rules forbid (an open entry
 * with personal columns or above level 1, a missing sharing basis); these are matters of judgement.
 */
export function reviewChecks(d: Pick<TDataset, 'titleEn' | 'descriptionEn' | 'columns'>) {
  const checks: string[] = [];
  const protectedColumns = d.columns.filter((c) => c.sensitivity !== 'public');
  if (protectedColumns.length > 0)
    checks.push(
      t('admin.review.checkProtected', {
        columns: list(protectedColumns.map((c) => `${c.name} (${t(`sensitivity.${c.sensitivity}`)})`)),
      }),
    );
  const undescribed = d.columns.filter((c) => !c.description?.trim());
  if (undescribed.length > 0)
    checks.push(t('admin.review.checkDescriptions', { columns: list(undescribed.map((c) => c.name)) }));
  if (!d.titleEn || !d.descriptionEn) checks.push(t('admin.review.checkEnglish'));
  return checks;
}

/** One submitted entry: its facts and schema, and the decision with a reason. */
export function ReviewEntry() {
  useLang();
  const { params } = useRoute();
  const id = params.id!;
  const entry = useLoad(
    (signal) => api<TDataset>('GET', `/v1/datasets/${encodeURIComponent(id)}`, undefined, { signal }),
    [id],
  );
  const [reason, setReason] = useState('');
  const [missingReason, setMissingReason] = useState(false);
  const [outcome, setOutcome] = useState<'approved' | 'rejected' | null>(null);
  const review = useAction(async (decision: 'approve' | 'reject') => {
    const body = { decision, ...(reason.trim() ? { reason: reason.trim() } : {}) };
    await api<TDataset>('POST', `/v1/datasets/${encodeURIComponent(id)}/review`, body);
    setOutcome(decision === 'approve' ? 'approved' : 'rejected');
  });
  const d = entry.data;
  if (entry.error) return <ErrorNote error={entry.error} />;
  if (!d) return <Loading />;
  const checks = reviewChecks(d);
  return (
    <article>
      <p>
        <a href="/admin">
          <span aria-hidden="true">← </span>
          {t('admin.review.back')}
        </a>
      </p>
      <PageTitle
        sub={
          <p>
            <Badge kind={d.openness}>{t(`openness.${d.openness}`)}</Badge>{' '}
            <Badge>{t(`sharing.${d.sharing}`)}</Badge>{' '}
            <Badge>{t('classification.level', { n: d.classification })}</Badge>{' '}
            <span class="muted">{pick(d.providerName, d.providerNameEn)}</span>
          </p>
        }
      >
        {pick(d.title, d.titleEn)}
      </PageTitle>
      <h2>{t('admin.review.facts')}</h2>
      <dl class="facts">
        <dt>{t('admin.review.slug')}</dt>
        <dd>
          <code>{d.slug}</code>
        </dd>
        <dt>{t('admin.review.theme')}</dt>
        <dd>{t(`theme.${d.theme}`)}</dd>
        <dt>{t('admin.review.description')}</dt>
        <dd class="prose">{pick(d.description, d.descriptionEn)}</dd>
        <dt>{t('admin.review.frequency')}</dt>
        <dd>{t(`frequency.${d.updateFrequency}`)}</dd>
        <dt>{t('admin.review.license')}</dt>
        <dd>{d.license}</dd>
        <dt>{t('admin.review.classification')}</dt>
        <dd>{t('classification.level', { n: d.classification })}</dd>
        <dt>{t('admin.review.openness')}</dt>
        <dd>{t(`openness.${d.openness}`)}</dd>
        <dt>{t('admin.review.sharing')}</dt>
        <dd>{t(`sharing.${d.sharing}`)}</dd>
        <dt>{t('admin.review.sharingBasis')}</dt>
        <dd>{d.sharingBasis ?? <span class="muted">{t('admin.review.noBasis')}</span>}</dd>
        <dt>{t('admin.review.submitted')}</dt>
        <dd>{fmtDateTime(d.updatedAt)}</dd>
      </dl>
      <h2>{t('admin.review.schema', { n: d.columns.length })}</h2>
      <SchemaTable
        columns={d.columns}
        caption={t('admin.review.schema', { n: d.columns.length })}
        flagProtected
      />
      <h2>{t('admin.review.checks')}</h2>
      {checks.length ? (
        <ul>
          {checks.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
      ) : (
        <p>{t('admin.review.checkOk')}</p>
      )}
      <h2>{t('admin.review.decision')}</h2>
      {outcome ? (
        <div class="note ok" role="status">
          <p>{t(`admin.review.${outcome}`)}</p>
          <a href="/admin">{t('admin.review.back')}</a>
        </div>
      ) : d.status !== 'submitted' ? (
        <p class="note">{t('admin.review.notSubmitted', { status: t(`admin.review.status.${d.status}`) })}</p>
      ) : (
        <Form onSubmit={() => review.go('approve')}>
          <Field label={t('admin.review.reason')} hint={t('admin.review.reasonHint')} id="review-reason">
            {(fid) => (
              <textarea
                id={fid}
                rows={3}
                maxLength={2000}
                value={reason}
                aria-invalid={missingReason ? 'true' : undefined}
                onInput={(e) => setReason(e.currentTarget.value)}
              />
            )}
          </Field>
          {missingReason && (
            <p class="note error" role="alert">
              {t('admin.review.reasonRequired')}
            </p>
          )}
          <ErrorNote error={review.error} />
          <p class="row">
            <Button type="submit" pending={review.pending}>
              {t('admin.review.approve')}
            </Button>
            <Button
              class="secondary danger"
              pending={review.pending}
              onClick={() => {
                setMissingReason(!reason.trim());
                if (reason.trim()) void review.go('reject');
              }}
            >
              {t('admin.review.reject')}
            </Button>
          </p>
        </Form>
      )}
    </article>
  );
}
