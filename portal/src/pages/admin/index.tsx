import { Route, Router, useLocation } from 'preact-iso';
import { RequireRole } from '../../components/layout.tsx';
import { registerStrings, t, useLang } from '../../lib/i18n.ts';
import { Accounts } from './accounts.tsx';
import { Escalations } from './escalations.tsx';
import { ReviewEntry, ReviewQueue } from './review.tsx';
import { Statistics } from './statistics.tsx';
import { strings } from './strings.ts';
import './admin.css';

registerStrings('admin', strings);

const SECTIONS = [
  { href: '/admin', key: 'review' },
  { href: '/admin/accounts', key: 'accounts' },
  { href: '/admin/escalations', key: 'escalations' },
  { href: '/admin/statistics', key: 'statistics' },
] as const;

/** The data authority's workspace (数据主管部门): review, accounts, escalations, statistics. */
export function AdminWorkspace() {
  useLang();
  const { path } = useLocation();
  const current = (href: string) =>
    href === '/admin' ? path === '/admin' || path.startsWith('/admin/review') : path.startsWith(href);
  return (
    <RequireRole roles={['admin']}>
      <nav class="subnav" aria-label={t('admin.sections')}>
        <ul>
          {SECTIONS.map((s) => (
            <li key={s.href}>
              <a href={s.href} aria-current={current(s.href) ? 'page' : undefined}>
                {t(`admin.nav.${s.key}`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <Router>
        <Route path="/" component={ReviewQueue} />
        <Route path="/review/:id" component={ReviewEntry} />
        <Route path="/accounts" component={Accounts} />
        <Route path="/escalations" component={Escalations} />
        <Route path="/statistics" component={Statistics} />
        <Route default component={ReviewQueue} />
      </Router>
    </RequireRole>
  );
}
