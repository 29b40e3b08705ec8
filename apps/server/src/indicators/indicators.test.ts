import { parse as parseCsv } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminClient, buildCaseRequest, Client, signedInUser, useTestApp } from '../../test/helpers.ts';
import { rowsOf } from '../db/client.ts';

const t = useTestApp({ KAKEHASHI_TIME_ZONE: 'Asia/Tokyo' });
let admin: Client;
let coordinator: Client;
let analyst: Client;
let nurse: Client;
let partner: Client;
let partnerInstitution = '';
let otherInstitution = '';
let consentId = '';

/** A case (through the partner institution or not) whose report was delivered at `deliveredAt`. */
async function deliveredCase(deliveredAt: string, institutionId: string | null = null) {
  const res = await coordinator.post('/api/v1/cases', { ...buildCaseRequest({}, consentId), ...(institutionId ? { institutionId } : {}) });
  expect(res.status).toBe(201);
  await t.db.execute(sql`insert into reports (case_id, original_language, delivered_at) values (${res.body.id}, 'ja', ${deliveredAt})`);
  await t.app.services.facts.refresh(t.db, res.body.id);
}
const rowOf = (body: { rows: { code: string }[] }, code: string) => body.rows.find((r) => r.code === code) as Record<string, unknown>;
const stored = async (table: 'indicator_plans' | 'indicator_actuals') => rowsOf<Record<string, unknown>>(await t.db.execute(sql`select * from ${sql.identifier(table)}`));
const events = async (action: string) =>
  rowsOf<{ outcome: string; details: Record<string, unknown> }>(await t.db.execute(sql`select outcome, details from audit_events where action = ${action} order by id`));

beforeAll(async () => {
  admin = await adminClient(t, { 'accept-language': 'en' });
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  partnerInstitution = (await admin.post('/api/v1/institutions', { name: 'Partner Hospital A (Test)', country: 'CN', kind: 'partner', mouStatus: 'signed', mouSignedOn: '2026-05-01' })).body.id;
  otherInstitution = (await admin.post('/api/v1/institutions', { name: 'Partner Hospital B (Test)', country: 'CN', kind: 'partner', mouStatus: 'negotiating' })).body.id;
  const expired = (await admin.post('/api/v1/institutions', { name: 'Partner Hospital C (Test)', country: 'CN', kind: 'partner', mouStatus: 'signed', mouSignedOn: '2024-06-01' })).body.id;
  // Disabled now: it still counted in the years it was active, not in a year that starts after it left.
  await t.db.execute(sql`update institutions set disabled_at = '2026-01-15T00:00:00Z' where id = ${expired}`);
  coordinator = (await signedInUser(t, { role: 'coordinator' })).client;
  analyst = (await signedInUser(t, { role: 'analyst' })).client;
  nurse = (await signedInUser(t, { role: 'nurse' })).client;
  partner = (await signedInUser(t, { role: 'partner', institutionId: partnerInstitution })).client;
});

describe('counting from the data', () => {
  it('puts a report delivered on 31 March 23:30 and one on 1 April 00:10 (Tokyo) in different fiscal years', async () => {
    await deliveredCase('2026-03-31T23:30:00+09:00');
    await deliveredCase('2026-04-01T00:10:00+09:00', partnerInstitution);
    // Both are 31 March in UTC: only the hospital's zone tells them apart.
    const fy2025 = await analyst.get('/api/v1/indicators?year=2025');
    const fy2026 = await analyst.get('/api/v1/indicators?year=2026');
    expect(fy2025.status).toBe(200);
    expect(fy2025.body).toMatchObject({ year: 2025, from: '2025-04-01', to: '2026-04-01', timeZone: 'Asia/Tokyo', scope: 'programme' });
    expect(rowOf(fy2025.body, 'remote_second_opinions')).toMatchObject({ source: 'counted', actual: 1 });
    expect(rowOf(fy2026.body, 'remote_second_opinions')).toMatchObject({ source: 'counted', actual: 1 });
    expect((await analyst.get('/api/v1/indicators?year=2027')).body.rows.find((r: { code: string }) => r.code === 'remote_second_opinions').actual).toBe(0);
  });

  it('counts imported consultations by the day their report was given, as live ones', async () => {
    const file = ['case_number,requested_on,department,reported_on', 'IND-1,2018-03-01,hematology,2018-03-31', 'IND-2,2018-03-20,hematology,2018-04-01', 'IND-3,2018-05-01,hematology,'].join('\n');
    expect((await coordinator.post('/api/v1/imports/consultations', file, { 'content-type': 'text/csv' })).body).toEqual({ imported: 3, rejected: [] });
    const opinions = async (year: number) => rowOf((await analyst.get(`/api/v1/indicators?year=${year}`)).body, 'remote_second_opinions').actual;
    expect(await opinions(2017)).toBe(1);
    expect(await opinions(2018)).toBe(1);
  });

  it('counts partner institutions with a signed MOU during the year, not those negotiating or gone before it', async () => {
    const count = async (year: number) => rowOf((await coordinator.get(`/api/v1/indicators?year=${year}`)).body, 'partner_institutions').actual;
    expect(await count(2023)).toBe(0);
    expect(await count(2024)).toBe(1); // C, signed June 2024
    expect(await count(2025)).toBe(1); // C until January 2026; A signed May 2026
    expect(await count(2026)).toBe(1); // A; C was disabled before April 2026
  });

  it('answers the current fiscal year without a year', async () => {
    const res = await coordinator.get('/api/v1/indicators');
    expect(res.status).toBe(200);
    expect(res.body.year).toBe(t.app.services.indicators.currentYear());
  });
});

