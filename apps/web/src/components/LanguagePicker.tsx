import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { LOCALES, type Locale } from '@kakehashi/core';
import { isLocale } from '../lib/i18n.ts';
import { useChangeLocale } from '../lib/session.tsx';
import { GlobeIcon } from './Icons.tsx';

/** 日本語 / 简体中文 / English, on every screen. Each name is written in its own language. */
export function LanguagePicker() {
  const { t, i18n } = useTranslation();
  const changeLocale = useChangeLocale();
  const id = useId();
  return (
    <div className="langpicker">
      <label htmlFor={id} className="langpicker__label">
        <GlobeIcon />
        <span className="visually-hidden">{t('common.language')}</span>
      </label>
      <select
        id={id}
        data-testid="language-picker"
        value={i18n.language}
        onChange={(e) => {
          const v = e.target.value;
          if (isLocale(v)) void changeLocale(v as Locale);
        }}
      >
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {t(`languages.${l}`)}
          </option>
        ))}
      </select>
    </div>
  );
}
