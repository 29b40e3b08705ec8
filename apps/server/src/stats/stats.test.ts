import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminClient, buildCaseRequest, buildHospitalSettings, type Client, signedInUser, useTestApp } from '../../test/helpers.ts';
import { rowsOf } from '../db/client.ts';
import { parse as parseCsv } from 'csv-parse/sync';
import { STATS_CODES } from '@kakehashi/core';
import * as repo from './repo.ts';

const t = useTestApp({ KAKEHASHI_TIME_ZONE: 'Asia/Tokyo' });
let admin: Client;
let coordinator: Client & { id?: string };
let coordinatorId = '';
let analyst: Client;
let nurse: Client;
let partner: Client;
let institutionId = '';
let consentId = '';

const HEADER = 'case_number,requested_on,department,requester,sex,residence,stage,subject,outcomes,reason,disposition,survey_purpose,survey_understanding,survey_satisfaction,survey_nurse';
/** The known dataset: two consultations in January 2019, two in February, one in March. */
const HISTORY = [
  HEADER,
  'H-1,2019-01-05,hematology,patient,female,overseas,early,treatment,new_treatment_view;new_diagnosis_view,treatment_not_offered,returned_to_primary_doctor,1,1,1,nurse_better_present',
  'H-2,2019-01-31,hematology,family,male,tokyo_area,advanced,diagnosis,no_new_view_needed,doctor_uncertain,treated_here,2,1,2,nurse_not_needed;nurse_talk_after_glad',
  'H-3,2019-02-01,urology,patient,male,other_domestic,advanced,treatment,new_treatment_view,not_convinced_by_explanation,treated_here,,,,',
  'H-4,2019-02-15,hematology,intermediary,unknown,,,,,,,,,,',
  'H-5,2019-03-10,pathology,patient,female,overseas,early,diagnosis,new_diagnosis_view,diagnosis_inadequate,travel_to_japan_for_treatment,1,2,1,',
].join('\r\n');

const importCsv = (client: Client, body: string, mode?: string) =>
  client.post(`/api/v1/imports/consultations${mode ? `?mode=${mode}` : ''}`, body, { 'content-type': 'text/csv' });
const stats = (client: Client, query: string, headers?: Record<string, string>) => client.get(`/api/v1/stats/consultations?${query}`, headers);
const fact = async (caseId: string) => rowsOf<Record<string, unknown>>(await t.db.execute(sql`select * from consultation_facts where case_id = ${caseId}`))[0];
const importedCount = async () => Number(rowsOf<{ n: string }>(await t.db.execute(sql`select count(*) as n from imported_consultations`))[0].n);

/** A case from the public form (or a staff member's form), its id and number. */
async function newCase(as?: Client, patient: Record<string, string> = {}) {
  const base = buildCaseRequest({}, consentId);
  const body = { ...base, requester: { ...base.requester, email: `stats-${randomUUID().slice(0, 6)}@example.org` }, patient: { ...base.patient, ...patient } };
  if (as) {
    const res = await as.post('/api/v1/cases', body);
    expect(res.status).toBe(201);
    return { id: res.body.id as string, number: res.body.number as string };
  }
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: body, remoteAddress: `10.31.0.${Math.floor(Math.random() * 200)}` });
  expect(res.statusCode).toBe(201);
  return { id: res.json().id as string, number: res.json().number as string };
}

/** Requested at `requestedAt`, its visit held: written in the source tables, then the fact row recomputed. */
async function heldCase(as: Client | undefined, requestedAt: string) {
  const c = await newCase(as);
  await t.db.execute(sql`update cases set created_at = ${requestedAt} where id = ${c.id}`);
  const [visit] = rowsOf<{ id: string }>(
    await t.db.execute(sql`insert into visits (case_id, starts_at, ends_at, status) values (${c.id}, ${requestedAt}::timestamptz + interval '10 days', ${requestedAt}::timestamptz + interval '10 days 1 hour', 'booked') returning id`),
  );
  await t.db.execute(sql`insert into visit_records (visit_id, case_id, held, attendance, updated_by) values (${visit.id}, ${c.id}, true, '{}'::jsonb, ${coordinatorId})`);
  await t.app.services.facts.refresh(t.db, c.id);
  return c;
}

