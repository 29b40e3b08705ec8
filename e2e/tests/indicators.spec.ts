import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { adminStatePath } from '../support/env.ts';
import { LOCALE_LIST, staffPage, t } from '../support/ui.ts';
import { shoot } from '../support/shots.ts';

const en = t('en');
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

test.use({ storageState: adminStatePath() });

test('an administrator enters a plan and a hand-counted actual; an analyst sees the table and the chart in each language', async ({ browser }) => {
  test.setTimeout(180_000);
  const api = await AdminApi.open();
  const admin = await api.buildUser({ role: 'admin', locale: 'en', name: 'Admin Indicators Test' });
  // One analyst per language: a user's own language wins over the browser's.
  const analysts = Object.fromEntries(await Promise.all(LOCALE_LIST.map(async (locale) => [locale, await api.buildUser({ role: 'analyst', locale, name: `分析 担当 ${locale} Test` })])));

  const { page } = await staffPage(browser, admin, 'en');
  const table = page.getByTestId('indicators');
  const row = (code: string) => table.locator(`tr[data-indicator=${code}]`);

  await test.step('the administrator opens the indicators from the navigation', async () => {
    await page.getByRole('link', { name: en.nav.indicators }).click();
    await expect(page.getByRole('heading', { level: 1, name: en.indicators.title })).toBeVisible();
    await expect(row('remote_second_opinions')).toContainText(en.indicators.how.remote_second_opinions);
  });

  await test.step('enters the plan and the actual of trainees, counted by hand, with a note', async () => {
    await row('trainees').getByRole('button', { name: en.indicators.editRow.replace('{{indicator}}', en.indicators.codes.trainees) }).click();
    const editor = page.getByRole('form', { name: en.indicators.editRow.replace('{{indicator}}', en.indicators.codes.trainees) });
    await editor.getByLabel(en.indicators.planned).fill('30');
    await editor.getByLabel(en.indicators.actual).fill('5520');
    await editor.getByLabel(en.indicators.note).fill('Online seminars, attendances (test)');
    await shoot(page, 'indicators-edit-en');
    await editor.getByRole('button', { name: en.common.save }).click();
    await expect(page.getByRole('status').filter({ hasText: en.common.saved })).toBeVisible();
    await expect(row('trainees')).toContainText('5,520');
    await expect(row('trainees')).toContainText(en.indicators.manual);
    await expect(row('trainees')).toContainText('18,400%');
  });

  await test.step('a counted indicator takes only a plan', async () => {
    await row('remote_second_opinions').getByRole('button', { name: en.indicators.editRow.replace('{{indicator}}', en.indicators.codes.remote_second_opinions) }).click();
    const editor = page.getByRole('form', { name: en.indicators.editRow.replace('{{indicator}}', en.indicators.codes.remote_second_opinions) });
    await expect(editor.getByLabel(en.indicators.actual)).toHaveCount(0);
    await editor.getByLabel(en.indicators.planned).fill('3');
    await editor.getByRole('button', { name: en.common.save }).click();
    await expect(editor).toHaveCount(0);
    await expect(row('remote_second_opinions').locator('td').first()).toHaveText('3');
  });

  for (const locale of LOCALE_LIST) {
    await test.step(`the analyst reads them in ${locale}, without editing`, async () => {
      const words = t(locale);
      const { page: reader, context } = await staffPage(browser, analysts[locale], locale);
      await reader.goto('/indicators');
      const seen = reader.getByTestId('indicators');
      await expect(seen.locator('tr[data-indicator=trainees]')).toContainText(words.indicators.manual);
      await expect(seen.locator('tr[data-indicator=trainees] td').first()).toHaveText('30');
      await expect(seen.getByRole('button')).toHaveCount(0);
      await expect(reader.getByTestId('indicator-chart').locator('svg')).toBeVisible();
      await shoot(reader, `indicators-${locale}`);
      await context.close();
    });
  }

  await test.step('the analyst downloads the table as CSV and as Excel, in her language', async () => {
    const { page: reader, context } = await staffPage(browser, analysts.ja, 'ja');
    await reader.goto('/indicators');
    const [csv] = await Promise.all([reader.waitForEvent('download'), reader.getByTestId('indicators-csv').click()]);
    expect(csv.suggestedFilename()).toMatch(/^kakehashi-indicators-FY\d{4}\.csv$/);
    const text = (await readFile(await csv.path())).toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text).toContain(t('ja').indicators.rateColumn);
    const [xlsx] = await Promise.all([reader.waitForEvent('download'), reader.getByTestId('indicators-xlsx').click()]);
    expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
    // An XLSX file is a ZIP archive.
    expect((await readFile(await xlsx.path())).subarray(0, 2).toString()).toBe('PK');
    await context.close();
  });

  await test.step('at phone width', async () => {
    const { page: phone, context } = await staffPage(browser, analysts['zh-CN'], 'zh-CN', PHONE);
    await phone.goto('/indicators');
    await expect(phone.getByTestId('indicator-chart').locator('svg')).toBeVisible();
    await shoot(phone, 'indicators-zh-CN-390');
    await context.close();
  });
});
