import { Route, Router, useLocation } from 'preact-iso';
import { RequireRole } from '../../components/layout.tsx';
import { registerStrings, t, useLang } from '../../lib/i18n.ts';
import { AlertsPage } from './alerts-page.tsx';
import { EntryPage } from './entry-page.tsx';
import { LogPage } from './log-page.tsx';
import { strings } from './strings.ts';
import './regulator.css';

registerStrings('regulator', strings);

const SECTIONS = [
  { href: '/regulator', key: 'log' },
  { href: '/regulator/alerts', key: 'alerts' },
] as const;

/** The regulator's workspace (监管方): the audit log, verified in the browser, and its alerts. Read only. */
export function RegulatorWorkspace() {
  useLang();
  const { path } = useLocation();
  const current = (href: string) =>
    href === '/regulator' ? !path.startsWith('/regulator/alerts') : path.startsWith(href);
  return (
    <RequireRole roles={['regulator']}>
      <nav class="subnav" aria-label={t('regulator.sections')}>
        <ul>
          {SECTIONS.map((s) => (
            <li key={s.href}>
              <a href={s.href} aria-current={current(s.href) ? 'page' : undefined}>
                {t(`regulator.nav.${s.key}`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <Router>
        <Route path="/" component={LogPage} />
        <Route path="/entries/:index" component={EntryPage} />
        <Route path="/alerts" component={AlertsPage} />
        <Route default component={LogPage} />
      </Router>
    </RequireRole>
  );
}
