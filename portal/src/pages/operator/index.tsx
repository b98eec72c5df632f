import { lazy, Route, Router } from 'preact-iso';
import { PageTitle, RequireRole } from '../../components/layout.tsx';
import { t, useLang } from '../../lib/i18n.ts';

// The joint-computation page is its own chunk (it loads SEAL's WebAssembly when a run starts).
const Mpc = lazy(() => import('./mpc/index.tsx').then((m) => m.MpcPage));

function Home() {
  useLang();
  return (
    <RequireRole roles={['operator']}>
      <PageTitle>{t('nav.operator')}</PageTitle>
      <p>
        <a href="/operator/mpc">{t('mpc.title', { defaultValue: '联合计算' })}</a>
      </p>
    </RequireRole>
  );
}

export function OperatorWorkspace() {
  return (
    <Router>
      <Route path="/mpc" component={Mpc} />
      <Route default component={Home} />
    </Router>
  );
}
