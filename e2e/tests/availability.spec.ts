import { expect, test, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import type { Locale } from '@kakehashi/core/i18n';
import { AdminApi, type User } from '../support/api.ts';
import { signInUI, t } from '../support/ui.ts';
import { shoot } from '../support/shots.ts';

/** Other people start with no session (test.use's storageState would reach their contexts too). */
const NO_STATE = { cookies: [], origins: [] };


async function signedIn(browser: Browser, user: User, locale: Locale = 'en') {
  const context = await browser.newContext({ locale, storageState: NO_STATE });
  const page = await context.newPage();
  await signInUI(page, user.email);
  return { context, page };
}

/** A date `days` ahead, as YYYY-MM-DD. */
function dayAhead(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

let coordinator: User;
test.beforeAll(async () => {
  const admin = await AdminApi.open();
  coordinator = await admin.buildUser({ role: 'coordinator' });
  await admin.dispose();
});

async function newPhysician(): Promise<User> {
  const admin = await AdminApi.open();
  try {
    return await admin.buildUser({ role: 'physician', name: `Dr. 佐藤 ${Date.now() % 100000}` });
  } finally {
    await admin.dispose();
  }
}

test('a physician sets weekly hours and a day off; a coordinator sees them', async ({ browser }) => {
  const c = t('en');
  const monday = new Intl.DateTimeFormat('en', { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, 1)));

  const ja = t('ja');
  let physician: User;
  let context: BrowserContext;
  let page: Page;
  let form: Locator;
  let coord: { context: BrowserContext; page: Page };

  await test.step('the physician opens the availability page: no hours yet', async () => {
    physician = await newPhysician();
    ({ context, page } = await signedIn(browser, physician));
    await page.getByRole('link', { name: c.nav.availability }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.availability.title);
    await expect(page.getByTestId('no-hours')).toHaveText(c.availability.noHoursYet);
    // Only coordinators and administrators choose whose hours.
    await expect(page.getByTestId('whose')).toHaveCount(0);
    await expect(page.getByLabel(c.availability.timeZone)).toHaveValue('Asia/Tokyo');
  });

  await test.step('weekly hours: two periods on Monday, copied to the week', async () => {
    // Monday: 09:00–12:00 and 13:30–17:00, then the same for Tuesday to Friday.
    const mon = page.getByTestId('weekday-1');
    await page.getByRole('button', { name: c.availability.addHoursNamed.replace('{{day}}', monday) }).click();
    await mon.getByLabel(c.availability.to).fill('12:00');
    await page.getByRole('button', { name: c.availability.addHoursNamed.replace('{{day}}', monday) }).click();
    const second = mon.getByRole('group', { name: c.availability.windowLabel.replace('{{day}}', monday).replace('{{n}}', '2') });
    await second.getByLabel(c.availability.from).fill('13:30');
    await second.getByLabel(c.availability.to).fill('17:00');
    await page.getByRole('button', { name: c.availability.copyMonday.replace('{{monday}}', monday) }).click();
    await expect(page.getByTestId('weekday-5').getByLabel(c.availability.from)).toHaveCount(2);
    await expect(page.getByTestId('weekday-6')).toContainText(c.availability.notWorking);
  });

  await test.step('a period that ends before it starts is refused beside its field', async () => {
    // A period that ends before it starts is refused, and the error sits beside that field.
    const tue = page.getByTestId('weekday-2');
    await tue.getByLabel(c.availability.to).first().fill('08:00');
    await page.getByRole('button', { name: c.availability.saveHours }).click();
    await expect(page.getByRole('alert').filter({ hasText: c.errors.validation_failed })).toBeVisible();
    await expect(tue.locator('.field__error')).toHaveText(c.validation.timeRange);
    await tue.getByLabel(c.availability.to).first().fill('12:00');
    await page.getByRole('button', { name: c.availability.saveHours }).click();
    await expect(page.getByRole('status').filter({ hasText: c.availability.hoursSaved })).toBeVisible();
    await expect(page.getByTestId('no-hours')).toHaveCount(0);
  });

  await test.step('a day off and extra hours', async () => {
    // A day off for a congress.
    const date = dayAhead(21);
    form = page.getByTestId('exception-form');
    await form.getByLabel(c.availability.date).fill(date);
    await expect(form.getByLabel(c.availability.kind)).toHaveValue('off');
    await expect(form.getByLabel(c.availability.wholeDay)).toBeChecked();
    await form.getByLabel(c.availability.note).fill('ESMO congress');
    await form.getByRole('button', { name: c.availability.add }).click();
    await expect(page.getByRole('status').filter({ hasText: c.availability.exceptionAdded })).toBeVisible();
    const row = page.getByTestId('exceptions').getByRole('row').filter({ hasText: 'ESMO congress' });
    await expect(row).toContainText(c.availability.kinds.off);
    await expect(row).toContainText(c.availability.wholeDay);

    // Extra hours on another day: their times must be given.
    await form.getByLabel(c.availability.date).fill(dayAhead(22));
    await form.getByLabel(c.availability.kind).selectOption('extra');
    await form.getByLabel(c.availability.from).fill('14:00');
    await form.getByLabel(c.availability.to).fill('16:00');
    await form.getByLabel(c.availability.note).fill('Extra clinic');
    await form.getByRole('button', { name: c.availability.add }).click();
    await expect(page.getByTestId('exceptions').getByRole('row').filter({ hasText: 'Extra clinic' })).toContainText('14:00–16:00');
  });

  await test.step('after a reload the page shows what was saved', async () => {
    // After a reload the page shows what was saved.
    await page.reload();
    await expect(page.getByTestId('weekday-1').getByLabel(c.availability.from)).toHaveCount(2);
    await expect(page.getByTestId('weekday-1').getByLabel(c.availability.to).first()).toHaveValue('12:00');
    await expect(page.getByTestId('weekday-3').getByLabel(c.availability.from).nth(1)).toHaveValue('13:30');
    await page.setViewportSize({ width: 1280, height: 720 });
    await shoot(page, 'availability-physician-en');
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(page, 'availability-physician-en-390');
  });

  await test.step('deleting the extra clinic asks first', async () => {
    // Deleting the extra clinic asks first.
    await page.getByTestId('exceptions').getByRole('row').filter({ hasText: 'Extra clinic' }).getByRole('button', { name: new RegExp(c.availability.delete) }).click();
    const dialog = page.getByRole('dialog', { name: c.availability.deleteTitle });
    await dialog.getByRole('button', { name: c.availability.delete }).click();
    await expect(page.getByRole('status').filter({ hasText: c.availability.exceptionDeleted })).toBeVisible();
    await expect(page.getByTestId('exceptions').getByRole('row').filter({ hasText: 'Extra clinic' })).toHaveCount(0);
    await context.close();
  });

  await test.step('the coordinator, in Japanese, sees the same hours and the day off', async () => {
    // The coordinator, in Japanese, picks the physician and sees the same hours and the day off.
    coord = await signedIn(browser, coordinator, 'ja');
    await coord.page.getByRole('link', { name: ja.nav.availability }).click();
    await expect(coord.page.getByRole('heading', { level: 1 })).toHaveText(ja.availability.title);
    await coord.page.getByLabel(ja.availability.whose).selectOption({ label: physician.name });
    await expect(coord.page).toHaveURL(new RegExp(`user=${physician.id}`));
    await expect(coord.page.getByRole('heading', { level: 2 }).first()).toHaveText(ja.availability.weeklyTitleNamed.replace('{{name}}', physician.name));
    const jaMonday = new Intl.DateTimeFormat('ja', { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, 1)));
    await expect(coord.page.getByTestId('weekday-1')).toContainText(jaMonday);
    await expect(coord.page.getByTestId('weekday-1').getByLabel(ja.availability.from)).toHaveCount(2);
    await expect(coord.page.getByTestId('weekday-2').getByLabel(ja.availability.to).first()).toHaveValue('12:00');
    await expect(coord.page.getByTestId('weekday-5').getByLabel(ja.availability.to).nth(1)).toHaveValue('17:00');
    await expect(coord.page.getByTestId('weekday-7')).toContainText(ja.availability.notWorking);
    const dayOff = coord.page.getByTestId('exceptions').getByRole('row').filter({ hasText: 'ESMO congress' });
    await expect(dayOff).toContainText(ja.availability.kinds.off);
    await expect(dayOff).toContainText(ja.availability.wholeDay);
    await expect(coord.page.getByTestId('exceptions').getByRole('row').filter({ hasText: 'Extra clinic' })).toHaveCount(0);
  });

  await test.step("a link to the physician's hours opens them directly", async () => {
    // A link to the physician's hours opens them directly.
    await coord.page.reload();
    await expect(coord.page.getByLabel(ja.availability.whose)).toHaveValue(physician.id);
    await expect(coord.page.getByTestId('weekday-1').getByLabel(ja.availability.from)).toHaveCount(2);
    await coord.page.setViewportSize({ width: 1280, height: 720 });
    await shoot(coord.page, 'availability-coordinator-ja');
    await coord.page.setViewportSize({ width: 390, height: 844 });
    await shoot(coord.page, 'availability-coordinator-ja-390');
    await coord.context.close();
  });
});

