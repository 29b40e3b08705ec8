import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useBrandName } from './hospital.ts';

/** Names the page in the tab and for screen readers, which announce it after navigation. */
export function useDocumentTitle(page: string | null) {
  const { t } = useTranslation();
  const app = useBrandName();
  useEffect(() => {
    document.title = page ? t('common.documentTitle', { page, app }) : app;
  }, [page, app, t]);
}
