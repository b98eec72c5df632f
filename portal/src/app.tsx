import { ErrorBoundary, LocationProvider, lazy, Route, Router } from 'preact-iso';
import { Layout } from './components/layout.tsx';
import { Account } from './pages/account.tsx';
import { Catalogue } from './pages/catalogue.tsx';
import { DatasetPage } from './pages/dataset.tsx';
import { Demands } from './pages/demands.tsx';
import { NotFound } from './pages/not-found.tsx';
import { Register, SetPassword, SignIn } from './pages/sign-in.tsx';

// Each role's workspace is its own chunk: a researcher's first load carries none of them.
const Provider = lazy(() => import('./pages/provider/index.tsx').then((m) => m.ProviderWorkspace));
const Admin = lazy(() => import('./pages/admin/index.tsx').then((m) => m.AdminWorkspace));
const Operator = lazy(() => import('./pages/operator/index.tsx').then((m) => m.OperatorWorkspace));
const Regulator = lazy(() => import('./pages/regulator/index.tsx').then((m) => m.RegulatorWorkspace));

export function App() {
  return (
    <LocationProvider>
      <Layout>
        <ErrorBoundary>
          <Router>
            <Route path="/" component={Catalogue} />
            <Route path="/datasets/:id" component={DatasetPage} />
            <Route path="/demands" component={Demands} />
            <Route path="/signin" component={SignIn} />
            <Route path="/register" component={Register} />
            <Route path="/password" component={SetPassword} />
            <Route path="/account" component={Account} />
            <Route path="/provider/*" component={Provider} />
            <Route path="/provider" component={Provider} />
            <Route path="/admin/*" component={Admin} />
            <Route path="/admin" component={Admin} />
            <Route path="/operator/*" component={Operator} />
            <Route path="/operator" component={Operator} />
            <Route path="/regulator/*" component={Regulator} />
            <Route path="/regulator" component={Regulator} />
            <Route default component={NotFound} />
          </Router>
        </ErrorBoundary>
      </Layout>
    </LocationProvider>
  );
}
