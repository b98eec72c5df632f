import { PageTitle, RequireRole } from '../../components/layout.tsx';
import { t, useLang } from '../../lib/i18n.ts';

export function RegulatorWorkspace() {
  useLang();
  return (
    <RequireRole roles={['regulator']}>
      <PageTitle>{t('nav.regulator')}</PageTitle>
    </RequireRole>
  );
}