beforeAll(async () => {
  admin = await adminClient(t, { 'accept-language': 'en' });
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  institutionId = (await admin.post('/api/v1/institutions', { name: 'Partner Hospital Shanghai (Test)', country: 'CN', kind: 'partner' })).body.id;
  const c = await signedInUser(t, { role: 'coordinator' });
  coordinator = c.client;
  coordinatorId = c.id;
  analyst = (await signedInUser(t, { role: 'analyst' })).client;
  nurse = (await signedInUser(t, { role: 'nurse' })).client;
  partner = (await signedInUser(t, { role: 'partner', institutionId })).client;
  const res = await importCsv(coordinator, HISTORY);
  expect(res.body).toEqual({ imported: 5, rejected: [] });
});

describe('the facts table', () => {
  it('gets a row when a case is created and follows its classification, in the same write', async () => {
    const c = await newCase();
    expect(await fact(c.id)).toMatchObject({ case_number: c.number, counted: false, department: 'thoracic_medical', requester: 'family', sex: 'male', country: 'CN', residence: 'overseas', outcomes: [] });
    const saved = await coordinator.put(`/api/v1/cases/${c.id}/classification`, { version: 0, stage: 'advanced', outcomes: ['new_treatment_view', 'stopping_active_treatment'], disposition: 'treated_here' });
    expect(saved.status).toBe(200);
    expect(await fact(c.id)).toMatchObject({ stage: 'advanced', outcomes: ['new_treatment_view', 'stopping_active_treatment'], disposition: 'treated_here' });
  });

  it('buckets residence by the prefecture of a patient living in Japan, never by nationality', async () => {
    const yokohama = await newCase(undefined, { nationality: 'CN', country: 'JP', prefecture: '14', city: 'Yokohama' });
    const sapporo = await newCase(undefined, { nationality: 'JP', country: 'JP', prefecture: '01', city: 'Sapporo' });
    // A prefecture given for a patient living abroad is not kept.
    const shanghai = await newCase(undefined, { nationality: 'JP', country: 'CN', prefecture: '13', city: 'Shanghai' });
    expect(await fact(yokohama.id)).toMatchObject({ country: 'JP', residence: 'tokyo_area' });
    expect(await fact(sapporo.id)).toMatchObject({ country: 'JP', residence: 'other_domestic' });
    expect(await fact(shanghai.id)).toMatchObject({ country: 'CN', residence: 'overseas' });
    expect((await coordinator.get(`/api/v1/cases/${shanghai.id}`)).body.patient.prefecture).toBeUndefined();
    expect((await coordinator.get(`/api/v1/cases/${yokohama.id}`)).body.patient.prefecture).toBe('14');
    // A case from before the prefecture was asked: not recorded, never guessed.
    await t.db.execute(sql`update cases set patient = patient - 'prefecture' where id = ${sapporo.id}`);
    await t.app.services.facts.refresh(t.db, sapporo.id);
    expect(await fact(sapporo.id)).toMatchObject({ country: 'JP', residence: null });
  });

  it('asks a patient living in Japan for the prefecture (400, translated), and takes only a real one', async () => {
    const base = buildCaseRequest({}, consentId);
    for (const [patient, message] of [
      [{ country: 'JP' }, '日本国内でお住まいの都道府県を選んでください。'],
      [{ country: 'JP', prefecture: '48' }, null],
      [{ country: 'JP', prefecture: '1' }, null],
    ] as const) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', headers: { 'accept-language': 'ja' }, payload: { ...base, patient: { ...base.patient, ...patient } }, remoteAddress: '10.32.0.1' });
      expect(res.statusCode).toBe(400);
      const field = res.json().error.details.find((f: { path: string }) => f.path === 'patient.prefecture');
      expect(field).toBeDefined();
      if (message) expect(field.message).toBe(message);
    }
  });

  it('backfills the cases that have no row (start-up), leaving the others as they are', async () => {
    const c = await newCase();
    await t.db.execute(sql`delete from consultation_facts where case_id = ${c.id}`);
    await t.app.services.facts.backfill();
    expect(await fact(c.id)).toMatchObject({ case_number: c.number, department: 'thoracic_medical', counted: false });
  });

  it('counts a request at 23:30 UTC on 31 January as 1 February in Tokyo, once its visit is held', async () => {
    const c = await heldCase(undefined, '2026-01-31T23:30:00Z');
    expect(await fact(c.id)).toMatchObject({ counted: true, requested_on: '2026-02-01', requested_month: '2026-02', visited_on: '2026-02-11' });
    const res = await stats(coordinator, 'from=2026-01-01&to=2026-02-28&by=department,month');
    expect(res.body).toEqual({ rows: [{ department: 'thoracic_medical', month: '2026-02', count: 1, percent: 100 }], total: 1 });
    const january = await stats(coordinator, 'from=2026-01-01&to=2026-01-31');
    expect(january.body).toEqual({ rows: [], total: 0 });
  });
});

