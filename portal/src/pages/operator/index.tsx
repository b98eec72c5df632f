import { PageTitle, RequireRole } from '../../components/layout.tsx';
import { t, useLang } from '../../lib/i18n.ts';

export function OperatorWorkspace() {
  useLang();
  return (
    <RequireRole roles={['operator']}>
      <PageTitle>{t('nav.operator')}</PageTitle>
    </RequireRole>
  );
}
