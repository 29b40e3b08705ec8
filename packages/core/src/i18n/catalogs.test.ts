import { describe, expect, it } from 'vitest';
import { catalogs, createI18n, en, flattenKeys } from './index.ts';

function valueAt(obj: object, key: string): string {
  return key.split('.').reduce<any>((o, k) => o?.[k], obj);
}
const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('i18n catalogs', () => {
  const reference = flattenKeys(en).sort();

  for (const [locale, catalog] of Object.entries(catalogs)) {
    it(`${locale} has exactly the keys of the English catalog`, () => {
      expect(flattenKeys(catalog).sort()).toEqual(reference);
    });

    it(`${locale} has no empty strings and keeps every placeholder`, () => {
      for (const key of reference) {
        const value = valueAt(catalog, key);
        expect(value, key).toBeTypeOf('string');
        expect(value.trim().length, key).toBeGreaterThan(0);
        expect(placeholders(value), key).toEqual(placeholders(valueAt(en, key)));
      }
    });
  }

  it('translates with interpolation in each language', () => {
    const i18n = createI18n();
    expect(i18n.getFixedT('en')('errors.rate_limited', { minutes: 15 })).toContain('15 minutes');
    expect(i18n.getFixedT('ja')('errors.rate_limited', { minutes: 15 })).toContain('15 分');
    expect(i18n.getFixedT('zh-CN')('errors.rate_limited', { minutes: 15 })).toContain('15 分钟');
  });
});