describe('consultation tables', () => {
  it('counts department by month, with the total', async () => {
    const res = await stats(coordinator, 'from=2019-01-01&to=2019-02-28&by=department,month');
    expect(res.body).toEqual({
      rows: [
        { department: 'hematology', month: '2019-01', count: 2, percent: 50 },
        { department: 'hematology', month: '2019-02', count: 1, percent: 25 },
        { department: 'urology', month: '2019-02', count: 1, percent: 25 },
      ],
      total: 4,
    });
  });

  it('counts a case under each of its outcomes (percentages may pass 100), unrecorded as null', async () => {
    const res = await stats(coordinator, 'from=2019-01-01&to=2019-02-28&by=outcome');
    expect(res.body).toEqual({
      rows: [
        { outcome: 'new_diagnosis_view', count: 1, percent: 25 },
        { outcome: 'new_treatment_view', count: 2, percent: 50 },
        { outcome: 'no_new_view_needed', count: 1, percent: 25 },
        { outcome: null, count: 1, percent: 25 },
      ],
      total: 4,
    });
  });

  it('counts every background key, and filters', async () => {
    const q = 'from=2019-01-01&to=2019-03-31';
    const by = async (key: string, extra = '') => (await stats(coordinator, `${q}&by=${key}${extra}`)).body.rows.map((r: Record<string, unknown>) => [r[key], r.count]);
    expect(await by('requester')).toEqual([['family', 1], ['intermediary', 1], ['patient', 3]]);
    expect(await by('sex')).toEqual([['female', 2], ['male', 2], ['unknown', 1]]);
    expect(await by('residence')).toEqual([['other_domestic', 1], ['overseas', 2], ['tokyo_area', 1], [null, 1]]);
    expect(await by('stage')).toEqual([['advanced', 2], ['early', 2], [null, 1]]);
    expect(await by('subject')).toEqual([['diagnosis', 2], ['treatment', 2], [null, 1]]);
    expect(await by('reason')).toEqual([['diagnosis_inadequate', 1], ['doctor_uncertain', 1], ['not_convinced_by_explanation', 1], ['treatment_not_offered', 1], [null, 1]]);
    expect(await by('disposition')).toEqual([['returned_to_primary_doctor', 1], ['travel_to_japan_for_treatment', 1], ['treated_here', 2], [null, 1]]);
    expect(await by('country')).toEqual([['JP', 2], [null, 3]]);
    expect(await by('month', '&department=hematology')).toEqual([['2019-01', 2], ['2019-02', 1]]);
    expect((await stats(coordinator, `${q}&country=JP`)).body.total).toBe(2);
    expect((await stats(coordinator, 'from=2018-01-01&to=2018-12-31&by=sex')).body).toEqual({ rows: [], total: 0 });
  });

  it('refuses unknown keys and a period backwards (400, translated)', async () => {
    expect((await stats(coordinator, 'from=2019-01-01&to=2019-02-28&by=patient_name')).status).toBe(400);
    const backwards = await stats(coordinator, 'from=2019-03-01&to=2019-02-28');
    expect(backwards.status).toBe(400);
  });
});