describe('plans and hand-counted actuals', () => {
  it('lets an administrator enter a plan and a manual actual, shown to analysts with the rate and marked as entered by hand', async () => {
    const plan = await admin.put('/api/v1/indicators/2026/trainees/plan', { planned: 30 });
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({ code: 'trainees', level: 'output', source: 'manual', planned: 30, actual: null, rate: null });
    const actual = await admin.put('/api/v1/indicators/2026/trainees/actual', { actual: 5520, note: 'Online seminars, attendances' });
    expect(actual.status).toBe(200);
    expect(actual.body).toMatchObject({ planned: 30, actual: 5520, rate: 184, note: 'Online seminars, attendances' });
    expect(actual.body.enteredBy.name).toMatch(/Test$/);
    await admin.put('/api/v1/indicators/2026/remote_second_opinions/plan', { planned: 3 });

    const seen = (await analyst.get('/api/v1/indicators?year=2026')).body;
    expect(rowOf(seen, 'trainees')).toMatchObject({ source: 'manual', planned: 30, actual: 5520, rate: 184 });
    expect(rowOf(seen, 'remote_second_opinions')).toMatchObject({ planned: 3, actual: 1, rate: 1 / 3 });
    expect(rowOf(seen, 'case_conferences')).toMatchObject({ planned: null, actual: null, enteredBy: null });
    // Another year has its own plans.
    expect(rowOf((await analyst.get('/api/v1/indicators?year=2025')).body, 'trainees')).toMatchObject({ planned: null, actual: null });

    const edits = await events('indicators.edit');
    expect(edits.at(-1)).toMatchObject({ outcome: 'allowed', details: { year: 2026, indicator: 'remote_second_opinions', change: 'plan', value: 3 } });
    expect((await events('indicators.read')).at(-1)).toMatchObject({ outcome: 'allowed', details: { year: 2025, scope: 'programme' } });
  });

  it('removes a plan or an actual given null', async () => {
    await admin.put('/api/v1/indicators/2027/case_conferences/plan', { planned: 3 });
    await admin.put('/api/v1/indicators/2027/case_conferences/actual', { actual: 2, note: '' });
    expect((await admin.put('/api/v1/indicators/2027/case_conferences/plan', { planned: null })).body).toMatchObject({ planned: null, actual: 2 });
    expect((await admin.put('/api/v1/indicators/2027/case_conferences/actual', { actual: null })).body).toMatchObject({ planned: null, actual: null, enteredBy: null });
    expect((await stored('indicator_plans')).filter((r) => r.fiscal_year === 2027)).toEqual([]);
  });
});

