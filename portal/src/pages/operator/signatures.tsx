import { useState } from 'preact/hooks';
import { Badge, Button, ErrorNote, Loading, useAction, useLoad } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { fmtDateTime, t } from '../../lib/i18n.ts';
import type { TContract, TOrgKey } from './api.ts';
import { browserKey } from './key-store.ts';
import type { TCheck } from './signing.ts';

const loadSigning = () => import('./signing.ts');

/**
 * Both signatures of a contract, verified in this browser with the platform's published keys and
 * the org's registered key; and, while the contract waits for it, the countersignature made with
 * the key kept in this browser.
 */
export function Signatures(props: { contract: TContract; orgId: string; onSigned: () => void }) {
  const c = props.contract;
  const parsed = { issuerKid: c.contract.issuer.kid, licenseeKid: c.contract.licensee.kid };
  const { data, error } = useLoad(
    async (signal) => {
      const [signing, jwks, keys, local] = await Promise.all([
        loadSigning(),
        api<{ keys: object[] }>('GET', '/.well-known/jwks.json', undefined, { signal }),
        api<{ items: TOrgKey[] }>('GET', `/v1/orgs/${props.orgId}/keys`, undefined, { signal }),
        browserKey(parsed.licenseeKid).catch(() => undefined),
      ]);
      const [platform, operator] = await Promise.all([
        signing.checkPlatform(c.jws, parsed, jwks),
        signing.checkCountersignature(c.jws, parsed, keys.items),
      ]);
      return { platform, operator, local, registered: keys.items.find((k) => k.kid === parsed.licenseeKid) };
    },
    [c.id, c.jws.signatures.length],
  );
  const sign = useAction(async () => {
    const signing = await loadSigning();
    if (!data?.local) return;
    const signature = await signing.countersign(c.jws, data.local);
    await api('POST', `/v1/contracts/${c.id}/countersign`, signature);
    props.onSigned();
  });
  return (
    <section aria-labelledby="signatures">
      <h2 id="signatures">{t('operator.sig.title')}</h2>
      <p class="muted">{t('operator.sig.intro')}</p>
      <ErrorNote error={error} />
      {!data && !error && <Loading />}
      {data && (
        <ul class="plain op-sigs">
          <SignatureItem who="platform" check={data.platform} />
          <SignatureItem who="operator" check={data.operator} />
        </ul>
      )}
      {data && c.state === 'awaiting_countersign' && data.operator.state === 'missing' && (
        <div class="card">
          <h3>{t('operator.sig.countersignTitle')}</h3>
          {data.platform.state !== 'verified' ? (
            <p class="note error">{t('operator.sig.platformFirst')}</p>
          ) : data.local ? (
            <Countersign
              kid={data.local.kid}
              created={data.local.createdAt}
              pending={sign.pending}
              onSign={sign.go}
              error={sign.error}
              isRegistered={!!data.registered && !data.registered.revokedAt}
            />
          ) : (
            <p class="note">
              {t('operator.sig.noLocalKey', { kid: parsed.licenseeKid })}{' '}
              <a href="/operator/keys">{t('operator.nav.keys')}</a>
            </p>
          )}
        </div>
      )}
    </section>
  );
}

function Countersign(props: {
  kid: string;
  created: string;
  pending: boolean;
  isRegistered: boolean;
  error: unknown;
  onSign: () => void;
}) {
  const [agreed, setAgreed] = useState(false);
  return (
    <>
      <p>{t('operator.sig.withKey', { kid: props.kid, created: fmtDateTime(props.created) })}</p>
      {!props.isRegistered && <p class="note error">{t('operator.sig.keyNotRegistered')}</p>}
      <label>
        <input type="checkbox" checked={agreed} onChange={(e) => setAgreed(e.currentTarget.checked)} />{' '}
        {t('operator.sig.agree')}
      </label>
      <ErrorNote error={props.error} />
      <p>
        <Button onClick={props.onSign} pending={props.pending} disabled={!agreed || !props.isRegistered}>
          {t('operator.sig.countersign')}
        </Button>
      </p>
    </>
  );
}

function SignatureItem({ who, check }: { who: 'platform' | 'operator'; check: TCheck }) {
  const kind = check.state === 'verified' ? 'open' : check.state === 'missing' ? 'conditional' : 'closed';
  return (
    <li class="card" data-testid={`sig-${who}`}>
      <h3>
        {t(`operator.sig.${who}`)} <Badge kind={kind}>{t(`operator.sig.state.${check.state}`)}</Badge>
      </h3>
      <p class="small">
        {t('operator.sig.kid')}: <code>{check.kid}</code>
      </p>
      <p>{t(`operator.sig.means.${who}.${check.state}`)}</p>
      {check.state === 'failed' && (
        <p class="small">
          <code>{check.code}</code>:{' '}
          {t(`errors.${check.code}`) === `errors.${check.code}` ? check.message : t(`errors.${check.code}`)}
        </p>
      )}
      {check.state === 'revoked' && (
        <p class="small">{t('operator.sig.revokedAt', { at: fmtDateTime(check.revokedAt) })}</p>
      )}
    </li>
  );
}
