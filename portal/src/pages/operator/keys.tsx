import { useState } from 'preact/hooks';
import { PageTitle } from '../../components/layout.tsx';
import { Badge, Button, DataTable, ErrorNote, Loading, useAction, useLoad } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { fmtDateTime, t, useLang } from '../../lib/i18n.ts';
import { useSession } from '../../lib/session.ts';
import type { TOrgKey } from './api.ts';
import { browserKeys, createBrowserKey } from './key-store.ts';

/** Registers a browser key's public half on the org; the platform answers its kid. */
export const registerKey = (orgId: string, jwk: object) =>
  api<TOrgKey>('POST', `/v1/orgs/${encodeURIComponent(orgId)}/keys`, { jwk });

/**
 * The countersigning key kept in this browser (never exported), the keys registered on the org, and
 * making a new key: generated here, its public half registered on the org.
 */
export function Keys() {
  useLang();
  const { user } = useSession();
  const orgId = user?.orgId ?? '';
  const [tick, setTick] = useState(0);
  const state = useLoad(
    async (signal) => {
      const [local, org] = await Promise.all([
        browserKeys(orgId),
        api<{ items: TOrgKey[] }>('GET', `/v1/orgs/${encodeURIComponent(orgId)}/keys`, undefined, { signal }),
      ]);
      return { local, org: org.items };
    },
    [orgId, tick],
  );
  const make = useAction(async () => {
    const key = await createBrowserKey(orgId);
    await registerKey(orgId, key.publicJwk);
    setTick((n) => n + 1);
  });
  const register = useAction(async (jwk: object) => {
    await registerKey(orgId, jwk);
    setTick((n) => n + 1);
  });
  const data = state.data;
  const current = data?.local[0];
  const registered = (kid: string) => data?.org.find((k) => k.kid === kid);
  return (
    <>
      <PageTitle sub={<p class="muted">{t('operator.keys.intro')}</p>}>{t('operator.keys.title')}</PageTitle>
      <ErrorNote error={state.error} />
      {!data && !state.error && <Loading />}
      {data && (
        <section aria-labelledby="this-browser" class="card">
          <h2 id="this-browser">{t('operator.keys.thisBrowser')}</h2>
          {current ? (
            <dl class="facts" data-testid="browser-key">
              <dt>{t('operator.keys.kid')}</dt>
              <dd>
                <code>{current.kid}</code>
              </dd>
              <dt>{t('operator.keys.created')}</dt>
              <dd>{fmtDateTime(current.createdAt)}</dd>
              <dt>{t('operator.keys.registration')}</dt>
              <dd>
                {registered(current.kid)?.revokedAt ? (
                  <Badge kind="closed">{t('operator.keys.revoked')}</Badge>
                ) : registered(current.kid) ? (
                  <Badge kind="open">{t('operator.keys.registered')}</Badge>
                ) : (
                  <>
                    <Badge kind="conditional">{t('operator.keys.notRegistered')}</Badge>{' '}
                    <Button
                      class="secondary"
                      pending={register.pending}
                      onClick={() => register.go(current.publicJwk)}
                    >
                      {t('operator.keys.register')}
                    </Button>
                  </>
                )}
              </dd>
            </dl>
          ) : (
            <p>{t('operator.keys.none')}</p>
          )}
          <p class="muted small">{t('operator.keys.nonExtractable')}</p>
          {current && <p class="muted small">{t('operator.keys.newWarning')}</p>}
          <ErrorNote error={make.error ?? register.error} />
          <Button onClick={make.go} pending={make.pending}>
            {current ? t('operator.keys.makeNew') : t('operator.keys.make')}
          </Button>
        </section>
      )}
      {data && (
        <section aria-labelledby="org-keys">
          <h2 id="org-keys">{t('operator.keys.orgKeys')}</h2>
          {data.org.length === 0 ? (
            <p class="muted">{t('operator.keys.orgNone')}</p>
          ) : (
            <DataTable
              caption={t('operator.keys.orgKeys')}
              columns={[
                t('operator.keys.kid'),
                t('operator.keys.created'),
                t('operator.keys.where'),
                t('operator.keys.registration'),
              ]}
              rows={data.org.map((k) => [
                <code key="k">{k.kid}</code>,
                fmtDateTime(k.createdAt),
                data.local.some((l) => l.kid === k.kid)
                  ? t('operator.keys.inThisBrowser')
                  : t('operator.keys.elsewhere'),
                k.revokedAt
                  ? t('operator.keys.revokedAt', { at: fmtDateTime(k.revokedAt) })
                  : t('operator.keys.registered'),
              ])}
            />
          )}
        </section>
      )}
    </>
  );
}
