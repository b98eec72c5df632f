import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { PageTitle, RequireRole } from '../components/layout.tsx';
import {
  Badge,
  Button,
  DataTable,
  ErrorNote,
  Field,
  Form,
  Input,
  useAction,
  useLoad,
} from '../components/ui.tsx';
import { api } from '../lib/api.ts';
import { fmtDateTime, t, useLang } from '../lib/i18n.ts';
import { useSession } from '../lib/session.ts';

type TToken = {
  id: string;
  label: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
};

/** One's own account: who one is, one's password and one's API tokens (for programs). */
export function Account() {
  useLang();
  return (
    <RequireRole roles={['admin', 'provider', 'operator', 'researcher', 'regulator']}>
      <AccountPage />
    </RequireRole>
  );
}

function AccountPage() {
  const { user } = useSession();
  const { query } = useLocation();
  return (
    <div class="stack">
      <PageTitle>{t('account.title')}</PageTitle>
      {query.welcome && (
        <p class="note ok" role="status">
          {t('account.welcome')}
        </p>
      )}
      <dl class="facts">
        <dt>{t('auth.name')}</dt>
        <dd>{user!.name}</dd>
        <dt>{t('auth.login')}</dt>
        <dd>{user!.login}</dd>
        <dt>{t('account.role')}</dt>
        <dd>{t(`roles.${user!.role}`)}</dd>
        <dt>{t('account.org')}</dt>
        <dd>{user!.orgName}</dd>
      </dl>
      <Tokens />
      <ChangePassword />
    </div>
  );
}

function Tokens() {
  const list = useLoad(
    (signal) => api<{ items: TToken[] }>('GET', '/v1/me/tokens', undefined, { signal }),
    [],
  );
  const [label, setLabel] = useState('');
  const [days, setDays] = useState('90');
  const [issued, setIssued] = useState<string | null>(null);
  const create = useAction(async () => {
    const expiresAt = days ? new Date(Date.now() + Number(days) * 86_400_000).toISOString() : undefined;
    const r = await api<{ token: string }>('POST', '/v1/me/tokens', {
      label: label.trim(),
      ...(expiresAt ? { expiresAt } : {}),
    });
    setIssued(r.token);
    setLabel('');
    list.reload();
  });
  const revoke = useAction(async (id: string) => {
    await api('POST', `/v1/me/tokens/${id}/revoke`);
    list.reload();
  });
  return (
    <section class="stack">
      <h2>{t('account.tokens')}</h2>
      <p class="muted">{t('account.tokensLead')}</p>
      <ErrorNote error={list.error ?? revoke.error} />
      {list.data && list.data.items.length > 0 && (
        <DataTable
          caption={t('account.tokens')}
          columns={[
            t('account.label'),
            t('account.created'),
            t('account.expires'),
            t('account.lastUsed'),
            t('account.state'),
            '',
          ]}
          rows={list.data.items.map((k) => [
            k.label,
            fmtDateTime(k.createdAt),
            k.expiresAt ? fmtDateTime(k.expiresAt) : t('account.never'),
            fmtDateTime(k.lastUsedAt),
            k.revokedAt ? (
              <Badge kind="closed">{t('account.revoked')}</Badge>
            ) : k.expiresAt && new Date(k.expiresAt) < new Date() ? (
              <Badge kind="warn">{t('account.expired')}</Badge>
            ) : (
              <Badge kind="open">{t('account.active')}</Badge>
            ),
            k.revokedAt ? (
              ''
            ) : (
              <button
                type="button"
                class="link danger"
                onClick={() => void revoke.go(k.id)}
                aria-label={t('account.revokeNamed', { label: k.label })}
              >
                {t('account.revoke')}
              </button>
            ),
          ])}
        />
      )}
      <Form class="row" onSubmit={create.go}>
        <Input
          label={t('account.label')}
          id="token-label"
          required
          maxLength={100}
          value={label}
          onValue={setLabel}
        />
        <Field label={t('account.expiresIn')} id="token-days">
          {(id) => (
            <select id={id} value={days} onChange={(e) => setDays(e.currentTarget.value)}>
              <option value="30">{t('account.days', { n: 30 })}</option>
              <option value="90">{t('account.days', { n: 90 })}</option>
              <option value="365">{t('account.days', { n: 365 })}</option>
              <option value="">{t('account.never')}</option>
            </select>
          )}
        </Field>
        <Button type="submit" pending={create.pending}>
          {t('account.createToken')}
        </Button>
      </Form>
      <ErrorNote error={create.error} />
      {issued && (
        <div class="note ok" role="status">
          <p>{t('account.tokenOnce')}</p>
          <code class="token" data-testid="new-token">
            {issued}
          </code>
        </div>
      )}
    </section>
  );
}

function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const change = useAction(async () => {
    await api('POST', '/v1/me/password', { currentPassword: current, newPassword: next });
    setDone(true);
    setCurrent('');
    setNext('');
  });
  return (
    <Form onSubmit={change.go}>
      <h2>{t('account.changePassword')}</h2>
      <Input
        label={t('account.currentPassword')}
        id="cur-password"
        type="password"
        required
        autocomplete="current-password"
        value={current}
        onValue={setCurrent}
      />
      <Input
        label={t('auth.newPassword')}
        hint={t('auth.passwordHint')}
        id="next-password"
        type="password"
        required
        autocomplete="new-password"
        value={next}
        onValue={setNext}
      />
      <ErrorNote error={change.error} />
      {done && (
        <p class="note ok" role="status">
          {t('account.passwordChanged')}
        </p>
      )}
      <Button type="submit" pending={change.pending}>
        {t('account.changePassword')}
      </Button>
    </Form>
  );
}
