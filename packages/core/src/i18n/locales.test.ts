import { describe, expect, it } from 'vitest';
import { localeFromAcceptLanguage } from './locales.ts';

describe('localeFromAcceptLanguage', () => {
  it('prefers the highest-ranked supported language', () => {
    expect(localeFromAcceptLanguage('fr-FR,zh-CN;q=0.9,en;q=0.8')).toBe('zh-CN');
    expect(localeFromAcceptLanguage('en;q=0.5,ja')).toBe('ja');
    expect(localeFromAcceptLanguage('zh-Hans-CN')).toBe('zh-CN');
  });
  it('returns null when nothing matches', () => {
    expect(localeFromAcceptLanguage('fr, de;q=0.5')).toBeNull();
    expect(localeFromAcceptLanguage(undefined)).toBeNull();
  });
});
