import fs from 'node:fs';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { adminStatePath } from '../support/env.ts';
import { LOCALE_LIST, staffPage, t } from '../support/ui.ts';
import { shoot } from '../support/shots.ts';

const en = t('en');
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

test.use({ storageState: adminStatePath() });

/**
 * Known consultations of fiscal year 2013, imported (an import counts like a live case), so the
 * tables' figures are known whatever else the run holds: hematology 2 in April and 1 in June,
 * urology 1 in May; two survey answers; days to visit 10, 11, 10 and to report 5, 2.
 */
const KNOWN = [
  'case_number,requested_on,department,requester,sex,residence,stage,subject,outcomes,reason,disposition,survey_purpose,survey_understanding,survey_satisfaction,survey_nurse,visited_on,reported_on',
  'E2E-ST-1,2013-04-10,hematology,patient,female,overseas,early,treatment,new_treatment_view;new_diagnosis_view,treatment_not_offered,returned_to_primary_doctor,1,1,1,nurse_better_present,2013-04-20,2013-04-25',
  'E2E-ST-2,2013-04-20,hematology,family,male,tokyo_area,advanced,diagnosis,no_new_view_needed,doctor_uncertain,treated_here,2,1,2,nurse_not_needed;nurse_talk_after_glad,2013-05-01,2013-05-03',
  'E2E-ST-3,2013-05-05,urology,patient,male,other_domestic,advanced,treatment,new_treatment_view,not_convinced_by_explanation,treated_here,,,,,2013-05-15,',
  'E2E-ST-4,2013-06-01,hematology,intermediary,unknown,,,,,,,,,,,,',
].join('\r\n');
const PERIOD = 'from=2013-04-01&to=2014-03-31';

/** A file for the import screen (fiscal year 2012, away from the known figures): line 3 names no known department. */
const WITH_A_BAD_LINE = ['case_number,requested_on,department,requester', 'E2E-UI-1,2012-05-01,hematology,patient', 'E2E-UI-2,2012-05-02,nowhere,family', 'E2E-UI-3,2012-05-03,urology,family', ''].join('\n');

const cell = (page: Page, department: string, month: string) => page.getByTestId('stats-departments').locator(`tr[data-department="${department}"] td[data-month="${month}"]`);
const row = (section: Locator, key: string) => section.locator(`tr[data-key="${key}"]`);

async function downloaded(page: Page, link: Locator) {
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return { name: download.suggestedFilename(), bytes: fs.readFileSync(await download.path()) };
}