describe('survey tables', () => {
  it('counts each question’s answers with its own N', async () => {
    const res = await coordinator.get('/api/v1/stats/surveys?from=2019-01-01&to=2019-02-28');
    expect(res.body).toEqual({
      rows: [
        { question: 'purpose', answer: '1', count: 1, n: 2, percent: 50 },
        { question: 'purpose', answer: '2', count: 1, n: 2, percent: 50 },
        { question: 'understanding', answer: '1', count: 2, n: 2, percent: 100 },
        { question: 'satisfaction', answer: '1', count: 1, n: 2, percent: 50 },
        { question: 'satisfaction', answer: '2', count: 1, n: 2, percent: 50 },
        { question: 'nurse', answer: 'nurse_better_present', count: 1, n: 2, percent: 50 },
        { question: 'nurse', answer: 'nurse_not_needed', count: 1, n: 2, percent: 50 },
        { question: 'nurse', answer: 'nurse_talk_after_glad', count: 1, n: 2, percent: 50 },
      ],
      total: 2,
    });
  });
});

describe('time tables', () => {
  it('gives days from request to visit and from visit to report: N, median, 90th percentile', async () => {
    const file = [
      'case_number,requested_on,department,visited_on,reported_on',
      'T-1,2016-01-01,hematology,2016-01-11,2016-01-15',
      'T-2,2016-01-02,hematology,2016-01-22,2016-01-24',
      'T-3,2016-01-03,urology,2016-01-13,',
      'T-4,2016-01-04,urology,,',
    ].join('\n');
    expect((await importCsv(coordinator, file)).body).toEqual({ imported: 4, rejected: [] });
    const res = await coordinator.get('/api/v1/stats/times?from=2016-01-01&to=2016-01-31');
    expect(res.body).toEqual({
      rows: [
        { measure: 'request_to_visit', n: 3, median: 10, p90: 18 },
        { measure: 'visit_to_report', n: 2, median: 3, p90: 3.8 },
      ],
      total: null,
    });
    const published = await coordinator.get('/api/v1/stats/times?from=2016-01-01&to=2016-01-31&suppress=true');
    expect(published.body.rows).toEqual([
      { measure: 'request_to_visit', n: null, median: null, p90: null },
      { measure: 'visit_to_report', n: null, median: null, p90: null },
    ]);
    const csv = parseCsv((await coordinator.get('/api/v1/stats/times?from=2016-01-01&to=2016-01-31&format=csv&locale=ja')).raw.body, { bom: true });
    expect(csv).toEqual([
      ['指標', '回答数', '中央値（日）', '90パーセンタイル（日）'],
      ['申込から相談まで', '3', '10', '18'],
      ['相談から報告書まで', '2', '3', '3.8'],
    ]);
    expect((await coordinator.get('/api/v1/stats/times?from=2015-01-01&to=2015-12-31')).body.rows).toEqual([
      { measure: 'request_to_visit', n: 0, median: null, p90: null },
      { measure: 'visit_to_report', n: 0, median: null, p90: null },
    ]);
  });
});

describe('who may count', () => {
  it('gives an analyst counts only, and refuses the nurse and the analyst’s import', async () => {
    const res = await stats(analyst, 'from=2019-01-01&to=2019-03-31&by=department');
    expect(res.status).toBe(200);
    for (const row of res.body.rows) expect(Object.keys(row).sort()).toEqual(['count', 'department', 'percent']);
    expect(JSON.stringify(res.body)).not.toContain('H-1');
    expect((await stats(nurse, 'from=2019-01-01&to=2019-03-31')).status).toBe(403);
    expect((await importCsv(analyst, HISTORY)).status).toBe(403);
  });

  it('restricts a partner member to their institution’s cases, whatever they ask', async () => {
    await heldCase(partner, '2025-06-10T03:00:00Z');
    await heldCase(undefined, '2025-06-11T03:00:00Z');
    expect((await stats(coordinator, 'from=2025-06-01&to=2025-06-30')).body.total).toBe(2);
    expect((await stats(coordinator, `from=2025-06-01&to=2025-06-30&institution=${institutionId}`)).body.total).toBe(1);
    expect((await stats(partner, 'from=2025-06-01&to=2025-06-30')).body.total).toBe(1);
    expect((await stats(partner, `from=2025-06-01&to=2025-06-30&institution=${randomUUID()}`)).body.total).toBe(0);
    expect((await stats(partner, 'from=2019-01-01&to=2019-03-31')).body.total).toBe(0);
  });
});

