import { useEffect, useRef, useState } from 'preact/hooks';
import { PageTitle } from '../../components/layout.tsx';
import {
  Button,
  DataTable,
  ErrorNote,
  Field,
  Form,
  Input,
  Loading,
  useAction,
  useLoad,
} from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { fmtDateTime, pick, t, useLang } from '../../lib/i18n.ts';
import type { TRole } from '../../lib/session.ts';
import type { TOrg, TPasswordLink, TUserRow } from './types.ts';

const ROLES: TRole[] = ['admin', 'provider', 'operator', 'researcher', 'regulator'];

/** Orgs and users: create them, find users by org and role, give a user a one-time password link. */
export function Accounts() {
  useLang();
  const orgs = useLoad((signal) => api<{ items: TOrg[] }>('GET', '/v1/orgs', undefined, { signal }), []);
  const users = useLoad(
    (signal) => api<{ items: TUserRow[] }>('GET', '/v1/users', undefined, { signal }),
    [],
  );
  const orgList = orgs.data?.items ?? [];
  return (
    <>
      <PageTitle>{t('admin.nav.accounts')}</PageTitle>
      <div class="two-col">
        <section aria-labelledby="orgs-h">
          <h2 id="orgs-h">{t('admin.orgs.title')}</h2>
          <CreateOrg onCreated={orgs.reload} />
          <ErrorNote error={orgs.error} />
          {orgs.data ? (
            <DataTable
              caption={t('admin.orgs.caption', { n: orgList.length })}
              columns={[t('admin.orgs.name'), t('admin.orgs.users'), t('admin.orgs.createdAt')]}
              numeric={[false, true, false]}
              rows={orgList.map((o) => [
                pick(o.name, o.nameEn),
                users.data?.items.filter((u) => u.orgId === o.id).length ?? '',
                fmtDateTime(o.createdAt),
              ])}
            />
          ) : (
            <Loading />
          )}
        </section>
        <section aria-labelledby="users-h">
          <h2 id="users-h">{t('admin.users.title')}</h2>
          <CreateUser orgs={orgList} onCreated={users.reload} />
        </section>
      </div>
      <ErrorNote error={users.error} />
      {users.data ? <Users users={users.data.items} orgs={orgList} onChanged={users.reload} /> : <Loading />}
    </>
  );
}