test('availability screens in Chinese', async ({ browser }) => {
  const zh = t('zh-CN');
  const physician = await newPhysician();
  const admin = await AdminApi.open();
  await admin.call('PUT', `/availability/${physician.id}`, {
    timeZone: 'Asia/Tokyo',
    rules: [1, 2, 3, 4, 5].flatMap((weekday) => [
      { weekday, start: '09:00', end: '12:00' },
      { weekday, start: '13:30', end: '17:00' },
    ]),
  });
  await admin.call('POST', `/availability/${physician.id}/exceptions`, { date: dayAhead(21), available: false, start: null, end: null, note: '学会' });
  await admin.dispose();
  const { context, page } = await signedIn(browser, coordinator, 'zh-CN');
  await page.goto(`/availability?user=${physician.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(zh.availability.title);
  await expect(page.getByTestId('weekday-1').getByLabel(zh.availability.from)).toHaveCount(2);
  await page.setViewportSize({ width: 1280, height: 720 });
  await shoot(page, 'availability-coordinator-zh-CN');
  await page.setViewportSize({ width: 390, height: 844 });
  await shoot(page, 'availability-coordinator-zh-CN-390');
  await context.close();
});

test('without weekly hours every day says any time, as the intro does; once a day has hours, the others are not available', async ({ browser }) => {
  for (const locale of ['en', 'ja', 'zh-CN'] as const) {
    const c = t(locale);
    const physician = await newPhysician();
    const { context, page } = await signedIn(browser, physician, locale);
    await page.goto('/availability');
    await expect(page.getByTestId('no-hours')).toHaveText(c.availability.noHoursYet);
    for (const d of [1, 3, 6, 7]) await expect(page.getByTestId(`weekday-${d}`)).toContainText(c.availability.anyTime);
    await expect(page.getByTestId('weekly-hours')).not.toContainText(c.availability.notWorking);
    await shoot(page, `availability-no-hours-${locale}`, page.getByTestId('weekly-hours'));
    await page.getByTestId('weekday-1').getByRole('button', { name: c.availability.addHours }).click();
    await expect(page.getByTestId('no-hours')).toHaveCount(0);
    await expect(page.getByTestId('weekday-6')).toContainText(c.availability.notWorking);
    await context.close();
  }
});
