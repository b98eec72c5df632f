import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { LANGS, setLang, t, useLang } from '../lib/i18n.ts';
import { HOME_OF, signOut, useSession } from '../lib/session.ts';

export function Layout({ children }: { children: ComponentChildren }) {
  const lang = useLang();
  const { user } = useSession();
  const { path, route } = useLocation();
  useEffect(() => {
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [path]);
  const nav = [
    { href: '/', label: t('nav.catalogue') },
    { href: '/demands', label: t('nav.demands') },
    ...(user && user.role !== 'researcher'
      ? [{ href: HOME_OF[user.role], label: t(`nav.${user.role}`) }]
      : []),
  ];
  const current = (href: string) =>
    href === '/' ? path === '/' || path.startsWith('/datasets') : path.startsWith(href);
  return (
    <>
      <a class="skip" href="#main">
        {t('nav.skip')}
      </a>
      <header class="top">
        <a href="/" class="brand">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          <span>{t('app.name')}</span>
        </a>
        <nav aria-label={t('nav.main')}>
          <ul>
            {nav.map((n) => (
              <li key={n.href}>
                <a href={n.href} aria-current={current(n.href) ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="tools">
          <button
            type="button"
            class="link"
            lang={lang === 'zh' ? 'en' : 'zh-CN'}
            onClick={() => setLang(LANGS.find((l) => l !== lang)!)}
            aria-label={t('nav.switchLanguage')}
          >
            {lang === 'zh' ? 'English' : '中文'}
          </button>
          {user ? (
            <>
              <a href="/account" aria-current={path === '/account' ? 'page' : undefined}>
                {user.name}
                <span class="muted small"> · {t(`roles.${user.role}`)}</span>
              </a>
              <button
                type="button"
                class="link"
                onClick={async () => {
                  await signOut();
                  route('/');
                }}
              >
                {t('nav.signOut')}
              </button>
            </>
          ) : (
            <a href="/signin">{t('nav.signIn')}</a>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <footer class="foot muted small">
        <p>{t('app.footer')}</p>
      </footer>
    </>
  );
}

/** A page's heading, and the document title with it. */
export function PageTitle({ children, sub }: { children: string; sub?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${children} · ${t('app.name')}`;
  }, [children]);
  return (
    <div class="page-title">
      <h1>{children}</h1>
      {sub}
    </div>
  );
}

/** Shown in place of a workspace to someone not signed in with its role. */
export function RequireRole({ roles, children }: { roles: string[]; children: ComponentChildren }) {
  const { user, loaded } = useSession();
  if (!loaded) return <p class="muted">{t('common.loading')}</p>;
  if (!user)
    return (
      <div class="note">
        <p>{t('auth.needSignIn')}</p>
        <a class="button" href={`/signin?next=${encodeURIComponent(location.pathname + location.search)}`}>
          {t('nav.signIn')}
        </a>
      </div>
    );
  if (!roles.includes(user.role))
    return (
      <div class="note">
        <p>{t('auth.wrongRole', { role: t(`roles.${user.role}`) })}</p>
      </div>
    );
  return <>{children}</>;
}
