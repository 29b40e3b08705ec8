import { describe, expect, it } from 'vitest';
import { catalogs, createI18n, en, flattenKeys } from './index.ts';

function valueAt(obj: object, key: string): string {
  return key.split('.').reduce<any>((o, k) => o?.[k], obj);
}
/** A text's placeholders, by name (a formatted one, `{{n, number(…)}}`, counts as `n`). */
const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)(?:,[^}]*)?\}\}/g)].map((m) => m[1]).sort();

const PLURAL = /_(zero|one|two|few|many|other)$/;
/** A key without its plural suffix: `home.work.waiting_one` → `home.work.waiting`. */
const base = (key: string) => key.replace(PLURAL, '');

describe('i18n catalogs', () => {
  const reference = [...new Set(flattenKeys(en).map(base))].sort();

  for (const [locale, catalog] of Object.entries(catalogs)) {
    it(`${locale} has exactly the keys of the English catalog (plural forms aside)`, () => {
      expect([...new Set(flattenKeys(catalog).map(base))].sort()).toEqual(reference);
    });

    it(`${locale} has no empty strings and keeps every placeholder`, () => {
      for (const key of flattenKeys(catalog)) {
        const value = valueAt(catalog, key);
        expect(value, key).toBeTypeOf('string');
        expect(value.trim().length, key).toBeGreaterThan(0);
        const english = valueAt(en, key) ?? valueAt(en, `${base(key)}_other`);
        expect(placeholders(value), key).toEqual(placeholders(english));
      }
    });

    it(`${locale} has exactly the plural forms its language's rules need`, () => {
      const needed = new Intl.PluralRules(locale).resolvedOptions().pluralCategories.slice().sort();
      const forms = new Map<string, string[]>();
      for (const key of flattenKeys(catalog).filter((k) => PLURAL.test(k))) {
        forms.set(base(key), [...(forms.get(base(key)) ?? []), key.match(PLURAL)![1]]);
      }
      const pluralised = new Set(flattenKeys(en).filter((k) => PLURAL.test(k)).map(base));
      expect([...forms.keys()].sort(), 'pluralised keys').toEqual([...pluralised].sort());
      for (const [key, have] of forms) expect(have.sort(), key).toEqual(needed);
    });
  }

  it('translates with interpolation in each language', () => {
    const i18n = createI18n();
    // Chinese says 第一希望日期, with the number in Chinese numerals.
    expect(i18n.getFixedT('zh-CN')('caseRequest.dateN', { n: 1 })).toBe('第一希望日期');
    expect(i18n.getFixedT('en')('errors.rate_limited', { count: 15 })).toContain('15 minutes');
    expect(i18n.getFixedT('ja')('errors.rate_limited', { count: 15 })).toContain('15 分');
    expect(i18n.getFixedT('zh-CN')('errors.rate_limited', { count: 15 })).toContain('15 分钟');
  });

  it('never renders "1 minutes" in English: every counted text is pluralised and agrees with 1 and 2', () => {
    const t = createI18n().getFixedT('en');
    // i18next chooses a plural form only for `count`: a text counting with it must have its forms.
    expect(flattenKeys(en).filter((k) => !PLURAL.test(k) && valueAt(en, k).includes('{{count}}'))).toEqual([]);
    const counted = new Set(flattenKeys(en).filter((k) => PLURAL.test(k)).map(base));
    for (const key of counted) {
      const vars = { name: 'X', time: 'T', event: 'E', at: 'A', seals: 'S' };
      const one = t(key as never, { ...vars, count: 1 }) as string;
      expect(one, key).toMatch(/\b1\b/);
      expect(one, key).not.toMatch(/\b1 (minutes|hours|days|items|weeks|events|cases|requests|messages|visits)\b/);
      expect(t(key as never, { ...vars, count: 2 }) as string, key).toMatch(/\b2\b/);
    }
  });
});