test('an analyst reads the statistics in each language and downloads them; a coordinator imports history through the screen', async ({ browser }) => {
  test.setTimeout(240_000);
  const api = await AdminApi.open();
  const imported = await api.call<{ imported: number; rejected: unknown[] }>('POST', '/imports/consultations', KNOWN, { 'Content-Type': 'text/csv' });
  expect(imported).toEqual({ imported: 4, rejected: [] });
  const analysts = Object.fromEntries(await Promise.all(LOCALE_LIST.map(async (locale) => [locale, await api.buildUser({ role: 'analyst', locale, name: `統計 担当 ${locale} Test` })])));
  const coordinator = await api.buildUser({ role: 'coordinator', locale: 'en', name: 'Coordinator Statistics Test' });

  for (const locale of LOCALE_LIST) {
    await test.step(`the analyst reads the tables in ${locale}`, async () => {
      const words = t(locale);
      const { page, context } = await staffPage(browser, analysts[locale], locale);
      await page.getByRole('link', { name: words.nav.statistics }).click();
      await expect(page.getByRole('heading', { level: 1, name: words.stats.page.title })).toBeVisible();
      // An analyst reads, never imports.
      await expect(page.getByRole('link', { name: words.stats.page.importLink })).toHaveCount(0);
      await page.goto(`/stats?${PERIOD}`);

      await expect(cell(page, 'hematology', '2013-04')).toHaveText('2');
      await expect(cell(page, 'hematology', '2013-05')).toHaveText('0');
      await expect(cell(page, 'hematology', '2013-06')).toHaveText('1');
      await expect(cell(page, 'hematology', 'total')).toHaveText('3');
      await expect(cell(page, 'urology', '2013-05')).toHaveText('1');
      await expect(cell(page, 'urology', 'total')).toHaveText('1');
      await expect(cell(page, 'total', '2013-04')).toHaveText('2');
      await expect(cell(page, 'total', '2013-05')).toHaveText('1');
      await expect(cell(page, 'total', 'total')).toHaveText('4');
      await expect(page.getByTestId('stats-departments').locator('tr[data-department=hematology] th')).toHaveText(locale === 'ja' ? '血液内科' : locale === 'zh-CN' ? '血液科' : 'Hematology');

      const requester = page.getByTestId('stats-requester');
      await expect(row(requester, 'patient')).toContainText(words.cases.requesterTypes.patient);
      await expect(row(requester, 'patient').locator('td').first()).toHaveText('2');
      await expect(row(requester, 'patient').locator('td').nth(1)).toHaveText('50.0%');
      await expect(row(requester, 'family').locator('td').nth(1)).toHaveText('25.0%');
      await expect(row(requester, 'total').locator('td').first()).toHaveText('4');
      // Unrecorded codes are named so.
      await expect(row(page.getByTestId('stats-stage'), 'null')).toContainText(words.stats.notRecorded);
      // A case under two outcomes counts under each: the shares pass 100% together.
      await expect(row(page.getByTestId('stats-outcome'), 'new_treatment_view').locator('td').first()).toHaveText('2');
      await expect(row(page.getByTestId('stats-outcome'), 'new_diagnosis_view').locator('td').first()).toHaveText('1');

      const survey = page.getByTestId('stats-survey').locator('tbody[data-question=purpose]');
      await expect(survey).toContainText(words.survey.questions.purpose);
      await expect(survey.locator('[data-answer=n]')).toHaveText(words.stats.page.answered.replace('{{n}}', '2'));
      await expect(survey.locator('tr[data-answer="1"]')).toContainText(words.survey.scales.purpose.answer1);
      await expect(survey.locator('tr[data-answer="1"] td').first()).toHaveText('1');
      await expect(survey.locator('tr[data-answer="1"] td').nth(1)).toHaveText('50.0%');
      await expect(page.getByTestId('stats-survey').locator('tbody[data-question=nurse] tr[data-answer=nurse_not_needed]')).toContainText(words.survey.nurse.nurse_not_needed);

      const times = page.getByTestId('stats-times');
      await expect(times.locator('tr[data-measure=request_to_visit] td')).toHaveText(['3', '10.0', '10.8']);
      await expect(times.locator('tr[data-measure=visit_to_report] td')).toHaveText(['2', '3.5', '4.7']);
      await expect(page.getByRole('link', { name: words.stats.page.summary })).toHaveAttribute('href', new RegExp(`/api/v1/stats/summary\\?from=2013-04-01&to=2014-03-31&locale=${locale}`));
      await expect(page.getByTestId('stats-month-chart').locator('svg')).toBeVisible();
      await expect(page.getByTestId('stats-outcome-chart').locator('svg')).toBeVisible();
      await shoot(page, `stats-${locale}`);

      // The pivot as CSV: a byte-order mark, then the headers in the page's language.
      const csv = await downloaded(page, page.getByRole('link', { name: words.stats.page.downloadCsv.replace('{{table}}', words.stats.page.sections.departments) }));
      expect(csv.name).toMatch(/\.csv$/);
      const text = csv.bytes.toString('utf8');
      expect(text.startsWith('\uFEFF')).toBe(true);
      expect(text.slice(1).split(/\r?\n/)[0]).toContain(`${words.stats.keys.department},${words.stats.keys.month},${words.stats.count}`);
      const xlsx = await downloaded(page, page.getByRole('link', { name: words.stats.page.downloadXlsx.replace('{{table}}', words.stats.keys.requester) }));
      expect(xlsx.name).toMatch(/\.xlsx$/);
      expect(xlsx.bytes.subarray(0, 2).toString('latin1')).toBe('PK');
      await context.close();
    });
  }

  await test.step('filters and hidden small cells are kept in the address', async () => {
    const { page, context } = await staffPage(browser, analysts.en, 'en');
    await page.goto(`/stats?${PERIOD}`);
    await page.getByLabel(en.stats.keys.department, { exact: true }).selectOption('urology');
    await page.getByRole('search').getByRole('button', { name: en.common.search }).click();
    await expect(page).toHaveURL(/department=urology/);
    await expect(cell(page, 'total', 'total')).toHaveText('1');
    await expect(page.getByTestId('stats-departments').locator('tbody tr')).toHaveCount(1);
    await page.getByLabel(en.stats.page.suppress).click();
    await expect(page.getByLabel(en.stats.page.suppress)).toBeChecked();
    await expect(page).toHaveURL(/suppress=true/);
    // One consultation is under any threshold: hidden, as is the total it would give away.
    await expect(cell(page, 'urology', '2013-05')).toHaveText('–');
    await expect(cell(page, 'total', 'total')).toHaveText('–');
    const csv = page.getByRole('link', { name: en.stats.page.downloadCsv.replace('{{table}}', en.stats.page.sections.departments) });
    await expect(csv).toHaveAttribute('href', /department=urology.*suppress=true.*format=csv&locale=en/);
    await context.close();
  });

  await test.step('at phone width the tables scroll inside their boxes', async () => {
    const { page, context } = await staffPage(browser, analysts.ja, 'ja', PHONE);
    await page.goto(`/stats?${PERIOD}`);
    await expect(cell(page, 'total', 'total')).toHaveText('4');
    await expect(page.getByTestId('stats-month-chart').locator('svg')).toBeVisible();
    await shoot(page, 'stats-ja-390');
    await context.close();
  });

  await test.step('the analyst is refused the import screen', async () => {
    const { page, context } = await staffPage(browser, analysts.en, 'en');
    await page.goto('/stats/import');
    await expect(page.getByRole('alert')).toHaveText(en.errors.forbidden);
    await expect(page.locator('input[type=file]')).toHaveCount(0);
    await context.close();
  });

  await test.step('the coordinator previews a file with a bad line and imports it, all or nothing, then the correct lines', async () => {
    const { page, context } = await staffPage(browser, coordinator, 'en');
    await page.getByRole('link', { name: en.nav.statistics }).click();
    await page.getByRole('link', { name: en.stats.page.importLink }).click();
    await expect(page.getByRole('heading', { level: 1, name: en.stats.importPage.title })).toBeVisible();
    await page.getByLabel(en.stats.importPage.file).setInputFiles({ name: 'history.csv', mimeType: 'text/csv', buffer: Buffer.from(WITH_A_BAD_LINE) });
    const preview = page.getByTestId('import-preview');
    await expect(preview).toContainText('history.csv: 3 rows of data');
    await expect(preview.locator('tbody tr')).toHaveCount(3);
    await expect(preview.locator('tbody tr').nth(1)).toContainText('nowhere');
    await expect(page.getByLabel(en.stats.importPage.modes.allOrNothing)).toBeChecked();
    await shoot(page, 'stats-import-preview-en');

    await page.getByRole('button', { name: en.stats.importPage.submit }).click();
    const result = page.getByTestId('import-result');
    await expect(result).toContainText(en.stats.importPage.nothingImported);
    await expect(page.getByTestId('import-progress')).toHaveAttribute('value', '100');
    const rejected = page.getByTestId('import-rejected');
    await expect(rejected.locator('tbody tr')).toHaveCount(1);
    await expect(rejected.locator('tr[data-row="3"]')).toContainText('Column department: unknown code “nowhere”');

    await page.getByLabel(en.stats.importPage.modes.skipInvalid).check();
    await page.getByRole('button', { name: en.stats.importPage.submit }).click();
    await expect(result).toContainText(en.stats.importPage.imported.replace('{{imported}}', '2'));
    await expect(page.getByTestId('import-progress')).toHaveAttribute('value', '100');
    await expect(rejected.locator('tr[data-row="3"]')).toBeVisible();
    await shoot(page, 'stats-import-result-en');

    // The imported lines are counted.
    await page.goto('/stats?from=2012-05-01&to=2012-05-31');
    await expect(cell(page, 'total', 'total')).toHaveText('2');
    await context.close();
  });

  await test.step('a file over the limit is refused before it is sent', async () => {
    const { page, context } = await staffPage(browser, coordinator, 'en');
    await page.goto('/stats/import');
    const big = Buffer.alloc(32 * 1024 * 1024 + 1, 'a');
    await page.getByLabel(en.stats.importPage.file).setInputFiles({ name: 'big.csv', mimeType: 'text/csv', buffer: big });
    await expect(page.getByText(/the import takes files of up to 32/)).toBeVisible();
    await expect(page.getByRole('button', { name: en.stats.importPage.submit })).toBeDisabled();
    await context.close();
  });
  await api.dispose();
});
