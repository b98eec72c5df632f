import { PageTitle, RequireRole } from '../../components/layout.tsx';
import { t, useLang } from '../../lib/i18n.ts';

export function AdminWorkspace() {
  useLang();
  return (
    <RequireRole roles={['admin']}>
      <PageTitle>{t('nav.admin')}</PageTitle>
    </RequireRole>
  );
}
