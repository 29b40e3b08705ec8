import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Locale } from '@kakehashi/core';
import { useDisplayNames } from '../lib/regions.ts';

/** The written language behind a locale: Chinese here is Simplified, whatever the region. */
const LANGUAGE_TAG: Record<Locale, string> = { ja: 'ja', 'zh-CN': 'zh-Hans', en: 'en' };

function useLanguageName() {
  const names = useDisplayNames('language');
  return (locale: Locale) => names?.of(LANGUAGE_TAG[locale]) ?? locale;
}

/**
 * Text someone wrote, in the language they wrote it in: the element carries `lang` (so screen
 * readers pronounce it and the right glyphs are used), and a mark says so when it is not the
 * reader's language ("原文为日语").
 */
export function WrittenIn({ locale, children, className, as: Tag = 'p' }: { locale: Locale | null; children: ReactNode; className?: string; as?: 'p' | 'span' | 'div' }) {
  const { t, i18n } = useTranslation();
  const name = useLanguageName();
  const other = locale !== null && locale !== i18n.language;
  return (
    <>
      {other && (
        <span className="lang-mark" data-testid="lang-mark">
          {t('languageMarks.originalIn', { language: name(locale) })}
        </span>
      )}
      <Tag className={className} lang={locale ?? undefined}>
        {children}
      </Tag>
    </>
  );
}

/** Beside a box whose text goes to the patient side: the language the patient reads. */
export function PatientLanguage({ locale }: { locale: Locale }) {
  const { t } = useTranslation();
  return (
    <span className="lang-mark lang-mark--patient" data-testid="patient-language">
      {t('languageMarks.patientLanguage', { language: t(`languages.${locale}`) })}
    </span>
  );
}
