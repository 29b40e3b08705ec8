import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

/** Intl's names of regions or languages in the reader's language; null where the browser has none. */
export function useDisplayNames(type: 'region' | 'language'): Intl.DisplayNames | null {
  const { i18n } = useTranslation();
  return useMemo(() => {
    try {
      return new Intl.DisplayNames([i18n.language], { type });
    } catch {
      return null;
    }
  }, [i18n.language, type]);
}

/** A country's name in the reader's language with its code ("China (CN)"), or the code when the browser does not know it. */
export function useRegionName(): (code: string) => string {
  const names = useDisplayNames('region');
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
