import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { PageTitle } from '../components/layout.tsx';
import { Button, ErrorNote, Form, Input, useAction } from '../components/ui.tsx';
import { api } from '../lib/api.ts';
import { t, useLang } from '../lib/i18n.ts';
import { HOME_OF, register, signIn } from '../lib/session.ts';

/** Where to go after signing in: the asked-for page on this site, else the role's home. */
const nextOf = (next: string | undefined, fallback: string) =>
  next?.startsWith('/') && !next.startsWith('//') ? next : fallback;

function Mismatch() {
  return (
    <p class="note error" role="alert">
      {t('auth.mismatch')}
    </p>
  );
}

export function SignIn() {
  useLang();
  const { query, route } = useLocation();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const submit = useAction(async () => {
    const user = await signIn(login.trim().toLowerCase(), password);
    route(nextOf(query.next, HOME_OF[user.role]));
  });
  return (
    <div class="narrow">
      <PageTitle>{t('auth.signInTitle')}</PageTitle>
      <Form onSubmit={submit.go}>
        <Input
          label={t('auth.login')}
          id="login"
          required
          autocomplete="username"
          value={login}
          onValue={setLogin}
        />
        <Input
          label={t('auth.password')}
          id="password"
          type="password"
          required
          autocomplete="current-password"
          value={password}
          onValue={setPassword}
        />
        <ErrorNote error={submit.error} />
        <Button type="submit" pending={submit.pending}>
          {t('auth.signIn')}
        </Button>
      </Form>
      <p class="muted">
        {t('auth.noAccount')} <a href="/register">{t('auth.registerLink')}</a>
      </p>
      <p class="muted small">{t('auth.forgot')}</p>
    </div>
  );
}

export function Register() {
  useLang();
  const { route } = useLocation();
  const [f, setF] = useState({ login: '', name: '', institution: '', email: '', password: '', confirm: '' });
  const [mismatch, setMismatch] = useState(false);
  const submit = useAction(async () => {
    await register({
      login: f.login.trim().toLowerCase(),
      name: f.name.trim(),
      institution: f.institution.trim(),
      password: f.password,
      ...(f.email.trim() ? { email: f.email.trim() } : {}),
    });
    route('/account?welcome=1');
  });
  const input = (key: keyof typeof f, label: string, type: string, autocomplete: string, hint?: string) => (
    <Input
      label={label}
      id={`reg-${key}`}
      type={type}
      required={key !== 'email'}
      autocomplete={autocomplete}
      value={f[key]}
      onValue={(v) => setF({ ...f, [key]: v })}
      {...(hint ? { hint } : {})}
    />
  );
  return (
    <div class="narrow">
      <PageTitle sub={<p class="muted">{t('auth.registerLead')}</p>}>{t('auth.registerTitle')}</PageTitle>
      <Form
        onSubmit={() => {
          setMismatch(f.password !== f.confirm);
          if (f.password === f.confirm) return submit.go();
        }}
      >
        {input('login', t('auth.login'), 'text', 'username', t('auth.loginHint'))}
        {input('name', t('auth.name'), 'text', 'name')}
        {input('institution', t('auth.institution'), 'text', 'organization')}
        {input('email', t('auth.email'), 'email', 'email')}
        {input('password', t('auth.password'), 'password', 'new-password', t('auth.passwordHint'))}
        {input('confirm', t('auth.confirm'), 'password', 'new-password')}
        {mismatch && <Mismatch />}
        <ErrorNote error={submit.error} />
        <Button type="submit" pending={submit.pending}>
          {t('auth.register')}
        </Button>
      </Form>
    </div>
  );
}

/** The page a one-time password link opens: the token is in the address, never stored. */
export function SetPassword() {
  useLang();
  const { query } = useLocation();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const [mismatch, setMismatch] = useState(false);
  const submit = useAction(async () => {
    await api('POST', '/v1/password', { token: query.token ?? '', password });
    setDone(true);
  });
  return (
    <div class="narrow">
      <PageTitle>{t('auth.setPasswordTitle')}</PageTitle>
      {done ? (
        <div class="note ok" role="status">
          <p>{t('auth.passwordSet')}</p>
          <a class="button" href="/signin">
            {t('auth.signIn')}
          </a>
        </div>
      ) : (
        <Form
          onSubmit={() => {
            setMismatch(password !== confirm);
            if (password === confirm) return submit.go();
          }}
        >
          <Input
            label={t('auth.newPassword')}
            hint={t('auth.passwordHint')}
            id="new-password"
            type="password"
            required
            autocomplete="new-password"
            value={password}
            onValue={setPassword}
          />
          <Input
            label={t('auth.confirm')}
            id="confirm-password"
            type="password"
            required
            autocomplete="new-password"
            value={confirm}
            onValue={setConfirm}
          />
          {mismatch && <Mismatch />}
          <ErrorNote error={submit.error} />
          <Button type="submit" pending={submit.pending}>
            {t('auth.setPassword')}
          </Button>
        </Form>
      )}
    </div>
  );
}
