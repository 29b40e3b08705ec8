import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { DEMO, E2E_DIR, adminStatePath } from '../support/env.ts';
import { LOCALE_LIST, submitPassword, t } from '../support/ui.ts';
import { en, flattenKeys } from '@kakehashi/core/i18n';

const KEYS = flattenKeys(en);

/**
 * Full-page screenshots of every screen in every language, for people to look at
 * (e2e/screenshots/<screen>-<locale>.png; narrow ones end in -390). Each also checks that
 * no catalog key leaked into the page untranslated.
 */
const OUT = path.join(E2E_DIR, 'screenshots');
fs.mkdirSync(OUT, { recursive: true });

async function shoot(page: Page, name: string) {
  // A raw key such as "users.title" on screen means a missing translation.
  const text = await page.locator('body').innerText();
  const words = new Set(text.split(/[\s,:;()（）「」“”]+/));
  expect(KEYS.filter((k) => words.has(k))).toEqual([]);
  await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
}

let enrolEmail: string;
test.beforeAll(async () => {
  const admin = await AdminApi.open();
  // Something to show on the tokens screen, and a user who still has to set up two-step.
  const nurse = (await admin.buildUser({ role: 'nurse', name: 'Nurse 陈 Demo' })).id;
  await admin.createToken(nurse, 'Hospital PACS bridge');
  enrolEmail = (await admin.buildUser({ role: 'physician', name: 'Dr. 高橋 Demo' })).email;
  await admin.dispose();
});

for (const locale of LOCALE_LIST) {
  test.describe(`screens in ${locale}`, () => {
    test.use({ locale });

    test(`sign-in and two-step enrolment (${locale})`, async ({ page }) => {
      await page.goto('/sign-in');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t(locale).signIn.title);
      await shoot(page, `sign-in-${locale}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await shoot(page, `sign-in-${locale}-390`);

      await page.goto('/forgot-password');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t(locale).forgot.title);
      await shoot(page, `forgot-password-${locale}-390`);
      await page.goto('/reset-password?token=not-a-real-token-just-the-form');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t(locale).resetPassword.title);
      await shoot(page, `reset-password-${locale}-390`);
      await page.setViewportSize({ width: 1280, height: 720 });

      await submitPassword(page, enrolEmail);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t(locale).signIn.enrolTitle);
      await expect(page.getByRole('img', { name: t(locale).signIn.enrolQrAlt })).toBeVisible();
      await shoot(page, `totp-enrolment-${locale}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await shoot(page, `totp-enrolment-${locale}-390`);
    });

    test.describe('as administrator', () => {
      test.use({ storageState: adminStatePath() });

      test(`home and administration screens (${locale})`, async ({ page }) => {
        const c = t(locale);
        const screens: [string, string, string][] = [
          ['home', '/', c.home.welcome.replace('{{name}}', 'Admin Test')],
          ['institutions', '/admin/institutions', c.institutions.title],
          ['users', '/admin/users', c.users.title],
          ['tokens', '/admin/tokens', c.tokens.title],
          ['outbox', '/admin/outbox', c.outbox.title],
          ['audit', '/admin/audit', c.audit.title],
        ];
        for (const [name, url, heading] of screens) {
          await page.setViewportSize({ width: 1280, height: 720 });
          await page.goto(url);
          await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
          await expect(page.getByRole('status').filter({ hasText: c.common.loading })).toHaveCount(0);
          if (name === 'institutions') await expect(page.getByText(DEMO.partnerInstitution)).toBeVisible();
          await shoot(page, `${name}-${locale}`);
          await page.setViewportSize({ width: 390, height: 844 });
          await shoot(page, `${name}-${locale}-390`);

          // The dialogs that matter most: adding a user, reading an e-mail.
          if (name === 'users') {
            await page.getByRole('button', { name: c.users.add }).click();
            await expect(page.getByRole('dialog')).toBeVisible();
            await shoot(page, `users-add-${locale}-390`);
            await page.setViewportSize({ width: 1280, height: 720 });
            await shoot(page, `users-add-${locale}`);
            await page.keyboard.press('Escape');
            await expect(page.getByRole('dialog')).toBeHidden();
          }
          if (name === 'outbox') {
            await page.setViewportSize({ width: 1280, height: 720 });
            await page.locator('tbody tr').first().getByRole('button').click();
            await expect(page.getByTestId('outbox-text')).toBeVisible();
            await shoot(page, `outbox-message-${locale}`);
            await page.keyboard.press('Escape');
          }
        }
      });
    });
  });
}
