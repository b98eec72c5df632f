import { PageTitle, RequireRole } from '../../components/layout.tsx';
import { t, useLang } from '../../lib/i18n.ts';

export function ProviderWorkspace() {
  useLang();
  return (
    <RequireRole roles={['provider']}>
      <PageTitle>{t('nav.provider')}</PageTitle>
    </RequireRole>
  );
}