describe('exports', () => {
  it('writes the year as CSV (with a BOM) and XLSX, headers and labels in the chosen language', async () => {
    const res = await analyst.get('/api/v1/indicators?year=2026&locale=ja', { accept: 'text/csv' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toContain('kakehashi-indicators-FY2026.csv');
    expect(res.raw.body.startsWith('\uFEFF')).toBe(true);
    const lines = parseCsv(res.raw.body, { bom: true }) as string[][];
    expect(lines[0]).toEqual(['年度', '区分', '指標', '計画', '実績', '達成率（%）', '集計方法', '備考']);
    expect(lines.find((l) => l[2].startsWith('研修'))).toEqual(['2026年度', 'アウトプット指標', expect.any(String), '30', '5520', '18400', '手入力', 'Online seminars, attendances']);
    expect(lines.find((l) => l[2] === '遠隔セカンドオピニオン実施件数')?.slice(3, 6)).toEqual(['3', '1', '33.3']);

    const xlsx = await analyst.get('/api/v1/indicators?year=2026&format=xlsx&locale=zh-CN');
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.raw.rawPayload as never);
    const sheet = book.worksheets[0];
    expect(sheet.getRow(1).getCell(3).value).toBe('指标');
    expect(sheet.getRow(2).getCell(4).value).toBe(30);
    expect((await events('indicators.read')).at(-1)).toMatchObject({ details: { year: 2026, format: 'xlsx' } });
  });
});

describe('who may do what', () => {
  it('refuses staff outside the statistics, and lets only administrators edit', async () => {
    expect((await nurse.get('/api/v1/indicators?year=2026')).status).toBe(403);
    const before = { plans: await stored('indicator_plans'), actuals: await stored('indicator_actuals') };
    for (const c of [coordinator, analyst, partner]) {
      expect((await c.put('/api/v1/indicators/2026/trainees/plan', { planned: 1 })).status).toBe(403);
      expect((await c.put('/api/v1/indicators/2026/trainees/actual', { actual: 1, note: '' })).status).toBe(403);
    }
    expect(await stored('indicator_plans')).toEqual(before.plans);
    expect(await stored('indicator_actuals')).toEqual(before.actuals);
    expect((await new Client(t.app).get('/api/v1/indicators')).status).toBe(401);
  });

  it('shows a partner member only their own institution’s remote second opinions, without plans', async () => {
    const res = await partner.get('/api/v1/indicators?year=2026');
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('institution');
    expect(res.body.rows).toEqual([expect.objectContaining({ code: 'remote_second_opinions', planned: null, actual: 1, rate: null })]);
    // The case delivered in FY2025 was not the partner's.
    expect((await partner.get('/api/v1/indicators?year=2025')).body.rows[0].actual).toBe(0);
    expect((await events('indicators.read')).at(-1)?.details).toMatchObject({ year: 2025, scope: 'institution' });
    // Another institution's member counts none of them.
    const other = (await signedInUser(t, { role: 'partner', institutionId: otherInstitution })).client;
    expect((await other.get('/api/v1/indicators?year=2026')).body.rows).toEqual([expect.objectContaining({ code: 'remote_second_opinions', actual: 0 })]);
  });
});

describe('bad input', () => {
  it('answers a clear 400 and writes nothing', async () => {
    const before = { plans: await stored('indicator_plans'), actuals: await stored('indicator_actuals') };
    const bad = [
      await admin.put('/api/v1/indicators/2026/seminars_held/plan', { planned: 1 }),
      await admin.put('/api/v1/indicators/2026/trainees/plan', { planned: -1 }),
      await admin.put('/api/v1/indicators/2026/trainees/plan', { planned: 1.5 }),
      await admin.put('/api/v1/indicators/0000/trainees/plan', { planned: 1 }),
      await admin.put('/api/v1/indicators/9999/trainees/plan', { planned: 1 }),
      await admin.put('/api/v1/indicators/2026/trainees/actual', { actual: -3, note: '' }),
      await admin.put('/api/v1/indicators/2026/trainees/actual', { actual: 3, note: 'bad\u0000note' }),
      await admin.get('/api/v1/indicators?year=0000'),
      await admin.get('/api/v1/indicators?year=9999'),
      await admin.get('/api/v1/indicators?year=twenty'),
    ];
    for (const res of bad) {
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.message).toBeTruthy();
      expect(res.body.error.details.length).toBeGreaterThan(0);
    }
    const counted = await admin.put('/api/v1/indicators/2026/remote_second_opinions/actual', { actual: 9, note: '' });
    expect(counted.status).toBe(400);
    expect(counted.body.error).toMatchObject({ code: 'indicator_counted', message: 'This indicator is counted from the data: its actual cannot be entered by hand.' });
    expect((await events('indicators.edit')).at(-1)).toMatchObject({ outcome: 'failed', details: { code: 'indicator_counted' } });
    expect(await stored('indicator_plans')).toEqual(before.plans);
    expect(await stored('indicator_actuals')).toEqual(before.actuals);
  });
});
