import { describe, expect, it } from 'vitest';
import type { TFunction } from 'i18next';
import type { FieldErrors as FormErrors, ResolverOptions } from 'react-hook-form';
import { emptyValues, requestResolver, serverFieldErrors, toBody, type RequestContext, type RequestValues } from './form.ts';

// Catalog keys stand in for the texts: the test is about which message goes where.
const t = ((key: string, params?: Record<string, unknown>) => (params && Object.keys(params).length ? `${key} ${JSON.stringify(params)}` : key)) as unknown as TFunction;
// As the form checks itself: the submission id is made only when it is sent.
const ctx: RequestContext = { side: 'patient', locale: 'zh-CN', consentId: '00000000-0000-4000-8000-000000000001', consentLocale: 'zh-CN', submissionId: '', institutionId: '' };
const inTwoWeeks = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);

function filled(): RequestValues {
  const v = emptyValues('patient');
  v.requester = { type: 'family', name: 'Requester 李 Test', email: ' Li@Example.org ', phone: '+86 10 0000 0000', wechatId: '', organisation: '' };
  v.patient = { ...v.patient, nameNative: 'Patient 王 Test', nameLatin: 'WANG Test', birthDate: '1970-01-02', sex: 'male', nationality: 'CN', country: 'other', countryOther: 'de', city: 'Beijing', timeZone: 'Asia/Shanghai' };
  v.medical = { ...v.medical, diagnosis: 'Example diagnosis', department: 'oncology', questions: 'Example question?' };
  v.preferredDates[1] = { date: inTwoWeeks, note: 'afternoon' };
  v.consent = { accepted: true, acceptedBy: 'Requester 李 Test' };
  return v;
}

async function resolve(v: RequestValues, c = ctx) {
  const result = await requestResolver(t)(v, c, {} as ResolverOptions<RequestValues>);
  return result.errors as FormErrors<RequestValues>;
}

describe('the request form', () => {
  it('sends the rows with a date, the typed country upper-cased, the page language and the trimmed address', () => {
    const body = toBody(filled(), ctx);
    expect(body.preferredDates).toEqual([{ date: inTwoWeeks, note: 'afternoon' }]);
    expect(body.patient.country).toBe('DE');
    expect(body.patient.preferredLocale).toBe('zh-CN');
    expect(body.requester.email).toBe('Li@Example.org');
    expect(body.consent.versionId).toBe(ctx.consentId);
    expect('website' in body).toBe(true);
  });

  it('accepts a complete form', async () => {
    expect(await resolve(filled())).toEqual({});
  });

  it('words empty fields as the form always has, and choices as choices', async () => {
    const errors = await resolve(emptyValues('patient'));
    expect(errors.requester?.name?.message).toBe('caseRequest.required');
    expect(errors.requester?.type?.message).toBe('caseRequest.chooseOne');
    expect(errors.medical?.department?.message).toBe('caseRequest.chooseOne');
    expect(errors.consent?.accepted?.message).toBe('validation.consentRequired');
  });

  it('says what is wrong with an e-mail address', async () => {
    const v = filled();
    v.requester.email = 'li＠example.org';
    expect((await resolve(v)).requester?.email?.message).toBe('validation.email');
  });

  it('puts a past wish on the row it was typed in', async () => {
    const v = filled();
    v.preferredDates[1]!.date = '2000-01-01';
    const errors = await resolve(v);
    expect(errors.preferredDates?.[1]?.date?.message).toBe('validation.dateNotPast');
  });

  it('gives the limits of an impossible date', async () => {
    const v = filled();
    v.patient.birthDate = '1800-01-01';
    expect((await resolve(v)).patient?.birthDate?.message).toBe('validation.dateRange {"min":"1900-01-01","max":"2200-12-31"}');
  });

  it('asks staff to choose the patient language before the consent can be recorded', async () => {
    const v = filled();
    const errors = await resolve(v, { ...ctx, side: 'staff', consentId: null, consentLocale: '' });
    expect((errors.consent as Record<string, { message?: string }> | undefined)?.versionId?.message).toBe('staffRequest.consentChooseLanguage');
    expect(errors.patient?.preferredLocale?.message).toBe('caseRequest.chooseOne');
  });

  it('leaves to the server what only it can word, and maps its errors back to the form rows', async () => {
    const v = filled();
    v.medical.diagnosis = 'x'.repeat(2001);
    expect(await resolve(v)).toEqual({});
    expect(serverFieldErrors({ 'medical.diagnosis': 'Too long (server)', 'preferredDates.0.note': 'Bad (server)' }, v, ctx, t)).toEqual({
      'medical.diagnosis': 'Too long (server)',
      'preferredDates.1.note': 'Bad (server)',
    });
  });
});
