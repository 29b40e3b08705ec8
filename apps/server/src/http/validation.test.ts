import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { adminClient, buildCaseRequest, Client, useTestApp } from '../../test/helpers.ts';

const t = useTestApp();
let admin: Client;
let consentId = '';
let address = 0;
const submit = (body: object, locale = 'en') =>
  t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: body, headers: { 'accept-language': locale }, remoteAddress: `10.3.0.${++address}` });
const countCases = async () => Number(((await t.db.execute(sql`select count(*)::int as n from cases`)) as unknown as { rows: { n: number }[] }).rows[0].n);
const UNSTORABLE_EN = 'This field contains a character that cannot be saved (an invisible control character or half of an emoji, often from copying and pasting). Type the text again or paste it as plain text.';

beforeAll(async () => {
  admin = await adminClient(t, { 'accept-language': 'en' });
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
});

describe('text PostgreSQL cannot store', () => {
  it('is refused with a 400 naming the field when the public form carries a NUL', async () => {
    const before = await countCases();
    const base = buildCaseRequest({}, consentId);
    const res = await submit({ ...base, medical: { ...base.medical, diagnosis: 'Lung cancer\u0000 (test)' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', details: [{ path: 'medical.diagnosis', message: UNSTORABLE_EN }] });
    expect(await countCases()).toBe(before);
  });

  it('is refused when a lone surrogate (half an emoji) would go into jsonb, in the caller’s language', async () => {
    const base = buildCaseRequest({}, consentId);
    const res = await submit({ ...base, patient: { ...base.patient, nameNative: '王 \ud83d测试' } }, 'zh-CN');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ path: 'patient.nameNative', message: expect.stringContaining('无法保存的字符') }]);
    // A whole emoji (a surrogate pair) is text like any other.
    expect((await submit({ ...base, patient: { ...base.patient, nameNative: '王 😀 测试' } })).statusCode).toBe(201);
  });

  it('is refused in query strings and record keys', async () => {
    const search = await admin.get('/api/v1/audit?actor=a%00b');
    expect(search.status).toBe(400);
    expect(search.body.error.details).toEqual([{ path: 'actor', message: UNSTORABLE_EN }]);
    const created = (await submit(buildCaseRequest({}, consentId))).json();
    const screening = await admin.post(`/api/v1/cases/${created.id}/screening`, { eligibility: 'eligible', rules: { 'rule\u0000': true } });
    expect(screening.status).toBe(400);
    // A key is not a field of its own: the object holding it is at fault.
    expect(screening.body.error.details).toEqual([{ path: 'rules', message: UNSTORABLE_EN }]);
  });
});

describe('dates outside 1900–2200', () => {
  const DATE_RANGE_EN = 'Enter a date between 1900-01-01 and 2200-12-31.';

  it('are refused in the audit search, where year 0000 and the day after 9999-12-31 broke the query', async () => {
    for (const query of ['from=0000-01-01', 'to=9999-12-31', 'from=1899-12-31']) {
      const res = await admin.get(`/api/v1/audit?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.details, query).toEqual([{ path: query.split('=')[0], message: DATE_RANGE_EN }]);
    }
    expect((await admin.get('/api/v1/audit?from=1900-01-01&to=2200-12-31')).status).toBe(200);
  });

  it('are refused wherever a date or a time is accepted', async () => {
    const base = buildCaseRequest({}, consentId);
    const birth = await submit({ ...base, patient: { ...base.patient, birthDate: '0000-01-01' } });
    expect(birth.json().error.details).toEqual([{ path: 'patient.birthDate', message: DATE_RANGE_EN }]);
    const preferred = await submit({ ...base, preferredDates: [{ date: '9999-12-31', note: '' }] });
    expect(preferred.json().error.details).toEqual([{ path: 'preferredDates.0.date', message: DATE_RANGE_EN }]);

    const me = (await admin.get('/api/v1/me')).body.id;
    const dayOff = await admin.post(`/api/v1/availability/${me}/exceptions`, { date: '0000-01-01', available: false });
    expect(dayOff.body.error.details).toEqual([{ path: 'date', message: DATE_RANGE_EN }]);
    const institution = await admin.post('/api/v1/institutions', { name: 'Example Partner Hospital', country: 'CN', mouSignedOn: '9999-12-31' });
    expect(institution.body.error.details).toEqual([{ path: 'mouSignedOn', message: DATE_RANGE_EN }]);
    const offer = await admin.post(`/api/v1/cases/${crypto.randomUUID()}/offers`, { slots: [{ startsAt: '9999-12-31T10:00:00Z', minutes: 60 }] });
    expect(offer.body.error.details).toEqual([{ path: 'slots.0.startsAt', message: DATE_RANGE_EN }]);
    for (const res of [birth, preferred]) expect(res.statusCode).toBe(400);
    for (const res of [dayOff, institution, offer]) expect(res.status).toBe(400);
  });

  it('keep the birth date in the past', async () => {
    const base = buildCaseRequest({}, consentId);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const res = await submit({ ...base, patient: { ...base.patient, birthDate: tomorrow } });
    expect(res.json().error.details).toEqual([{ path: 'patient.birthDate', message: 'The birth date must be in the past.' }]);
  });
});
