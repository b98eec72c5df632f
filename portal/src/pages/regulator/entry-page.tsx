import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { PageTitle } from '../../components/layout.tsx';
import { Button, ErrorNote, Loading, useAction, useLoad } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { fmtDateTime, fmtNumber, t, useLang } from '../../lib/i18n.ts';
import { ActionLabel, OutcomeBadge, roleLabel } from './labels.tsx';
import type { TAuditEntry } from './types.ts';
import { checkEntry, requestCheckpoint, type TEntryCheck, type TStep } from './verification.ts';

/** One log entry with every field, and its verification in the browser. */
export function EntryPage() {
  useLang();
  const { params } = useRoute();
  const index = params.index ?? '';
  const loaded = useLoad(
    (signal) =>
      api<{ entry: TAuditEntry }>('GET', `/v1/audit/entries/${encodeURIComponent(index)}`, undefined, {
        signal,
      }),
    [index],
  );
  const entry = loaded.data?.entry;
  return (
    <>
      <p>
        <a href="/regulator">← {t('regulator.entry.back')}</a>
      </p>
      <PageTitle>{t('regulator.entry.title', { index })}</PageTitle>
      <ErrorNote error={loaded.error} />
      {loaded.loading && !entry && <Loading />}
      {entry && (
        <div class="two-col">
          <EntryFields entry={entry} />
          <Verification entry={entry} />
        </div>
      )}
    </>
  );
}

function EntryFields({ entry: e }: { entry: TAuditEntry }) {
  const none = <span class="muted">{t('regulator.entry.none')}</span>;
  const code = (v: string | null | undefined) => (v ? <code>{v}</code> : none);
  const fields: [string, ComponentChildren][] = [
    ['index', e.index],
    ['version', e.v],
    ['at', <time dateTime={e.at}>{`${fmtDateTime(e.at)} (${e.at})`}</time>],
    ['action', <ActionLabel code={e.action} />],
    ['outcome', <OutcomeBadge outcome={e.outcome} />],
    ['actorUser', code(e.actor?.userId)],
    ['actorOrg', code(e.actor?.orgId)],
    ['actorRole', e.actor?.role ? `${roleLabel(e.actor.role)} (${e.actor.role})` : none],
    ['objectType', code(e.objectType)],
    ['objectId', code(e.objectId)],
    ['contract', code(e.contractId)],
    ['dataset', code(e.datasetId)],
    ['requestId', code(e.requestId)],
    ['details', <pre class="hash">{JSON.stringify(e.details, null, 2)}</pre>],
  ];
  return (
    <section aria-labelledby="fields-title">
      <h2 id="fields-title">{t('regulator.entry.fields')}</h2>
      <dl class="fields">
        {fields.map(([k, v]) => (
          <>
            <dt key={`t-${k}`}>{t(`regulator.entry.${k}`)}</dt>
            <dd key={`d-${k}`}>{v}</dd>
          </>
        ))}
      </dl>
    </section>
  );
}

const STEPS = ['key', 'signature', 'leaf', 'inclusion'] as const;
const STEP_LABEL = {
  key: 'stepKey',
  signature: 'stepSignature',
  leaf: 'stepLeaf',
  inclusion: 'stepInclusion',
};

function Verification({ entry }: { entry: TAuditEntry }) {
  const [check, setCheck] = useState<TEntryCheck | null>(null);
  const run = useAction(async () => {
    setCheck({});
    return checkEntry(entry, setCheck);
  });
  const issue = useAction(async () => {
    await requestCheckpoint();
    await run.go();
  });
  const isDone = check && !run.pending;
  const isVerified = STEPS.every((s) => check?.[s]?.ok);
  const hasFailed = STEPS.some((s) => check?.[s] && !check[s]!.ok);
  return (
    <section aria-labelledby="verify-title" data-testid="verification">
      <h2 id="verify-title">{t('regulator.entry.verifyTitle')}</h2>
      <p class="muted small">{t('regulator.entry.verifyLead')}</p>
      <Button onClick={() => run.go()} pending={run.pending}>
        {t(check ? 'regulator.entry.verifyAgain' : 'regulator.entry.verify')}
      </Button>
      {check && (
        <ol class="steps" aria-live="polite">
          {STEPS.map((s) => (
            <StepItem key={s} name={s} step={check[s]} />
          ))}
        </ol>
      )}
      {isDone && check.notCovered !== undefined && (
        <div class="note">
          <p>{t('regulator.entry.notCovered', { size: fmtNumber(check.notCovered) })}</p>
          <Button onClick={() => issue.go()} pending={issue.pending}>
            {t('regulator.integrity.issue')}
          </Button>
        </div>
      )}
      {isDone && isVerified && (
        <p class="note ok" role="status">
          {t('regulator.entry.verified')}
        </p>
      )}
      {isDone && hasFailed && (
        <p class="note error" role="alert">
          {t('regulator.entry.notVerified')}
        </p>
      )}
      <ErrorNote error={run.error ?? issue.error} />
    </section>
  );
}

function StepItem({ name, step }: { name: (typeof STEPS)[number]; step: TStep<unknown> | undefined }) {
  const status = !step ? 'pending' : step.ok ? 'ok' : 'failed';
  return (
    <li data-step={name} data-status={status}>
      <span>{t(`regulator.entry.${STEP_LABEL[name]}`)}</span>
      {': '}
      <span class="status">{t(`regulator.entry.${status}`)}</span>
      {step && <p class="small hash">{step.ok ? stepDetail(name, step.value) : reason(step)}</p>}
    </li>
  );
}

function reason(step: { code: string; message: string }) {
  const key = `regulator.entry.reasons.${step.code}`;
  const said = t(key, { message: step.message });
  return said === key ? t('regulator.entry.reasons.other', { message: step.message }) : said;
}

function stepDetail(name: (typeof STEPS)[number], value: unknown): string {
  const v = value as Record<string, unknown>;
  switch (name) {
    case 'key':
      return t('regulator.entry.keyDetail', { name: v.name, id: v.keyId });
    case 'signature':
      return t('regulator.entry.signatureDetail', {
        origin: v.origin,
        size: fmtNumber(v.size as number),
        root: v.root,
      });
    case 'leaf':
      return t('regulator.entry.leafDetail', { hash: value });
    case 'inclusion':
      return t('regulator.entry.inclusionDetail', { count: v.count, size: fmtNumber(v.size as number) });
  }
}
