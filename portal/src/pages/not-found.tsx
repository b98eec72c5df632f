import { PageTitle } from '../components/layout.tsx';
import { t, useLang } from '../lib/i18n.ts';

export function NotFound() {
  useLang();
  return (
    <div class="narrow">
      <PageTitle>{t('notFound.title')}</PageTitle>
      <p>{t('notFound.body')}</p>
      <a href="/">{t('nav.catalogue')}</a>
    </div>
  );
}