describe('the monthly roll-ups', () => {
  /** A small deterministic generator, so a failure can be replayed. */
  function random(seed: number) {
    return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  }

  it('count every table as the facts do, over whole months, edge days and filters, after updates and deletes', async () => {
    const r = random(2011);
    const pick = <T,>(list: readonly T[], blank = 0.15) => (r() < blank ? '' : list[Math.floor(r() * list.length)]);
    const departments = ['hematology', 'urology', 'pathology'];
    const day = (d: number) => new Date(Date.UTC(2011, 0, 1 + d)).toISOString().slice(0, 10);
    const row = (i: number) => {
      const requested = Math.floor(r() * 360);
      const visited = r() < 0.8 ? requested + 3 + Math.floor(r() * 40) : null;
      const reported = visited !== null && r() < 0.8 ? visited + Math.floor(r() * 20) : null;
      const surveyed = r() < 0.5;
      const scale = () => (surveyed && r() < 0.9 ? String(1 + Math.floor(r() * 4)) : '');
      return [
        `R-${i}`, day(requested), pick(departments, 0), pick(STATS_CODES.requester), pick(STATS_CODES.sex), pick(STATS_CODES.residence),
        pick(STATS_CODES.stage), pick(STATS_CODES.subject), r() < 0.2 ? '' : STATS_CODES.outcome.slice(0, 1 + Math.floor(r() * 3)).join(';'),
        pick(STATS_CODES.reason), pick(STATS_CODES.disposition), scale(), scale(), scale(), surveyed && r() < 0.5 ? pick(STATS_CODES.nurse, 0) : '',
        visited === null ? '' : day(visited), reported === null ? '' : day(reported),
      ].join(',');
    };
    const file = (from: number, to: number) => [`${HEADER},visited_on,reported_on`, ...Array.from({ length: to - from }, (_, i) => row(from + i))].join('\n');
    // Three imports at once count the same months: each waits for the others' roll-up rows, none deadlocks.
    const files = [file(0, 100), file(100, 200), file(200, 300)];
    for (const res of await Promise.all(files.map((f) => importCsv(coordinator, f)))) expect(res.body).toMatchObject({ imported: 100, rejected: [] });
    // A re-import updates rows (the roll-ups move them), a delete takes rows away, live cases add country, language and institution.
    expect((await importCsv(coordinator, file(250, 350))).body).toMatchObject({ imported: 100, rejected: [] });
    await t.db.execute(sql`delete from imported_consultations where case_number in ('R-3', 'R-4', 'R-5')`);
    await heldCase(partner, '2011-05-31T16:00:00Z');
    await heldCase(undefined, '2011-06-10T03:00:00Z');

    const periods = [['2011-01-01', '2011-12-31'], ['2011-02-10', '2011-11-20'], ['2011-03-01', '2011-03-31'], ['2011-03-05', '2011-04-25'], ['2011-06-01', '2011-06-01']];
    const filters = [{}, { department: 'hematology' }, { country: 'JP' }, { language: 'zh-CN' }, { institutionId }, { department: 'urology', country: 'JP' }];
    const keySets = [['department', 'month'], ['month', 'department'], ['outcome'], ['department', 'month', 'outcome'], ['country', 'department'], ['requester', 'sex'], ['language'], ['residence', 'month'], ...['requester', 'sex', 'stage', 'subject', 'reason', 'disposition', 'country'].map((k) => [k])];
    let compared = 0;
    for (const [from, to] of periods) {
      for (const f of filters) {
        const filter = { from, to, ...f };
        for (const keys of keySets) {
          const counted = await repo.countConsultations(t.db, keys, filter);
          expect(counted, `${keys} ${JSON.stringify(filter)}`).toEqual(await repo.countConsultations(t.db, keys, filter, 'facts'));
          compared += counted.rows.length;
        }
        const surveys = await repo.countSurveyAnswers(t.db, filter);
        const sorted = (s: typeof surveys) => ({ ...s, rows: [...s.rows].sort((a, b) => `${a.question}:${a.answer}`.localeCompare(`${b.question}:${b.answer}`)) });
        expect(sorted(surveys), JSON.stringify(filter)).toEqual(sorted(await repo.countSurveyAnswers(t.db, filter, 'facts')));
        expect(await repo.timeSpans(t.db, filter), JSON.stringify(filter)).toEqual(await repo.timeSpans(t.db, filter, 'facts'));
      }
    }
    // The comparisons were not of empty tables.
    expect(compared).toBeGreaterThan(2000);
    // And the roll-ups were what answered: one changed by hand shows in the table, not in the facts.
    const year = { from: '2011-01-01', to: '2011-12-31' };
    expect((await repo.countConsultations(t.db, ['sex'], year)).total).toBeGreaterThan(250);
    await t.db.execute(sql`update consultation_rollups set n = n + 1 where kind = 'all' and dim = 'sex' and month = '2011-07' and value = 'male'`);
    expect((await repo.countConsultations(t.db, ['sex'], year)).total).toBe((await repo.countConsultations(t.db, ['sex'], year, 'facts')).total + 1);
    await t.db.execute(sql`update consultation_rollups set n = n - 1 where kind = 'all' and dim = 'sex' and month = '2011-07' and value = 'male'`);
  });
});

