import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

/** A country's name in the reader's language with its code ("China (CN)"), or the code when the browser does not know it. */
export function useRegionName(): (code: string) => string {
  const { i18n } = useTranslation();
  const names = useMemo(() => {
    try {
      return new Intl.DisplayNames([i18n.language], { type: 'region' });
    } catch {
      return null;
    }
  }, [i18n.language]);
  return (code: string) => {
    let name: string | undefined;
    try {
      name = names?.of(code);
    } catch {
      name = undefined;
    }
    return name && name !== code ? `${name} (${code})` : code;
  };
}
