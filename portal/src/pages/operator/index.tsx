import { Route, Router, useLocation } from 'preact-iso';
import { RequireRole } from '../../components/layout.tsx';
import { registerStrings, t, useLang } from '../../lib/i18n.ts';
import { Applications } from './applications.tsx';
import { ContractPage, Contracts } from './contracts.tsx';
import { Keys } from './keys.tsx';
import { Scripts } from './scripts.tsx';
import './operator.css';
import { errorStrings, strings } from './strings.ts';

registerStrings('operator', strings);
// Codes only this workspace meets (contract checks, the sandbox), added to the shared error texts.
registerStrings('errors', errorStrings);

const SECTIONS = [
  { href: '/operator', label: 'nav.contracts' },
  { href: '/operator/applications', label: 'nav.applications' },
  { href: '/operator/keys', label: 'nav.keys' },
  { href: '/operator/scripts', label: 'nav.scripts' },
  { href: '/operator/mpc', label: 'nav.mpc' },
] as const;

/** The licensed operator's workspace (授权运营方): licences, contracts, keys, sandbox scripts. */
export function OperatorWorkspace() {
  useLang();
  const { path } = useLocation();
  const isCurrent = (href: string) =>
    href === '/operator'
      ? path === '/operator' || path.startsWith('/operator/contracts')
      : path.startsWith(href);
  return (
    <RequireRole roles={['operator']}>
      <nav class="subnav" aria-label={t('operator.nav.label')}>
        <ul>
          {SECTIONS.map((s) => (
            <li key={s.href}>
              <a href={s.href} aria-current={isCurrent(s.href) ? 'page' : undefined}>
                {t(`operator.${s.label}`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <Router>
        <Route path="/" component={Contracts} />
        <Route path="/contracts/:id" component={ContractPage} />
        <Route path="/applications" component={Applications} />
        <Route path="/keys" component={Keys} />
        <Route path="/scripts" component={Scripts} />
        <Route default component={Contracts} />
      </Router>
    </RequireRole>
  );
}
