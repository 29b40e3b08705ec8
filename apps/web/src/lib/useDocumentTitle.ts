import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/** Names the page in the tab and for screen readers, which announce it after navigation. */
export function useDocumentTitle(page: string | null) {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = page ? t('common.documentTitle', { page }) : t('common.appName');
  }, [page, t]);
}
