import { Route, Router, useLocation } from 'preact-iso';
import { RequireRole } from '../../components/layout.tsx';
import { registerStrings, t, useLang } from '../../lib/i18n.ts';
import { MyDataset, MyDatasets, NewDataset } from './datasets.tsx';
import { Decisions } from './decisions.tsx';
import { FeedbackInbox } from './feedback.tsx';
import './provider.css';
import { Reviews } from './reviews.tsx';
import { strings } from './strings.ts';
import { DemandsWork, QualityIssues } from './work.tsx';

registerStrings('provider', strings);

const SECTIONS = [
  { href: '/provider', key: 'datasets' },
  { href: '/provider/feedback', key: 'feedback' },
  { href: '/provider/demands', key: 'demands' },
  { href: '/provider/quality', key: 'quality' },
  { href: '/provider/decisions', key: 'decisions' },
  { href: '/provider/reviews', key: 'reviews' },
] as const;

/** The workspace of a department that holds data (数据提供部门). */
export function ProviderWorkspace() {
  useLang();
  const { path } = useLocation();
  const isCurrent = (href: string) =>
    href === '/provider'
      ? path === '/provider' ||
        path === '/provider/' ||
        path.startsWith('/provider/datasets') ||
        path === '/provider/new'
      : path.startsWith(href);
  return (
    <RequireRole roles={['provider']}>
      <nav aria-label={t('provider.nav.label')} class="subnav">
        <ul>
          {SECTIONS.map((s) => (
            <li key={s.key}>
              <a href={s.href} aria-current={isCurrent(s.href) ? 'page' : undefined}>
                {t(`provider.nav.${s.key}`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <Router>
        <Route path="/" component={MyDatasets} />
        <Route path="/new" component={NewDataset} />
        <Route path="/datasets/:id" component={MyDataset} />
        <Route path="/feedback" component={FeedbackInbox} />
        <Route path="/demands" component={DemandsWork} />
        <Route path="/quality" component={QualityIssues} />
        <Route path="/decisions" component={Decisions} />
        <Route path="/reviews" component={Reviews} />
        <Route default component={MyDatasets} />
      </Router>
    </RequireRole>
  );
}
