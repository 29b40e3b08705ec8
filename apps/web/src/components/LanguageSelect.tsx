import type { SelectHTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import { LOCALES, type Locale } from '@kakehashi/core';

/** A choice of one of the languages (each named in its own), inside a Field: `<LanguageSelect {...p} … />`. */
export function LanguageSelect({
  value,
  onChange,
  languages = LOCALES,
  className = 'input',
  ...rest
}: Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange'> & { value: Locale; onChange: (l: Locale) => void; languages?: readonly Locale[] }) {
  const { t } = useTranslation();
  return (
    <select {...rest} className={className} value={value} onChange={(e) => onChange(e.target.value as Locale)}>
      {languages.map((l) => (
        <option key={l} value={l}>
          {t(`languages.${l}`)}
        </option>
      ))}
    </select>
  );
}