function CreateOrg({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [nameEn, setNameEn] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const create = useAction(async () => {
    const org = await api<TOrg>('POST', '/v1/orgs', {
      name: name.trim(),
      ...(nameEn.trim() ? { nameEn: nameEn.trim() } : {}),
    });
    setDone(org.name);
    setName('');
    setNameEn('');
    onCreated();
  });
  return (
    <Form onSubmit={create.go}>
      <Input
        label={t('admin.orgs.name')}
        id="org-name"
        required
        maxLength={200}
        value={name}
        onValue={setName}
      />
      <Input
        label={t('admin.orgs.nameEn')}
        id="org-name-en"
        maxLength={200}
        value={nameEn}
        onValue={setNameEn}
      />
      <ErrorNote error={create.error} />
      {done && (
        <p class="note ok" role="status">
          {t('admin.orgs.created', { name: done })}
        </p>
      )}
      <Button type="submit" pending={create.pending}>
        {t('admin.orgs.create')}
      </Button>
    </Form>
  );
}

function CreateUser({ orgs, onCreated }: { orgs: TOrg[]; onCreated: () => void }) {
  const empty = { orgId: '', name: '', role: 'provider' as TRole, login: '' };
  const [f, setF] = useState(empty);
  const [done, setDone] = useState<string | null>(null);
  const create = useAction(async () => {
    const user = await api<TUserRow>('POST', '/v1/users', {
      orgId: f.orgId,
      name: f.name.trim(),
      role: f.role,
      ...(f.login.trim() ? { login: f.login.trim() } : {}),
    });
    setDone(user.name);
    setF({ ...empty, orgId: f.orgId });
    onCreated();
  });
  return (
    <Form onSubmit={create.go}>
      <Input
        label={t('admin.users.name')}
        id="user-name"
        required
        maxLength={200}
        value={f.name}
        onValue={(name) => setF({ ...f, name })}
      />
      <Input
        label={t('admin.users.login')}
        id="user-login"
        hint={t('admin.users.loginHint')}
        autocomplete="off"
        maxLength={64}
        value={f.login}
        onValue={(login) => setF({ ...f, login })}
      />
      <Field label={t('admin.users.org')} id="user-org">
        {(id) => (
          <select
            id={id}
            required
            value={f.orgId}
            onChange={(e) => setF({ ...f, orgId: e.currentTarget.value })}
          >
            <option value="">{t('admin.escalations.chooseOrg')}</option>
            {orgs.map((o) => (
              <option key={o.id} value={o.id}>
                {pick(o.name, o.nameEn)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('admin.users.role')} id="user-role">
        {(id) => (
          <select
            id={id}
            value={f.role}
            onChange={(e) => setF({ ...f, role: e.currentTarget.value as TRole })}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <ErrorNote error={create.error} />
      {done && (
        <p class="note ok" role="status">
          {t('admin.users.created', { name: done })}
        </p>
      )}
      <Button type="submit" pending={create.pending}>
        {t('admin.users.create')}
      </Button>
    </Form>
  );
}

function Users({ users, orgs, onChanged }: { users: TUserRow[]; orgs: TOrg[]; onChanged: () => void }) {
  const [org, setOrg] = useState('');
  const [role, setRole] = useState('');
  const [linkFor, setLinkFor] = useState<TUserRow | null>(null);
  const orgName = new Map(orgs.map((o) => [o.id, pick(o.name, o.nameEn)]));
  const shown = users.filter((u) => (!org || u.orgId === org) && (!role || u.role === role));
  return (
    <section aria-labelledby="user-list-h">
      <h2 id="user-list-h" class="sr-only">
        {t('admin.users.caption', { n: shown.length })}
      </h2>
      <div class="row">
        <Field label={t('admin.users.filterOrg')} id="filter-org">
          {(id) => (
            <select id={id} value={org} onChange={(e) => setOrg(e.currentTarget.value)}>
              <option value="">{t('admin.users.any')}</option>
              {orgs.map((o) => (
                <option key={o.id} value={o.id}>
                  {pick(o.name, o.nameEn)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('admin.users.filterRole')} id="filter-role">
          {(id) => (
            <select id={id} value={role} onChange={(e) => setRole(e.currentTarget.value)}>
              <option value="">{t('admin.users.any')}</option>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`roles.${r}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <DataTable
        caption={t('admin.users.caption', { n: shown.length })}
        columns={[
          t('admin.users.name'),
          t('admin.users.login'),
          t('admin.users.org'),
          t('admin.users.role'),
          t('admin.users.createdAt'),
          t('admin.users.actions'),
        ]}
        rows={shown.map((u) => [
          u.name,
          u.login ?? <span class="muted">{t('admin.users.noLogin')}</span>,
          orgName.get(u.orgId) ?? u.orgId,
          t(`roles.${u.role}`),
          fmtDateTime(u.createdAt),
          <Button
            key={u.id}
            class="secondary"
            aria-label={t('admin.users.issueLinkFor', { name: u.name })}
            onClick={() => setLinkFor(u)}
          >
            {t('admin.users.issueLink')}
          </Button>,
        ])}
      />
      <p class="muted small">{t('admin.users.noDisable')}</p>
      {linkFor && (
        <PasswordLink key={linkFor.id} user={linkFor} onIssued={onChanged} onClose={() => setLinkFor(null)} />
      )}
    </section>
  );
}

/** Issues a one-time password link for a user and shows it once, with a copy button. */
function PasswordLink(props: { user: TUserRow; onIssued: () => void; onClose: () => void }) {
  const { user } = props;
  const [login, setLogin] = useState(user.login ?? '');
  const [link, setLink] = useState<TPasswordLink | null>(null);
  const [copied, setCopied] = useState<boolean | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [link]);
  const issue = useAction(async () => {
    const body = login.trim() && login.trim() !== user.login ? { login: login.trim() } : {};
    setLink(
      await api<TPasswordLink>('POST', `/v1/users/${encodeURIComponent(user.id)}/password-links`, body),
    );
    props.onIssued();
  });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link!.url);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <section class="link-once" aria-labelledby="link-h">
      <h3 id="link-h" tabIndex={-1} ref={heading}>
        {link ? t('admin.users.linkTitle') : t('admin.users.issueLinkFor', { name: user.name })}
      </h3>
      {link ? (
        <>
          <p>
            {t('admin.users.linkLead', {
              name: user.name,
              login: link.login,
              expires: fmtDateTime(link.expiresAt),
            })}
          </p>
          <Field label={t('admin.users.linkLabel')} id="password-link">
            {(id) => <input id={id} readOnly value={link.url} onFocus={(e) => e.currentTarget.select()} />}
          </Field>
          <p class="row">
            <Button onClick={copy}>{t('admin.users.copy')}</Button>
            <Button class="secondary" onClick={props.onClose}>
              {t('admin.users.close')}
            </Button>
          </p>
          {copied !== null && (
            <p role="status" class={copied ? 'note ok' : 'note'}>
              {copied ? t('admin.users.copied') : t('admin.users.copyFailed')}
            </p>
          )}
        </>
      ) : (
        <Form onSubmit={issue.go}>
          <Input
            label={t('admin.users.linkLogin')}
            id="link-login"
            hint={t('admin.users.loginHint')}
            autocomplete="off"
            maxLength={64}
            required={!user.login}
            value={login}
            onValue={setLogin}
          />
          <ErrorNote error={issue.error} />
          <p class="row">
            <Button type="submit" pending={issue.pending}>
              {t('admin.users.issue')}
            </Button>
            <Button class="secondary" onClick={props.onClose}>
              {t('admin.users.close')}
            </Button>
          </p>
        </Form>
      )}
    </section>
  );
}
