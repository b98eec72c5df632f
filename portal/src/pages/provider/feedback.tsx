import { useState } from 'preact/hooks';
import { PageTitle } from '../../components/layout.tsx';
import { Badge, Button, ErrorNote, Field, Form, Loading, useAction, useLoad } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { fmtDateTime, pick, t, useLang } from '../../lib/i18n.ts';
import { useSession } from '../../lib/session.ts';
import type { TDataset } from '../../lib/types.ts';
import { loadMyDatasets } from './load.ts';

type TFeedback = {
  id: string;
  datasetId: string;
  kind: string;
  body: string;
  contact: string | null;
  status: 'open' | 'answered';
  answer: string | null;
  createdAt: string;
  answeredAt: string | null;
};

const loadFeedback = (datasetId: string, signal?: AbortSignal) =>
  api<{ items: TFeedback[] }>(
    'GET',
    `/v1/datasets/${datasetId}/feedback`,
    undefined,
    signal ? { signal } : {},
  );

/** Feedback on one own dataset, open items first, each answerable once. */
export function FeedbackList({ dataset }: { dataset: TDataset }) {
  const list = useLoad((signal) => loadFeedback(dataset.id, signal), [dataset.id]);
  if (list.error) return <ErrorNote error={list.error} />;
  if (!list.data) return <Loading />;
  if (list.data.items.length === 0) return <p class="muted">{t('provider.feedback.none')}</p>;
  return (
    <ul class="plain">
      {sorted(list.data.items).map((f) => (
        <FeedbackItem key={f.id} f={f} onAnswered={list.reload} />
      ))}
    </ul>
  );
}

const sorted = (items: TFeedback[]) =>
  [...items].sort((a, b) => (a.status === b.status ? 0 : a.status === 'open' ? -1 : 1));

function FeedbackItem({ f, onAnswered, title }: { f: TFeedback; onAnswered: () => void; title?: string }) {
  const [answer, setAnswer] = useState('');
  const send = useAction(async () => {
    await api('POST', `/v1/feedback/${f.id}/answer`, { answer });
    onAnswered();
  });
  return (
    <li class="card" data-testid="feedback-item">
      {title && <h3>{title}</h3>}
      <p>
        <Badge>{t(`feedback.kinds.${f.kind}`)}</Badge>{' '}
        <Badge kind={f.status === 'open' ? 'warn' : 'open'}>{t(`provider.feedback.${f.status}`)}</Badge>{' '}
        <span class="muted small">{fmtDateTime(f.createdAt)}</span>
        {f.contact && (
          <span class="muted small"> · {t('provider.feedback.contact', { contact: f.contact })}</span>
        )}
      </p>
      <p class="prose">{f.body}</p>
      {f.answer ? (
        <p class="answer">
          <strong>{t('feedback.answer')}:</strong> {f.answer}{' '}
          <span class="muted small">{fmtDateTime(f.answeredAt)}</span>
        </p>
      ) : (
        <Form onSubmit={send.go}>
          <Field
            label={t('provider.feedback.answerLabel')}
            id={`fb-answer-${f.id}`}
            hint={t('provider.feedback.answerHint')}
          >
            {(id) => (
              <textarea
                id={id}
                required
                rows={3}
                value={answer}
                onInput={(e) => setAnswer(e.currentTarget.value)}
              />
            )}
          </Field>
          <ErrorNote error={send.error} />
          <Button type="submit" pending={send.pending}>
            {t('provider.feedback.send')}
          </Button>
        </Form>
      )}
    </li>
  );
}

/** Feedback across every published entry of the department, open items first. */
export function FeedbackInbox() {
  useLang();
  const { user } = useSession();
  const [onlyOpen, setOnlyOpen] = useState(true);
  const all = useLoad(
    async (signal) => {
      const datasets = (await loadMyDatasets(user!.orgId, signal)).filter(
        (d) => d.status === 'published' || d.status === 'retired',
      );
      const lists = await Promise.all(datasets.map((d) => loadFeedback(d.id, signal)));
      return datasets.flatMap((d, i) => lists[i]!.items.map((f) => ({ f, d })));
    },
    [user?.orgId],
  );
  const items = (all.data ?? []).filter((x) => !onlyOpen || x.f.status === 'open');
  return (
    <section>
      <PageTitle sub={<p class="muted">{t('provider.feedback.lead')}</p>}>
        {t('provider.feedback.title')}
      </PageTitle>
      <label>
        <input type="checkbox" checked={onlyOpen} onChange={(e) => setOnlyOpen(e.currentTarget.checked)} />{' '}
        {t('provider.feedback.onlyOpen')}
      </label>
      <ErrorNote error={all.error} />
      {all.loading && !all.data && <Loading />}
      {all.data && items.length === 0 && <p class="muted">{t('provider.feedback.none')}</p>}
      <ul class="plain">
        {items
          .sort((a, b) => b.f.createdAt.localeCompare(a.f.createdAt))
          .map(({ f, d }) => (
            <FeedbackItem key={f.id} f={f} onAnswered={all.reload} title={pick(d.title, d.titleEn)} />
          ))}
      </ul>
    </section>
  );
}
