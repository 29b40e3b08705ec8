import { expect, test } from '@playwright/test';
import type { HospitalSettings, Locale } from '@kakehashi/core';
import { AdminApi } from '../support/api.ts';
import { adminStatePath } from '../support/env.ts';
import { LOCALE_LIST, t } from '../support/ui.ts';
import { caseThroughApi } from '../support/cases.ts';
import { shoot } from '../support/shots.ts';

const PHONE = { width: 390, height: 844 };
const NO_STATE = { cookies: [], origins: [] };
/** A made-up logo: a bridge over water, in the app's colours. */
const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40" width="120" height="40">
  <rect width="120" height="40" rx="6" fill="#0f5c6e"/>
  <path d="M8 28 Q32 6 56 28" fill="none" stroke="#fff" stroke-width="4"/>
  <path d="M4 30 H60" stroke="#9fd3df" stroke-width="3"/>
  <text x="66" y="27" font-family="sans-serif" font-size="16" font-weight="700" fill="#fff">KMC</text>
</svg>`;

let before: HospitalSettings;

test.beforeAll(async () => {
  const admin = await AdminApi.open();
  before = await admin.call<HospitalSettings>('GET', '/hospital');
  await admin.dispose();
});

// Leave the identity as it was for the other specs (the logo is removed: the demo has none).
test.afterAll(async () => {
  const admin = await AdminApi.open();
  const { logoUrl: _logo, ...texts } = before;
  await admin.call('PUT', '/settings/hospital', texts);
  await admin.call('PUT', '/settings/hospital/logo', { logo: null });
  await admin.dispose();
});

test.describe('as administrator', () => {
  test.use({ storageState: adminStatePath(), locale: 'ja' });

  test('an administrator sets the hospital’s identity and logo; the patient pages show them', async ({ page, browser }) => {
    test.setTimeout(120_000);
    const ja = t('ja');
    const tag = Date.now().toString(36).slice(-5);
    const nameZh = `架桥医疗中心（演示 ${tag}）`;

    await test.step('edit the names, contact window and payment instructions', async () => {
      await page.goto('/admin/settings');
      const section = page.getByTestId('hospital-settings');
      await section.getByRole('button', { name: ja.hospital.settings.edit }).click();
      const dialog = page.getByRole('dialog', { name: ja.hospital.settings.edit });
      const label = (key: 'name' | 'paymentInstructions', l: Locale) => ja.hospital.settings[key].replace('{{language}}', ja.languages[l]);
      await dialog.getByLabel(label('name', 'zh-CN'), { exact: true }).fill(nameZh);
      await dialog.getByLabel(ja.hospital.settings.contactPhone, { exact: true }).fill('+81-3-0000-0000');
      await dialog.getByLabel(label('paymentInstructions', 'zh-CN'), { exact: true }).fill(`请在会诊 7 天前汇款（演示 ${tag}）。`);
      // A bad reply-to address is refused beside the field, in Japanese.
      await dialog.getByLabel(ja.hospital.settings.replyTo, { exact: true }).fill('not-an-address');
      await dialog.getByRole('button', { name: ja.common.save }).click();
      await expect(dialog.locator('.field--invalid')).toHaveCount(1);
      await dialog.getByLabel(ja.hospital.settings.replyTo, { exact: true }).fill('international@example.org');
      await dialog.getByRole('button', { name: ja.common.save }).click();
      await expect(dialog).toBeHidden();
      await expect(section.getByRole('status')).toHaveText(ja.common.saved);
    });

    await test.step('upload a logo', async () => {
      const logo = page.getByTestId('hospital-logo');
      await logo.locator('input[type=file]').setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(LOGO_SVG) });
      await expect(page.getByTestId('hospital-settings').getByRole('status')).toHaveText(ja.hospital.settings.logoSaved);
      await expect(logo.getByRole('img')).toBeVisible();
      await page.setViewportSize({ width: 1280, height: 900 });
      await shoot(page, 'hospital-settings-ja', page.getByTestId('hospital-settings'));
      await page.getByTestId('hospital-settings').getByRole('button', { name: ja.hospital.settings.edit }).click();
      await shoot(page, 'hospital-settings-edit-ja');
      await page.keyboard.press('Escape');
    });

    const admin = await AdminApi.open();
    const c = await caseThroughApi(admin);
    const fees = await admin.call<{ items: { id: string; minutes: number }[] }>('GET', '/settings/fee-schedules');
    const sixty = fees.items.find((f) => f.minutes === 60)!;
    await admin.call('PUT', `/cases/${c.id}/fee`, { scheduleId: sixty.id, amount: null, currency: null, paymentStatus: 'invoiced' });
    await admin.dispose();

    for (const locale of LOCALE_LIST) {
      await test.step(`the patient pages in ${locale}`, async () => {
        const l = t(locale);
        const context = await browser.newContext({ locale, timezoneId: 'Asia/Shanghai', storageState: NO_STATE, viewport: PHONE });
        const patient = await context.newPage();
        await patient.goto('/request');
        const brand = patient.getByTestId('hospital-brand');
        await expect(brand.locator('img')).toHaveAttribute('src', /\/api\/v1\/hospital\/logo\?v=\d+/);
        if (locale === 'zh-CN') await expect(brand).toContainText(nameZh);
        else await expect(brand).toContainText(before.name[locale]);
        await expect(patient).toHaveTitle(new RegExp(`${locale === 'zh-CN' ? nameZh.replace(/[()（）]/g, '.') : before.name[locale].replace(/[()（）]/g, '.')}$`));
        await expect(patient.getByTestId('hospital-expectations')).toContainText(before.expectations.firstAnswer[locale]);
        await expect(patient.getByTestId('hospital-contact')).toContainText('+81-3-0000-0000');
        await shoot(patient, `hospital-request-${locale}-390`);

        await patient.goto(`/portal#${c.token}`);
        const quote = patient.getByTestId('portal-quote');
        await expect(quote.getByTestId('quote-amount')).toHaveText(new Intl.NumberFormat(locale, { style: 'currency', currency: 'JPY' }).format(110000));
        await expect(quote.getByTestId('quote-status')).toHaveText(l.hospital.quote.statuses.invoiced);
        await expect(quote).toContainText(l.hospital.quote.interpreterIncluded);
        await expect(quote).toContainText(l.hospital.quote.minutes_other.replace('{{count}}', '60'));
        if (locale === 'zh-CN') await expect(quote.getByTestId('payment-instructions')).toContainText(`请在会诊 7 天前汇款（演示 ${tag}）。`);
        await expect(patient.getByTestId('hospital-contact')).toBeVisible();
        await shoot(patient, `hospital-portal-${locale}-390`);
        await shoot(patient, `hospital-portal-quote-${locale}-390`, quote);

        await patient.goto('/device-check');
        await expect(patient.getByTestId('hospital-contact')).toBeVisible();
        await shoot(patient, `hospital-device-check-${locale}-390`, patient.getByTestId('hospital-contact'));
        await context.close();
      });
    }
  });
});