describe('exports', () => {
  it('writes CSV with a BOM and the chosen language’s headers and labels, which parses back to the table', async () => {
    const res = await stats(coordinator, 'from=2019-01-01&to=2019-02-28&by=department,month&locale=ja', { accept: 'text/csv' });
    expect(res.headers['content-type']).toContain('text/csv');
    const text = res.raw.body;
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(parseCsv(text, { bom: true })).toEqual([
      ['診療科', '月', '件数', '割合（%）'],
      ['血液内科', '2019-01', '2', '50'],
      ['血液内科', '2019-02', '1', '25'],
      ['泌尿器・後腹膜腫瘍科', '2019-02', '1', '25'],
      ['合計', '', '4', ''],
    ]);
    const zh = parseCsv((await stats(coordinator, 'from=2019-01-01&to=2019-02-28&by=outcome&format=csv&locale=zh-CN')).raw.body, { bom: true });
    expect(zh[0]).toEqual(['会诊结论', '件数', '比例（%）']);
    expect(zh[4]).toEqual(['未记录', '1', '25']);
  });

  it('writes XLSX that exceljs reads back, counts as numbers', async () => {
    const res = await stats(coordinator, 'from=2019-01-01&to=2019-02-28&by=sex&format=xlsx&locale=en');
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.raw.rawPayload as never);
    const values = book.worksheets[0].getSheetValues().slice(1).map((r) => (r as unknown[]).slice(1));
    expect(values).toEqual([
      ['Sex', 'Count', '%'],
      ['Female', 1, 25],
      ['Male', 2, 50],
      ['Prefer not to say', 1, 25],
      ['Total', 4],
    ]);
  });

  it('suppresses small cells and, complementarily, a cell the total would give away', async () => {
    // Hematology 3, urology 1: urology is small, and the total less hematology would show it.
    const res = await stats(coordinator, 'from=2019-01-01&to=2019-02-28&by=department&suppress=true&minCell=2');
    expect(res.body).toEqual({ rows: [{ department: 'hematology', count: null, percent: null }, { department: 'urology', count: null, percent: null }], total: 4, minCell: 2 });
    // Two small cells hide each other; hematology stays.
    const march = await stats(coordinator, 'from=2019-01-01&to=2019-03-31&by=department&suppress=true&minCell=2');
    expect(march.body.rows).toEqual([
      { department: 'hematology', count: 3, percent: 60 },
      { department: 'pathology', count: null, percent: null },
      { department: 'urology', count: null, percent: null },
    ]);
    expect((await stats(coordinator, 'from=2019-01-01&to=2019-03-31&by=department')).body.rows[1].count).toBe(1);
  });

  it('hides below the hospital’s setting when the query names no minCell, and says which it used', async () => {
    const unsuppressed = await stats(coordinator, 'from=2019-01-01&to=2019-03-31&by=department');
    expect(unsuppressed.body.minCell).toBeUndefined();
    // The default, 5, hides all three cells (the total, 5, is shown); at 3 hematology's 3 is shown.
    expect((await stats(coordinator, 'from=2019-01-01&to=2019-03-31&by=department&suppress=true')).body).toMatchObject({ minCell: 5, total: 5, rows: [{ count: null }, { count: null }, { count: null }] });
    try {
      expect((await admin.put('/api/v1/settings/hospital', buildHospitalSettings({ statsMinCell: 3 }))).status).toBe(200);
      const res = await stats(coordinator, 'from=2019-01-01&to=2019-03-31&by=department&suppress=true');
      expect(res.body.minCell).toBe(3);
      expect(res.body.rows.map((r: { count: number | null }) => r.count)).toEqual([3, null, null]);
      for (const bad of [1, 101]) expect((await admin.put('/api/v1/settings/hospital', buildHospitalSettings({ statsMinCell: bad }))).status).toBe(400);
    } finally {
      await admin.put('/api/v1/settings/hospital', buildHospitalSettings({}));
    }
  });
});

