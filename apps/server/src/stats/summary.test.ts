import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCALES, STATS_CODES, type Locale } from '@kakehashi/core';
import { adminClient, buildCaseRequest, buildHospitalSettings, type Client, signedInUser, useTestApp } from '../../test/helpers.ts';
import { rowsOf } from '../db/client.ts';
import { translator } from '../i18n.ts';
import { sampleLetterhead } from '../reports/samples.ts';
import { renderStatsSummary } from './summary.ts';

/*
 * The period's one-page summary (GET /stats/summary) over a dataset with known answers, read back
 * with poppler (pdftotext, pdfinfo, pdffonts) as a reader's viewer finds it.
 */

const t = useTestApp({ KAKEHASHI_TIME_ZONE: 'Asia/Tokyo' });
let coordinator: Client;
let partner: Client;
let coordinatorId = '';
let institutionId = '';
let consentId = '';

const dir = mkdtempSync(path.join(tmpdir(), 'kh-summary-pdf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = 'case_number,requested_on,department,requester,sex,residence,outcomes,survey_purpose,survey_understanding,survey_satisfaction,survey_nurse,visited_on,reported_on';
/**
 * 2014: hematology 2, urology 1, pathology 1; two of four living abroad (50%); three surveys answered
 * (satisfaction 1, 2, 1); days to the visit 10, 4, 6, 8 (median 7); to the report 5, 3, 7 (median 5).
 */
const YEAR_2014 = [
  HEADER,
  'S-1,2014-01-05,hematology,patient,female,overseas,new_treatment_view,1,1,1,,2014-01-15,2014-01-20',
  'S-2,2014-01-20,hematology,family,male,tokyo_area,new_treatment_view;new_diagnosis_view,2,1,2,,2014-01-24,2014-01-27',
  'S-3,2014-03-03,urology,patient,male,overseas,no_new_view_needed,1,2,1,,2014-03-09,2014-03-16',
  'S-4,2014-05-01,pathology,intermediary,unknown,,,,,,,2014-05-09,',
].join('\r\n');

const run = (tool: string, ...args: string[]) => execFileSync(tool, args, { encoding: 'utf8' });
const squeeze = (s: string) => s.replace(/\s+/g, '');

/** The summary's PDF as a file, and its text as poppler reads it (laid out, and without white space). */
async function summary(client: Client, query: string) {
  const res = await client.get(`/api/v1/stats/summary?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const file = path.join(dir, `${randomUUID()}.pdf`);
  writeFileSync(file, res.raw.rawPayload);
  const layout = run('pdftotext', '-layout', '-enc', 'UTF-8', file, '-');
  return { res, file, layout, text: squeeze(layout), pages: Number(run('pdfinfo', file).match(/^Pages:\s+(\d+)/m)![1]) };
}

/** A case from a partner member's form (or the public one), its visit held 10 days after `requestedAt` (as stats.test.ts makes them). */
async function heldCase(as: Client | undefined, requestedAt: string) {
  const base = buildCaseRequest({}, consentId);
  const payload = { ...base, requester: { ...base.requester, email: `summary-${randomUUID().slice(0, 6)}@example.org` } };
  let id: string;
  if (as) {
    const res = await as.post('/api/v1/cases', payload);
    expect(res.status).toBe(201);
    id = res.body.id;
  } else {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload, remoteAddress: '10.32.0.7' });
    expect(res.statusCode).toBe(201);
    id = res.json().id;
  }
  await t.db.execute(sql`update cases set created_at = ${requestedAt} where id = ${id}`);
  const [visit] = rowsOf<{ id: string }>(
    await t.db.execute(sql`insert into visits (case_id, starts_at, ends_at, status) values (${id}, ${requestedAt}::timestamptz + interval '10 days', ${requestedAt}::timestamptz + interval '10 days 1 hour', 'booked') returning id`),
  );
  await t.db.execute(sql`insert into visit_records (visit_id, case_id, held, attendance, updated_by) values (${visit.id}, ${id}, true, '{}'::jsonb, ${coordinatorId})`);
  await t.app.services.facts.refresh(t.db, id);
}

beforeAll(async () => {
  const c = await signedInUser(t, { role: 'coordinator' });
  coordinator = c.client;
  coordinatorId = c.id;
  const admin = await adminClient(t, { 'accept-language': 'en' });
  expect((await admin.put('/api/v1/settings/hospital', buildHospitalSettings())).status).toBe(200);
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  institutionId = (await admin.post('/api/v1/institutions', { name: 'Partner Hospital Summary (Test)', country: 'CN', kind: 'partner' })).body.id;
  partner = (await signedInUser(t, { role: 'partner', institutionId })).client;
  expect((await coordinator.post('/api/v1/imports/consultations', YEAR_2014, { 'content-type': 'text/csv' })).body).toEqual({ imported: 4, rejected: [] });
});

describe('the summary PDF', () => {
  it('is one A4 page, an attachment named after the period, its fonts embedded, the figures and labels in Japanese', async () => {
    const { res, file, layout, text, pages } = await summary(coordinator, 'from=2014-01-01&to=2014-12-31&locale=ja');
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe('attachment; filename="kakehashi-summary-2014-01-01-2014-12-31.pdf"');
    expect(pages).toBe(1);
    expect(run('pdfinfo', file)).toMatch(/Page size:\s+595\.28 x 841\.89/);
    const fonts = run('pdffonts', file).split('\n').slice(2).filter(Boolean);
    expect(fonts.length).toBeGreaterThan(0);
    for (const font of fonts) expect(font, font).toMatch(/\s+yes\s+yes\s+(yes|no)\s+\d+\s+\d+$/);
    const ja = translator('ja');
    expect(text).toContain('テスト医療センター');
    expect(text).toContain('国際診療部');
    expect(text).toContain(squeeze(ja('stats.summary.title')));
    expect(text).toContain('2014年1月1日～2014年12月31日');
    expect(text).toContain(squeeze(ja('stats.summary.allConsultations')));
    // Key figures: 4 consultations, 50% abroad (2 of them), 3 surveys, medians 7 and 5 days.
    expect(layout).toMatch(/\b4\s+50\.0%\s+3\s+7日\s+5日/);
    // Departments by name, the largest first, with count and share.
    expect(layout).toMatch(/血液内科\s+2\s+50\.0%/);
    expect(layout).toMatch(/泌尿器・後腹膜腫瘍科\s+1\s+25\.0%/);
    expect(layout).toMatch(/病理診断科\s+1\s+25\.0%/);
    expect(layout.indexOf('血液内科')).toBeLessThan(layout.indexOf('病理診断科'));
    // Who asked, outcomes (a case under each of its outcomes), satisfaction over its N.
    expect(layout).toMatch(new RegExp(`${ja('cases.requesterTypes.patient')}\\s+2\\s+50\\.0%`));
    expect(layout).toMatch(new RegExp(`${ja('stats.residence.overseas')}\\s+2\\s+50\\.0%`));
    expect(layout).toMatch(new RegExp(`${ja('codes.outcome.new_treatment_view')}\\s+2\\s+50\\.0%`));
    expect(layout).toMatch(new RegExp(`${ja('survey.scales.satisfaction.answer1')}\\s+2\\s+66\\.7%`));
    expect(layout).toMatch(new RegExp(`${ja('survey.scales.satisfaction.answer4')}\\s+0\\s+0\\.0%`));
    expect(text).toContain(squeeze(ja('stats.summary.answers', { count: 3 })));
    expect(text).toContain(`${squeeze(ja('stats.summary.generated', { date: '' }))}`);
    expect(text).toContain('(Asia/Tokyo)');
  });

  for (const locale of LOCALES.filter((l): l is Exclude<Locale, 'ja'> => l !== 'ja')) {
    it(`in ${locale}: the labels and the departments' names in that language`, async () => {
      const tr = translator(locale);
      const { text, pages } = await summary(coordinator, `from=2014-01-01&to=2014-12-31&locale=${locale}`);
      expect(pages).toBe(1);
      for (const key of ['stats.summary.title', 'stats.summary.byDepartment', 'stats.summary.byMonth', 'stats.summary.background', 'stats.summary.outcomes', 'stats.summary.satisfaction'] as const) {
        expect(text, key).toContain(squeeze(tr(key)));
      }
      expect(text).toContain(squeeze(buildHospitalSettings().name[locale]));
      expect(text).toContain(squeeze(tr('stats.summary.days', { count: 7 })));
      expect(text).toContain(locale === 'en' ? 'Hematology' : '血液科');
      expect(text).toContain(squeeze(tr('codes.outcome.new_diagnosis_view')));
      expect(text).toContain(squeeze(tr('caseTerms.sexes.unknown')));
    });
  }

  it('keeps to one page with many departments (the largest ten, then the others on one line) and many months', async () => {
    await t.db.execute(sql`insert into departments (code, name_ja, name_zh, name_en, sort_order)
      values ('summary_long', '非常に長い名前の診療科（要約の一行に収まらないほど長い名前のテスト）', '名称很长的科室', 'A department whose name is far too long to fit on one line of the summary', 999)`);
    const codes = rowsOf<{ code: string }>(await t.db.execute(sql`select code from departments order by sort_order`)).map((r) => r.code);
    expect(codes.length).toBeGreaterThan(15);
    // 2012-2013: department i gets i + 1 consultations, spread over the 24 months.
    const lines = codes.flatMap((code, i) => Array.from({ length: i + 1 }, (_, k) => `M-${i}-${k},${2012 + Math.floor(((i + k) % 24) / 12)}-${String((((i + k) % 24) % 12) + 1).padStart(2, '0')}-10,${code},,,,,,,,,,`));
    expect((await coordinator.post('/api/v1/imports/consultations', [HEADER, ...lines].join('\n'), { 'content-type': 'text/csv' })).body.rejected).toEqual([]);
    const en = translator('en');
    const monthly = await summary(coordinator, 'from=2012-01-01&to=2013-12-31&locale=en');
    expect(monthly.pages).toBe(1);
    expect(monthly.text).toContain(squeeze(en('stats.summary.byMonth')));
    expect(monthly.text).toContain(squeeze(en('stats.summary.others', { count: codes.length - 10 })));
    // The largest (the long name, with the most) is cut short on its line.
    expect(monthly.text).toContain('Adepartmentwhosename');
    expect(monthly.text).not.toContain('onelineofthesummary');
    expect(monthly.layout).toMatch(new RegExp(`Total\\s+${lines.length}\\s+100\\.0%`));
    for (const locale of ['ja', 'zh-CN'] as const) expect((await summary(coordinator, `from=2012-01-01&to=2013-12-31&locale=${locale}`)).pages).toBe(1);
    // Fourteen years: a bar per year.
    const yearly = await summary(coordinator, 'from=2000-01-01&to=2014-12-31&locale=zh-CN');
    expect(yearly.pages).toBe(1);
    expect(yearly.text).toContain(squeeze(translator('zh-CN')('stats.summary.byYear')));
    expect(yearly.layout).toMatch(/2012/);
  });

  it('lists fewer departments when the letterhead and the filters take more room, still on one page', async () => {
    const tr = translator('en');
    const row = (label: string, count: number) => ({ label, count, percent: 1 });
    const departments = Array.from({ length: 20 }, (_, i) => row(`Department ${i} (test)`, 40 - i));
    const pdf = await renderStatsSummary({
      locale: 'en',
      letterhead: { ...sampleLetterhead('en'), addressLines: Array(6).fill('1-2-3 Kaku-cho, Chiyoda-ku, Tokyo 100-0000, Japan'), contactLines: Array(6).fill('Tel. +81-3-0000-0000 · international@example.org') },
      from: '2001-01-01',
      to: '2014-12-31',
      filters: [[tr('stats.summary.institution'), 'A partner hospital with a long official name, '.repeat(4)]],
      total: 610,
      overseas: { count: 300, percent: 49.2 },
      surveys: 200,
      requestToVisit: { n: 600, median: 12 },
      visitToReport: { n: 500, median: 6 },
      departments,
      months: [{ month: '2014-01', count: 610 }],
      background: (['requester', 'sex', 'residence'] as const).map((key) => ({ title: tr(`stats.keys.${key}`), rows: STATS_CODES[key].map((code) => row(code, 10)) })),
      outcomes: STATS_CODES.outcome.map((code) => row(tr(`codes.outcome.${code}`), 10)),
      satisfaction: { rows: [1, 2, 3, 4].map((a) => row(`answer ${a}`, a)), n: 10 },
      minCell: 5,
      generatedAt: new Date(),
      timeZone: 'Asia/Tokyo',
    });
    const file = path.join(dir, 'crowded.pdf');
    writeFileSync(file, pdf);
    expect(Number(run('pdfinfo', file).match(/^Pages:\s+(\d+)/m)![1])).toBe(1);
    const text = squeeze(run('pdftotext', '-enc', 'UTF-8', file, '-'));
    expect(text).toContain('Department0(test)');
    expect(text).not.toContain('Department9(test)');
    expect(text).toMatch(/\d+otherdepartments/);
    expect(text).toContain(squeeze(tr('stats.summary.satisfaction')));
  });

  it('says there is nothing to show for an empty period, on a valid page', async () => {
    const { text, pages } = await summary(coordinator, 'from=2010-01-01&to=2010-12-31&locale=en');
    expect(pages).toBe(1);
    expect(text).toContain(squeeze(translator('en')('stats.summary.empty')));
    expect(text).not.toContain(squeeze(translator('en')('stats.summary.byDepartment')));
  });

  it('gives a partner member their institution’s consultations only, and names it', async () => {
    await heldCase(partner, '2016-06-10T03:00:00Z');
    await heldCase(undefined, '2016-06-11T03:00:00Z');
    const all = await summary(coordinator, 'from=2016-01-01&to=2016-12-31&locale=en');
    expect(all.layout).toMatch(/Total\s+2\s+100\.0%/);
    const own = await summary(partner, `from=2016-01-01&to=2016-12-31&locale=en`);
    expect(own.layout).toMatch(/Total\s+1\s+100\.0%/);
    expect(own.text).toContain('Partnerinstitution:PartnerHospitalSummary(Test)');
    // Another institution named: nothing, not the other's counts.
    const other = await summary(partner, `from=2016-01-01&to=2016-12-31&locale=en&institution=${randomUUID()}`);
    expect(other.text).toContain(squeeze(translator('en')('stats.summary.empty')));
  });

  it('blanks small counts when asked (suppress=true) and says so', async () => {
    const { layout, text } = await summary(coordinator, 'from=2014-01-01&to=2014-12-31&locale=en&suppress=true');
    expect(text).toContain(squeeze(translator('en')('stats.summary.suppressed', { minCell: 5 })));
    expect(layout).toMatch(/Hematology\s+—\s+—/);
  });

  it('refuses a period backwards or an unknown language (400, translated)', async () => {
    const backwards = await coordinator.get('/api/v1/stats/summary?from=2014-12-31&to=2014-01-01', { 'accept-language': 'zh-CN' });
    expect(backwards.status).toBe(400);
    expect(JSON.stringify(backwards.body)).toContain(translator('zh-CN')('validation.periodOrder'));
    expect((await coordinator.get('/api/v1/stats/summary?from=2014-01-01&to=2014-12-31&locale=fr')).status).toBe(400);
    expect((await coordinator.get('/api/v1/stats/summary?from=2014-01-01')).status).toBe(400);
  });
});
