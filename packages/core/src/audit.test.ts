import { describe, expect, it } from 'vitest';
import { AUDIT_EVENT_NAMES, auditActionKey, auditCaseNumber, SERVER_EVENTS } from './audit.ts';
import { ACTIONS } from './policy.ts';
import { catalogs, createI18n } from './i18n/index.ts';

const valueAt = (obj: object, key: string): unknown => key.split('.').reduce<any>((o, k) => o?.[k], obj);

describe('audit events named in words', () => {
  it('covers every policy action and every event the server writes outside the gate', () => {
    expect(AUDIT_EVENT_NAMES).toEqual(expect.arrayContaining([...ACTIONS, ...SERVER_EVENTS]));
    expect(new Set(AUDIT_EVENT_NAMES).size).toBe(AUDIT_EVENT_NAMES.length);
  });

  for (const [locale, catalog] of Object.entries(catalogs)) {
    it(`names every event in ${locale}`, () => {
      const missing = AUDIT_EVENT_NAMES.filter((name) => typeof valueAt(catalog, auditActionKey(name)) !== 'string');
      expect(missing).toEqual([]);
    });
  }

  it('gives each event of a group its own words', () => {
    const i18n = createI18n();
    for (const locale of Object.keys(catalogs)) {
      const t = i18n.getFixedT(locale);
      const words = AUDIT_EVENT_NAMES.map((name) => t(auditActionKey(name)));
      expect(new Set(words).size, locale).toBe(words.length);
    }
  });
});

describe('auditCaseNumber', () => {
  it('reads the case number of an event on a case, a visit, or a case being created', () => {
    expect(auditCaseNumber({ subjectType: 'visit', details: { case: 'SO-2026-0001' } })).toBe('SO-2026-0001');
    expect(auditCaseNumber({ subjectType: 'case', details: { number: 'SO-2026-0002' } })).toBe('SO-2026-0002');
    expect(auditCaseNumber({ subjectType: 'user', details: { number: 'SO-2026-0003' } })).toBeNull();
    expect(auditCaseNumber({ subjectType: null, details: null })).toBeNull();
  });
});