describe('the history import', () => {
  const bad = [
    HEADER,
    'B-1,2019-02-30,hematology,,,,,,,,,,,,',
    'B-2,2019-04-01,cardiology,,,,,,,,,,,,',
    'B-3,2019-04-01,hematology,patient,,,,,new_treatment_view;miracle,,,,,,',
    'B-5,0000-04-01,hematology,,,,,,,,,,,,',
    'B-6,9999-04-01,hematology,,,,,,,,,,,,',
    'B-7,2019-04-01,hematology,,,,,,,,,5,,,',
    'B-8,2019-04-02,urology,,,,,,,,,,,,',
  ];

  it('all or nothing: one bad row rejects the file, each reason translated, nothing written', async () => {
    const before = await importedCount();
    const res = await coordinator.post('/api/v1/imports/consultations', bad.join('\n'), { 'content-type': 'text/csv', 'accept-language': 'en' });
    expect(res.status).toBe(200);
    expect(res.body.imported).toBe(0);
    expect(res.body.rejected.map((r: { row: number }) => r.row)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(res.body.rejected[0].reason).toBe('Column requested_on is not a date (YYYY-MM-DD) between 1900-01-01 and 2200-12-31');
    expect(res.body.rejected[1].reason).toBe('Column department: unknown code “cardiology”');
    expect(res.body.rejected[2].reason).toBe('Column outcomes: unknown code “miracle”');
    expect(res.body.rejected[3].reason).toContain('is not a date');
    expect(res.body.rejected[5].reason).toBe('Column survey_purpose must be 1 to 4 or empty');
    expect(await importedCount()).toBe(before);
  });

  it('skip-invalid imports the good rows; a live case’s number is refused; a re-import updates', async () => {
    const live = await newCase();
    const file = `\uFEFF${[...bad, `${live.number},2019-04-03,urology,,,,,,,,,,,,`, 'H-4,2019-02-15,urology,,,,,,,,,,,,'].join('\r\n')}`;
    const res = await importCsv(coordinator, file, 'skip-invalid');
    expect(res.body.imported).toBe(2);
    expect(res.body.rejected.map((r: { row: number }) => r.row)).toEqual([2, 3, 4, 5, 6, 7, 9]);
    expect(res.body.rejected[6].reason).toContain(live.number);
    expect((await fact(live.id)).department).toBe('thoracic_medical');
    const april = await stats(coordinator, 'from=2019-04-01&to=2019-04-30&by=department');
    expect(april.body).toEqual({ rows: [{ department: 'urology', count: 1, percent: 100 }], total: 1 });
    // H-4 moved from hematology to urology: counted once, in its new department.
    const feb = await stats(coordinator, 'from=2019-02-01&to=2019-02-28&by=department');
    expect(feb.body).toEqual({ rows: [{ department: 'urology', count: 2, percent: 100 }], total: 2 });
    // Put H-4 back as it was for the other tests' arithmetic.
    expect((await importCsv(coordinator, `${HEADER}\r\nH-4,2019-02-15,hematology,intermediary,unknown,,,,,,,,,,`)).body).toEqual({ imported: 1, rejected: [] });
  });

  it('refuses a file holding a NUL as a whole, as every request is (400, nothing written)', async () => {
    const before = await importedCount();
    for (const mode of ['all-or-nothing', 'skip-invalid']) {
      const res = await importCsv(coordinator, `${HEADER}\r\nN-1,2019-05-01,hematology,patient\u0000,,,,,,,,,,,\r\nN-2,2019-05-02,hematology,,,,,,,,,,,,`, mode);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await importedCount()).toBe(before);
  });

  it('takes a file of tens of thousands of rows (several MB) on this route', async () => {
    const departments = ['gynecology', 'dermatology', 'pediatric'];
    const lines = Array.from({ length: 30_000 }, (_, i) => `BULK-${i},2017-${String((i % 12) + 1).padStart(2, '0')}-15,${departments[i % 3]},patient,female,overseas,early,treatment,new_treatment_view;no_new_view_needed,doctor_uncertain,treated_here,1,2,3,nurse_not_needed`);
    const file = [HEADER, ...lines].join('\r\n');
    expect(file.length).toBeGreaterThan(4_000_000);
    const res = await importCsv(coordinator, file);
    expect(res.body).toEqual({ imported: 30_000, rejected: [] });
    const year = await stats(coordinator, 'from=2017-01-01&to=2017-12-31&by=department');
    expect(year.body).toEqual({ rows: departments.sort().map((department) => ({ department, count: 10_000, percent: 33.3 })), total: 30_000 });
    const outcomes = await stats(coordinator, 'from=2017-03-01&to=2017-03-31&by=outcome');
    expect(outcomes.body).toEqual({ rows: [{ outcome: 'new_treatment_view', count: 2_500, percent: 100 }, { outcome: 'no_new_view_needed', count: 2_500, percent: 100 }], total: 2_500 });
  });

  it('names a row by the line it starts on, past blank lines and quoted line breaks; a quote left open refuses the file', async () => {
    const file = [HEADER, '', 'Q-1,2019-05-01,hematology,patient,female,overseas,early,treatment,,,,,,,', '"Q-2",2019-05-02,hematology,"pa', 'tient",,,,,,,,,,,', 'Q-3,2019-05-03,cardiology,,,,,,,,,,,,'].join('\n');
    const res = await importCsv(coordinator, file);
    // Line 4 holds a field that runs on to line 5 ("pa\ntient" is no requester code); Q-3 starts on line 6.
    expect(res.body.rejected.map((r: { row: number }) => r.row)).toEqual([4, 6]);
    const open = await importCsv(coordinator, [HEADER, 'Q-4,2019-05-04,hematology,,,,,,,,,,,,', 'Q-5,"2019-05-05,hematology,,,,,,,,,,,,'].join('\n'), 'skip-invalid');
    expect(open.body).toEqual({ imported: 0, rejected: [{ row: 3, reason: expect.stringContaining('not valid CSV from line 3') }] });
    // A stray quote inside a field is only a character: the row is judged on its values.
    const stray = await importCsv(coordinator, [HEADER, 'Q-6,2019-05-06,hematology,pat"ient,,,,,,,,,,,'].join('\n'));
    expect(stray.body.rejected).toEqual([{ row: 2, reason: 'Column requester: unknown code “pat"ient”' }]);
  });

  it('refuses a file without the required columns', async () => {
    const res = await importCsv(coordinator, 'number,date\r\nX,2019-01-01');
    expect(res.body).toMatchObject({ imported: 0, rejected: [{ row: 1 }] });
  });
});
